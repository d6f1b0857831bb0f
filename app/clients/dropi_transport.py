"""How DropiClient talks HTTP: headers, the request budget, retries on 429 and transient
failures, both response envelopes, and the mapping of failures to merchant-readable errors."""
from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
from flask_babel import gettext as _

from app.clients.dropi_core import (
    DEFAULT_REQUESTS_PER_MINUTE,
    DROPI_HOSTS,
    DropiAccessDenied,
    DropiAuthError,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
    DropiUnavailable,
    RequestBudget,
    country_label,
    shared_budget,
)
from app.clients.dropi_models import DropiProduct, optional_id, parse_product
from app.clients.http import RETRY_AFTER_JITTER, backoff_delay, retry_after_seconds
from app.metrics import DROPI_RATE_LIMITED

log = logging.getLogger(__name__)

DEFAULT_IMAGE_BASE_URL = "https://d39ru7awumhhs2.cloudfront.net/"
TRANSIENT_STATUSES = frozenset({502, 503, 504})
TRANSIENT_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 2.0
MESSAGE_LIMIT = 300
# Dropi's allow-list refusal (research: dropi-integration-facts §1); the Spanish form is
# accepted too in case a country host answers in Spanish.
ACCESS_DENIED_MESSAGES = ("access denied", "acceso denegado")
IP_TEXT_LIMIT = 64


def access_denied_ip(status: int, body: Any) -> tuple[bool, str | None]:
    """(True, the caller IP Dropi named or None) when an answer is Dropi's allow-list refusal."""
    if status not in (401, 403) or not isinstance(body, dict):
        return False, None
    said = str(body.get("message") or "").strip().lower()
    ip = body.get("ip")
    ip = str(ip).strip()[:IP_TEXT_LIMIT] if isinstance(ip, (str, int)) and str(ip).strip() \
        else None
    denied = any(said.startswith(text) for text in ACCESS_DENIED_MESSAGES) or ip is not None
    return denied, ip if denied else None


def dropi_message(body: Any) -> str:
    """Dropi's own explanation from an error body, shortened."""
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return ""
    text = body.get("message") or body.get("error") or body.get("msg") or ""
    errors = body.get("errors")
    if not text and isinstance(errors, dict):
        text = "; ".join(str(v[0] if isinstance(v, list) and v else v) for v in errors.values())
    return str(text)[:MESSAGE_LIMIT]


def _with_said(message: str, said: str) -> str:
    """The message followed by Dropi's own explanation, when it gave one."""
    if not said:
        return message
    return _("%(message)s Dropi said: “%(said)s”.", message=message, said=said)


def access_denied_message(caller_ip: str | None) -> str:
    """What to tell a merchant when Dropi refuses this app's server (not the token)."""
    if caller_ip:
        return _("Dropi does not accept calls from this app's server (IP %(ip)s): ask Dropi to "
                 "enable the integration for this IP and this app's address. Your token is not "
                 "the problem.", ip=caller_ip)
    return _("Dropi does not accept calls from this app's server: ask Dropi to enable the "
             "integration for this app's IP and address. Your token is not the problem.")


class DropiTransport:
    """Connection to one Dropi country host with one integration token."""

    def __init__(
        self,
        token: str,
        country: str,
        *,
        base_url: str | None = None,
        timeout: float = 10.0,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        budget: RequestBudget | None = None,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        allowed_url: str | None = None,
        image_base_url: str = DEFAULT_IMAGE_BASE_URL,
        max_attempts: int = 5,
        max_retry_wait: float = 60.0,
    ) -> None:
        self.country = (country or "").strip().upper()
        if self.country not in DROPI_HOSTS:
            choices = ", ".join(DROPI_HOSTS)
            raise DropiError(_("Dropi does not operate in “%(country)s”. Choose one of: "
                               "%(choices)s.", country=country, choices=choices))
        if not (token or "").strip():
            raise DropiAuthError(_("Add the Dropi integration token for %(country)s first.",
                                   country=self.label), country=self.country)
        self._token = token.strip()
        self.base_url = (base_url or DROPI_HOSTS[self.country]).rstrip("/")
        self.timeout = timeout
        self._http = http or requests.Session()
        self._sleep = sleep
        self._budget = budget or shared_budget(self._token, requests_per_minute)
        self.image_base_url = image_base_url
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait = max_retry_wait
        # HTTP requests sent (retries included), for callers that report what they spent.
        self.requests_made = 0
        self._headers = self._build_headers(allowed_url)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.country} {self.base_url}>"

    @property
    def label(self) -> str:
        return country_label(self.country)

    def _build_headers(self, allowed_url: str | None) -> dict[str, str]:
        headers = {
            "dropi-integration-key": self._token,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        # Dropi ties a token to the URLs in its ip_url claim; say which one we are.
        if allowed_url:
            parts = urlsplit(allowed_url)
            headers["Origin"] = f"{parts.scheme}://{parts.netloc}"
            headers["Referer"] = allowed_url if parts.path else allowed_url.rstrip("/") + "/"
        return headers

    # --- sending -----------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, what: str, json: dict | None = None,
              params: dict | None = None, retry_transient: bool | None = None) -> Any:
        """Send one logical request; returns the decoded JSON body or raises a DropiError."""
        if retry_transient is None:
            retry_transient = method == "GET"
        url = f"{self.base_url}/{path}"
        attempt = 0
        while True:
            attempt += 1
            self._budget.acquire(self._sleep)
            response = self._send(method, url, json, params, what,
                                  may_retry=retry_transient and attempt < TRANSIENT_ATTEMPTS)
            if response is None:
                self._sleep(backoff_delay(attempt, base=BACKOFF_BASE_SECONDS))
                continue
            status = response.status_code
            log.debug("Dropi %s %s %s -> %s", self.country, method, path, status)
            if status == 429:
                DROPI_RATE_LIMITED.labels(country=self.country).inc()
                self._sleep(self._rate_limit_wait(response, attempt, what))
                continue
            if status in TRANSIENT_STATUSES and retry_transient and attempt < TRANSIENT_ATTEMPTS:
                self._sleep(backoff_delay(attempt, base=BACKOFF_BASE_SECONDS))
                continue
            return self._decode(response, method, path, what)

    def _send(self, method, url, json, params, what, *, may_retry) -> requests.Response | None:
        """The response, None when a connection failure may be retried, else raises."""
        self.requests_made += 1
        try:
            return self._http.request(method, url, json=json, params=params,
                                      headers=self._headers, timeout=self.timeout)
        except requests.Timeout as exc:
            if may_retry and isinstance(exc, requests.ConnectTimeout):
                return None
            log.warning("Dropi %s %s timed out: %s", self.country, what, type(exc).__name__)
            raise DropiUnavailable(_(
                "Dropi %(country)s did not answer within %(seconds)s seconds while loading "
                "%(what)s. Try again in a few minutes.", country=self.label,
                seconds=f"{self.timeout:g}", what=what), country=self.country) from exc
        except requests.RequestException as exc:
            if may_retry and isinstance(exc, requests.ConnectionError):
                return None
            log.warning("Dropi %s %s failed: %s", self.country, what, type(exc).__name__)
            raise DropiUnavailable(_(
                "Could not reach Dropi %(country)s while loading %(what)s. Check the connection "
                "and try again.", country=self.label, what=what), country=self.country) from exc

    def _rate_limit_wait(self, response: requests.Response, attempt: int, what: str) -> float:
        retry_after = retry_after_seconds(response)
        if attempt >= self.max_attempts or (retry_after or 0) > self.max_retry_wait:
            log.warning("Dropi %s rate limit persisted for %s after %d attempts",
                        self.country, what, attempt)
            raise DropiRateLimited(self._rate_limited_message(retry_after, what),
                                   retry_after=retry_after, country=self.country, status=429)
        cap = self.max_retry_wait * (1 + RETRY_AFTER_JITTER)
        return backoff_delay(attempt, base=BACKOFF_BASE_SECONDS, cap=cap, retry_after=retry_after)

    def _rate_limited_message(self, retry_after: float | None, what: str) -> str:
        if retry_after:
            return _("Dropi %(country)s is limiting requests for this integration token (too "
                     "many in a short time) and refused %(what)s. Try again in %(seconds)s "
                     "seconds.", country=self.label, what=what, seconds=f"{retry_after:.0f}")
        return _("Dropi %(country)s is limiting requests for this integration token (too many "
                 "in a short time) and refused %(what)s. Try again in a minute.",
                 country=self.label, what=what)

    # --- reading answers ---------------------------------------------------------------------

    def _decode(self, response: requests.Response, method: str, path: str, what: str) -> Any:
        status = response.status_code
        try:
            body = response.json(parse_float=Decimal)
        except ValueError:
            body = None
        if status >= 400 or (isinstance(body, dict) and body.get("isSuccess") is False):
            inner = optional_id(body.get("status")) if isinstance(body, dict) else None
            log.warning("Dropi %s %s %s -> HTTP %s: %s", self.country, method, path, status,
                        dropi_message(body) or response.text[:MESSAGE_LIMIT])
            raise self._error_for(status if status >= 400 else (inner or status), body, what)
        if body is None:
            raise DropiUnavailable(_(
                "Dropi %(country)s answered with something that is not data (maybe a "
                "maintenance page) while loading %(what)s. Try again later.",
                country=self.label, what=what), country=self.country, status=status)
        return body

    def _error_for(self, status: int, body: Any, what: str) -> DropiError:
        said = dropi_message(body)
        where = {"country": self.country, "status": status}
        denied, caller_ip = access_denied_ip(status, body)
        if denied:
            return DropiAccessDenied(access_denied_message(caller_ip), caller_ip=caller_ip,
                                     **where)
        if status in (401, 403):
            return DropiAuthError(_with_said(_(
                "Dropi rejected the integration token for %(country)s. Check that it is current "
                "in Dropi (Mis integraciones) and that it was created for this app's URL, then "
                "save it again.", country=self.label), said), **where)
        if status == 404:
            return DropiNotFound(_with_said(_("Dropi %(country)s could not find %(what)s.",
                                              country=self.label, what=what), said), **where)
        if status >= 500:
            return DropiUnavailable(_(
                "Dropi %(country)s is having problems (HTTP %(status)s) while loading %(what)s. "
                "Try again in a few minutes.", country=self.label, status=status, what=what),
                **where)
        if said:
            return DropiError(_("Dropi %(country)s refused %(what)s: %(said)s",
                                country=self.label, what=what, said=said), **where)
        return DropiError(_("Dropi %(country)s refused %(what)s (HTTP %(status)s)",
                            country=self.label, what=what, status=status), **where)

    def _objects(self, body: Any) -> tuple[Any, int | None]:
        """Both envelopes: {isSuccess, status, message, objects, count} and [{objects, count}]."""
        if isinstance(body, list):
            body = body[0] if body and isinstance(body[0], dict) else {"objects": body}
        if not isinstance(body, dict):
            raise DropiError(_("Dropi %(country)s answered in a shape we do not know.",
                               country=self.label), country=self.country)
        count = optional_id(body.get("count"))
        for key in ("objects", "data", "products"):
            if key in body:
                return body[key], count
        return None, count

    def _list(self, method: str, path: str, what: str) -> list[dict]:
        objects, _count = self._objects(self._call(method, path, what=what))
        if isinstance(objects, dict):
            objects = next((v for v in objects.values() if isinstance(v, list)), [])
        return [row for row in objects or [] if isinstance(row, dict)]

    def _single(self, body: Any) -> dict | None:
        objects, _count = self._objects(body)
        if isinstance(objects, list):
            objects = objects[0] if objects else None
        return objects if isinstance(objects, dict) else None

    def _product(self, data: dict) -> DropiProduct:
        try:
            return parse_product(data, self.image_base_url)
        except (ValueError, TypeError, AttributeError) as exc:
            product_id = data.get("id") if isinstance(data, dict) else "?"
            log.warning("Dropi %s sent product %s we could not read: %s",
                        self.country, product_id, exc)
            raise DropiError(_("Dropi %(country)s sent product %(id)s in a form we could not "
                               "read (%(problem)s).", country=self.label, id=product_id,
                               problem=exc), country=self.country) from exc
