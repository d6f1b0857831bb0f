"""Webhook delivery to the app, the way Shopify does it (research §4): a JSON body signed with
the app secret, Shopify's headers, 1 s to connect and 5 s to answer, anything but 2xx retried
with exponential backoff and the same payload. Switches make every event arrive N times
(same X-Shopify-Event-Id, new X-Shopify-Webhook-Id) and out of order."""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

from standins.config import ShopifyStandInConfig
from standins.shopify.signing import webhook_signature

log = logging.getLogger(__name__)
USER_AGENT = "Shopify-Captain-Hook"
LOG_SIZE = 2000


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Delivery:
    webhook_id: str
    event_id: str
    topic: str
    shop: str
    body: bytes
    triggered_at: str
    copy: int
    state: str = "queued"
    attempts: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "webhook_id": self.webhook_id, "event_id": self.event_id, "topic": self.topic,
            "shop": self.shop, "triggered_at": self.triggered_at, "copy": self.copy,
            "state": self.state, "attempts": list(self.attempts),
            "payload": json.loads(self.body),
        }


class WebhookDispatcher:
    """Queues events, delivers them from one background thread, retries failures."""

    def __init__(self, config: ShopifyStandInConfig):
        self.config = config
        self.enabled = config.webhooks_enabled
        self.copies = max(1, config.webhook_copies)
        self.out_of_order = config.webhook_out_of_order
        self.hold_seconds = config.webhook_hold_seconds
        self._cond = threading.Condition()
        self._due: list[tuple[float, int, Delivery]] = []
        self._held: list[Delivery] = []
        self._held_since: float | None = None
        self._busy = 0
        self._seq = itertools.count()
        self._log: deque[Delivery] = deque(maxlen=LOG_SIZE)
        self._thread: threading.Thread | None = None
        self._stopping = False

    # switches ------------------------------------------------------------------------------
    def settings(self) -> dict:
        return {"enabled": self.enabled, "copies": self.copies, "out_of_order": self.out_of_order,
                "hold_seconds": self.hold_seconds, "url": self.config.webhook_url}

    def update(self, *, enabled=None, copies=None, out_of_order=None, hold_seconds=None) -> dict:
        with self._cond:
            if enabled is not None:
                self.enabled = bool(enabled)
            if copies is not None:
                self.copies = max(1, int(copies))
            if hold_seconds is not None:
                self.hold_seconds = max(0.0, float(hold_seconds))
            if out_of_order is not None:
                self.out_of_order = bool(out_of_order)
                if not self.out_of_order:
                    self._release_held()
            self._cond.notify_all()
        return self.settings()

    # events --------------------------------------------------------------------------------
    def emit(self, shop: str, topic: str, payload: dict) -> dict:
        """Queue one event for delivery (each copy a separate webhook); returns their ids."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        event_id, triggered_at = str(uuid.uuid4()), now_iso()
        deliveries = [Delivery(str(uuid.uuid4()), event_id, topic, shop, body, triggered_at, n + 1)
                      for n in range(self.copies)]
        with self._cond:
            for delivery in deliveries:
                self._log.append(delivery)
                if not self.enabled:
                    delivery.state = "suppressed"
                elif self.out_of_order:
                    delivery.state = "held"
                    self._held.append(delivery)
                    self._held_since = self._held_since or time.monotonic()
                else:
                    self._schedule(delivery, 0.0)
            self._ensure_thread()
            self._cond.notify_all()
        return {"event_id": event_id, "webhook_ids": [d.webhook_id for d in deliveries]}

    def flush(self) -> int:
        """Send what the out-of-order switch is holding, newest first."""
        with self._cond:
            count = self._release_held()
            self._cond.notify_all()
        return count

    def deliveries(self, topic: str | None = None, shop: str | None = None) -> list[dict]:
        with self._cond:
            return [d.as_json() for d in self._log
                    if (topic is None or d.topic == topic) and (shop is None or d.shop == shop)]

    def clear(self) -> None:
        with self._cond:
            self._log.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued, held or in flight (retries included)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._due or self._held or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)

    # internals (call with the condition held) ----------------------------------------------
    def _schedule(self, delivery: Delivery, delay: float) -> None:
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._seq), delivery))

    def _release_held(self) -> int:
        held, self._held, self._held_since = self._held, [], None
        for delivery in reversed(held):
            delivery.state = "queued"
            self._schedule(delivery, 0.0)
        return len(held)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
            self._thread.start()

    def _next_ready(self) -> Delivery | None:
        while not self._stopping:
            now = time.monotonic()
            if self._held_since is not None and now - self._held_since >= self.hold_seconds:
                self._release_held()
            if self._due and self._due[0][0] <= now:
                self._busy += 1
                return heapq.heappop(self._due)[2]
            waits = [self._due[0][0] - now] if self._due else []
            if self._held_since is not None:
                waits.append(self._held_since + self.hold_seconds - now)
            self._cond.wait(max(0.01, min(waits)) if waits else 1.0)
        return None

    def _run(self) -> None:
        http = requests.Session()
        while True:
            with self._cond:
                delivery = self._next_ready()
            if delivery is None:
                return
            ok = self._attempt(http, delivery)
            with self._cond:
                self._busy -= 1
                self._after_attempt(delivery, ok)
                self._cond.notify_all()

    def _after_attempt(self, delivery: Delivery, ok: bool) -> None:
        retries_done = len(delivery.attempts) - 1
        delays = self.config.webhook_retry_delays
        if ok:
            delivery.state = "delivered"
        elif retries_done < len(delays):
            delivery.state = "retrying"
            self._schedule(delivery, delays[retries_done])
        else:
            delivery.state = "failed"

    def _attempt(self, http: requests.Session, delivery: Delivery) -> bool:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": webhook_signature(delivery.body, self.config.api_secret),
            "X-Shopify-Shop-Domain": delivery.shop,
            "X-Shopify-API-Version": self.config.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }
        attempt = {"at": now_iso(), "status": None, "error": None, "response": None}
        try:
            response = http.post(self.config.webhook_url, data=delivery.body, headers=headers,
                                 timeout=(self.config.webhook_connect_timeout,
                                          self.config.webhook_read_timeout))
            attempt.update(status=response.status_code, response=response.text[:500])
        except requests.RequestException as exc:
            attempt["error"] = exc.__class__.__name__
        delivery.attempts.append(attempt)
        ok = attempt["status"] is not None and 200 <= attempt["status"] < 300
        log.info("webhook %s %s to %s: %s", delivery.topic, delivery.shop,
                 self.config.webhook_url, attempt["status"] or attempt["error"])
        return ok
