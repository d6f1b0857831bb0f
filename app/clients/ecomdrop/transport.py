"""HTTP for the Ecomdrop client: key header, timeout, retries with backoff, error mapping."""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Self

import requests
from flask_babel import gettext as _

from app.clients.ecomdrop.models import (
    EcomdropAuthError,
    EcomdropError,
    EcomdropNotFound,
    EcomdropUnavailable,
)
from app.clients.http import backoff_delay, retry_after_seconds

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://panel.ecomdrop.app/api"
DEFAULT_MAX_ATTEMPTS = 4
RETRYABLE_STATUSES = {429, 500, 502, 503, 504}


class EcomdropTransport:
    """Sends requests for one API key. GETs and calls marked idempotent are retried on 429,
    5xx, timeouts and connection errors; other writes only on 429 (Ecomdrop did not run them)."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        default_region: str | None = None,
    ) -> None:
        if not (api_key or "").strip():
            raise EcomdropAuthError(_("Enter your Ecomdrop API key first."))
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = http or requests.Session()
        self.sleep = sleep
        self.max_attempts = max(1, max_attempts)
        self.default_region = default_region

    @classmethod
    def for_settings(cls, settings, api_key: str, **kwargs) -> Self:
        """A client using the configured base URL and timeout."""
        kwargs.setdefault("timeout", settings.http_timeout_seconds)
        return cls(api_key, base_url=settings.ecomdrop_base_url, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key=<hidden>)"

    def _list(self, method: str, path: str, *, what: str) -> list[dict]:
        data = self._call(method, path, what=what)
        rows = data.get("data") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise EcomdropError(_("Ecomdrop sent an unexpected answer for %(what)s; try again "
                                  "later.", what=what))
        return [r for r in rows if isinstance(r, dict) and "id" in r]

    def _call(self, method: str, path: str, *, what: str, params=None, data=None, json=None,
              idempotent: bool | None = None) -> Any:
        """Send one request with retries; return the decoded JSON or raise an EcomdropError."""
        idempotent = method == "GET" if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            response = self._send(method, path, params, data, json, idempotent and not last,
                                  attempt)
            if response is None:
                continue
            status = response.status_code
            if not last and (status == 429 or (idempotent and status in RETRYABLE_STATUSES)):
                wait = backoff_delay(attempt, retry_after=retry_after_seconds(response))
                log.info("Ecomdrop %s %s answered %s; retry %d in %.1fs",
                         method, path, status, attempt, wait)
                self.sleep(wait)
                continue
            return _decode(response, method, path, what)

    def _send(self, method, path, params, data, json, retry_on_failure: bool, attempt: int):
        """The response, None when a failed attempt should be retried, or EcomdropUnavailable."""
        headers = {"X-ACCESS-TOKEN": self._api_key, "Accept": "application/json"}
        try:
            return self.http.request(method, self.base_url + path, params=params, data=data,
                                     json=json, headers=headers, timeout=self.timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            # Only idempotent calls are repeated: a write may have reached Ecomdrop already.
            if not retry_on_failure:
                log.warning("Ecomdrop %s %s failed: %s", method, path, type(exc).__name__)
                raise EcomdropUnavailable(
                    _("Ecomdrop did not answer in time. Try again in a few minutes.")) from None
            self.sleep(backoff_delay(attempt))
            return None


def _decode(response: requests.Response, method: str, path: str, what: str) -> Any:
    status = response.status_code
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = None
    message = _error_text(body)
    if status >= 400 or message:
        log.warning("Ecomdrop %s %s answered %s: %s", method, path, status, message or "-")
    if status in (401, 403):
        raise EcomdropAuthError(_(
            "Ecomdrop rejected the API key. Copy it again from your Ecomdrop account and save it."),
            status=status)
    if status == 404:
        raise EcomdropNotFound(_("Ecomdrop could not find %(what)s.", what=what), status=status)
    if status == 429:
        raise EcomdropUnavailable(
            _("Ecomdrop is limiting requests right now. Try again in a few minutes."),
            status=status)
    if status >= 500:
        raise EcomdropUnavailable(_(
            "Ecomdrop is not working right now (error %(status)s). Try again in a few minutes.",
            status=status), status=status)
    if message:
        raise EcomdropError(_("Ecomdrop refused the request for %(what)s: %(message)s",
                              what=what, message=message), status=status)
    if status >= 400:
        raise EcomdropError(_("Ecomdrop refused the request for %(what)s", what=what),
                            status=status)
    if body is None:
        raise EcomdropError(_("Ecomdrop sent an unexpected answer for %(what)s; try again "
                              "later.", what=what), status=status)
    return body


def _error_text(body: Any) -> str:
    """The error message of a ChatRace error body ({"error": ...} or {"success": false, ...})."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error.get("code")
    if not error and body.get("success") is False:
        error = body.get("message") or _("request failed")
    return str(error or "")[:200]
