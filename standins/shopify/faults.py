"""Fault knobs for the Admin API (and, on request, the OAuth token endpoint): added latency,
429 with Retry-After, 5xx, and timeouts that hold the connection past the client's patience.
Rates are drawn from random.Random(seed), so a seeded run fails the same calls every time;
`sequence` scripts the next answers exactly (e.g. [503, 429, "ok"]); "lost" runs the request
and then answers 504, as when Shopify did the work but the answer never reached the caller."""
from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from flask import Response, g, jsonify

TARGETS = ("graphql", "oauth")
SERVER_ERROR_BODIES = {
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FaultSettingsError(ValueError):
    """A fault setting that makes no sense (rate outside 0..1, unknown target...)."""


@dataclass
class FaultSettings:
    latency_ms: int = 0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_timeout: float = 0.0
    status_5xx: int = 503
    retry_after: float = 1.0
    timeout_seconds: float = 15.0
    targets: list[str] = field(default_factory=lambda: ["graphql"])
    sequence: list = field(default_factory=list)
    seed: int | None = None
    # Only GraphQL requests whose document calls one of these fields (e.g. "refundCreate") get
    # faults; empty: every request of the targets.
    operations: list[str] = field(default_factory=list)

    def validate(self) -> "FaultSettings":
        for name in ("rate_429", "rate_5xx", "rate_timeout"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise FaultSettingsError(f"{name} must be between 0 and 1")
        if self.rate_429 + self.rate_5xx + self.rate_timeout > 1.0:
            raise FaultSettingsError("rate_429 + rate_5xx + rate_timeout must not exceed 1")
        if self.status_5xx not in SERVER_ERROR_BODIES:
            raise FaultSettingsError(f"status_5xx must be one of {sorted(SERVER_ERROR_BODIES)}")
        if unknown := set(self.targets) - set(TARGETS):
            raise FaultSettingsError(f"unknown targets {sorted(unknown)}; use {list(TARGETS)}")
        for step in self.sequence:
            if step not in ("ok", "timeout", "lost", 429) and step not in SERVER_ERROR_BODIES:
                raise FaultSettingsError(f"sequence step {step!r} is not ok, timeout, lost, "
                                         "429 or 5xx")
        if self.latency_ms < 0 or self.timeout_seconds < 0 or self.retry_after < 0:
            raise FaultSettingsError("latency_ms, timeout_seconds and retry_after must be >= 0")
        return self


class FaultInjector:
    """Decides, per request, whether to answer with a fault instead of the real response."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self._settings = FaultSettings(seed=seed)
        self._rng = random.Random(seed)
        self.injected: Counter = Counter()

    def configure(self, values: dict) -> FaultSettings:
        """Replace the settings (unspecified knobs go back to "no fault")."""
        known = FaultSettings.__dataclass_fields__
        if unknown := set(values) - set(known) - {"throttle"}:
            raise FaultSettingsError(f"unknown fault settings {sorted(unknown)}")
        try:
            settings = FaultSettings(**{k: v for k, v in values.items() if k in known})
            settings.latency_ms = int(settings.latency_ms)
            settings.sequence = list(settings.sequence)
            settings.operations = [str(name) for name in settings.operations]
            settings.validate()
        except (TypeError, ValueError) as exc:
            raise FaultSettingsError(str(exc)) from exc
        with self._lock:
            self._settings = settings
            self._rng = random.Random(settings.seed)
            self.injected.clear()
        return settings

    def describe(self) -> dict:
        with self._lock:
            return {**asdict(self._settings), "injected": dict(self.injected)}

    def intercept(self, target: str, document: str = "") -> Response | None:
        """Sleep for the configured latency; return a fault response or None to carry on (for
        "lost", `g.answer_lost` tells `lose_answer` to replace the real answer)."""
        with self._lock:
            settings = self._settings
            if target not in settings.targets:
                return None
            if settings.operations and not any(re.search(rf"\b{re.escape(name)}\s*\(",
                                                         document)
                                               for name in settings.operations):
                return None
            outcome = settings.sequence.pop(0) if settings.sequence else self._draw(settings)
            if outcome != "ok":
                self.injected[str(outcome)] += 1
        if settings.latency_ms:
            time.sleep(settings.latency_ms / 1000)
        if outcome == "lost":
            g.answer_lost = True
            return None
        return self._respond(outcome, settings)

    @staticmethod
    def lose_answer(response: Response) -> Response:
        """After the request ran: a 504 instead of its answer when the fault said "lost"."""
        if not g.get("answer_lost"):
            return response
        lost = jsonify(errors=SERVER_ERROR_BODIES[504])
        lost.status_code = 504
        return lost

    def _draw(self, settings: FaultSettings):
        roll = self._rng.random()
        if roll < settings.rate_429:
            return 429
        if roll < settings.rate_429 + settings.rate_5xx:
            return settings.status_5xx
        if roll < settings.rate_429 + settings.rate_5xx + settings.rate_timeout:
            return "timeout"
        return "ok"

    @staticmethod
    def _respond(outcome, settings: FaultSettings) -> Response | None:
        if outcome == "ok":
            return None
        if outcome == 429:
            response = jsonify(errors="Exceeded 2 calls per second for api client. Reduce request "
                                      "rates to resume uninterrupted service.")
            response.status_code = 429
            response.headers["Retry-After"] = f"{settings.retry_after:.1f}"
            return response
        if outcome == "timeout":
            time.sleep(settings.timeout_seconds)
            outcome = 504
        response = jsonify(errors=SERVER_ERROR_BODIES[outcome])
        response.status_code = outcome
        return response
