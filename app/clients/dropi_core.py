"""Dropi basics shared by the client modules: country hosts, errors, the integration token
(a JWT that names its own allowed origins) and the per-token request budget."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import jwt
from flask_babel import lazy_gettext as _l

DROPI_HOSTS: dict[str, str] = {
    "CO": "https://api.dropi.co/integrations",
    "MX": "https://api.dropi.mx/integrations",
    "CL": "https://api.dropi.cl/integrations",
    "PE": "https://api.dropi.pe/integrations",
    "EC": "https://api.dropi.ec/integrations",
    "PA": "https://api.dropi.pa/integrations",
    "PY": "https://api.dropi.com.py/integrations",
    "GT": "https://api.dropi.gt/integrations",
    "AR": "https://api.dropi.ar/integrations",
    "ES": "https://api.dropi.com.es/integrations",
}
COUNTRY_NAMES: dict[str, str] = {
    "CO": "Colombia", "MX": "México", "CL": "Chile", "PE": "Perú", "EC": "Ecuador",
    "PA": "Panamá", "PY": "Paraguay", "GT": "Guatemala", "AR": "Argentina", "ES": "España",
}
DEFAULT_REQUESTS_PER_MINUTE = 60


def country_label(country: str) -> str:
    return f"{COUNTRY_NAMES.get(country, country)} ({country})"


class DropiError(Exception):
    """Anything that went wrong talking to Dropi; merchant_message is safe to show."""

    def __init__(self, merchant_message: str, *, country: str | None = None,
                 status: int | None = None) -> None:
        # A lazy text is resolved now, in the language of whoever raised it: callers store it.
        merchant_message = str(merchant_message)
        super().__init__(merchant_message)
        self.merchant_message = merchant_message
        self.country = country
        self.status = status


class DropiAuthError(DropiError):
    """Dropi refused the integration token (401/403)."""


class DropiAccessDenied(DropiError):
    """Dropi refused the caller, not the token: this server's IP or domain is not on the
    allow-list Dropi keeps for the integration (401 "Access denied", sometimes with our `ip`)."""

    def __init__(self, merchant_message: str, *, caller_ip: str | None = None, **kw) -> None:
        super().__init__(merchant_message, **kw)
        self.caller_ip = caller_ip


class DropiNotFound(DropiError):
    """The product or order does not exist for this token."""


class DropiUnavailable(DropiError):
    """Dropi did not answer in time, could not be reached, or failed (5xx)."""


class DropiRateLimited(DropiError):
    """Dropi kept answering 429 Too Many Attempts."""

    def __init__(self, merchant_message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(merchant_message, **kw)
        self.retry_after = retry_after


class DropiTokenInvalid(DropiError):
    """The text given as an integration token is not one."""


# --- integration token ----------------------------------------------------------------------

NOT_A_TOKEN = _l("That is not a Dropi integration token. Copy the whole token from Dropi "
                 "(Mis integraciones); it is a long text in three parts that starts with “eyJ”.")


def decode_integration_token(token: str) -> dict:
    """The claims of a Dropi integration token, read WITHOUT checking its signature
    (only Dropi holds the key); use them for hints, never for trust decisions."""
    cleaned = (token or "").strip()
    if cleaned.count(".") != 2:
        raise DropiTokenInvalid(NOT_A_TOKEN)
    try:
        claims = jwt.decode(cleaned, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise DropiTokenInvalid(NOT_A_TOKEN) from None
    if not isinstance(claims, dict):
        raise DropiTokenInvalid(NOT_A_TOKEN)
    return claims


@dataclass(frozen=True)
class IntegrationTokenInfo:
    integration_type: str | None
    allowed_urls: tuple[str, ...]
    allowed_ips: tuple[str, ...]
    expires_at: datetime | None
    issuer: str | None

    @property
    def country(self) -> str | None:
        """The Dropi country whose panel issued the token (from iss), when recognisable."""
        issuer_host = urlsplit(self.issuer or "").hostname or ""
        _, found, domain = issuer_host.partition("dropi.")
        if not found:
            return None
        return next((code for code, base in DROPI_HOSTS.items()
                     if (urlsplit(base).hostname or "").partition("dropi.")[2] == domain), None)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(timezone.utc)

    def allows_origin(self, url: str) -> bool:
        """True when the token lists no URLs or lists one on the same domain as url (Dropi
        registers a domain, not a port)."""
        if not self.allowed_urls:
            return True
        wanted = _host(url)
        return any(_host(allowed) == wanted for allowed in self.allowed_urls)

    def allows_ip(self, ip: str | None) -> bool:
        """True when the token lists no IPs or lists `ip`."""
        return not self.allowed_ips or (ip or "").strip() in self.allowed_ips


def _host(url: str) -> str:
    text = (url or "").strip().lower()
    if "://" not in text:
        text = "//" + text
    return (urlsplit(text).hostname or "").lower()


def _ip_url_entries(value: Any) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [{"url": value}]
    if isinstance(value, dict):
        value = [value]
    return [entry for entry in value or [] if isinstance(entry, dict)]


def integration_token_info(token: str) -> IntegrationTokenInfo:
    """What a token says about itself: integration type, allowed origins and IPs, expiry."""
    claims = decode_integration_token(token)
    entries = _ip_url_entries(claims.get("ip_url"))
    urls = [str(e["url"]) for e in entries if e.get("url")]
    if claims.get("integration_url"):
        urls.append(str(claims["integration_url"]))
    exp = claims.get("exp")
    expires_at = (datetime.fromtimestamp(exp, tz=timezone.utc)
                  if isinstance(exp, (int, float)) else None)
    audience = claims.get("aud")
    if isinstance(audience, list):
        audience = audience[0] if audience else None
    return IntegrationTokenInfo(
        integration_type=claims.get("integration_type") or audience,
        allowed_urls=tuple(dict.fromkeys(urls)),
        allowed_ips=tuple(dict.fromkeys(str(e["ip"]) for e in entries if e.get("ip"))),
        expires_at=expires_at,
        issuer=claims.get("iss"),
    )


# --- request budget -------------------------------------------------------------------------

class RequestBudget:
    """A token bucket: `per_minute` requests a minute on average, bursts up to `burst`.

    A caller reserves its slot under the lock and sleeps outside it, so concurrent callers
    queue in arrival order and nobody spins.
    """

    def __init__(self, per_minute: int = DEFAULT_REQUESTS_PER_MINUTE, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = per_minute
        self.capacity = float(burst if burst is not None else max(1, per_minute // 6))
        self._rate = per_minute / 60.0
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one request slot; returns the seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self._rate)
            self._updated = now
            self._tokens -= 1
            return max(0.0, -self._tokens / self._rate)

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Wait (with `sleep`) until a request may go out; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            sleep(wait)
        return wait


_budgets: dict[str, RequestBudget] = {}
_budgets_lock = threading.Lock()


def shared_budget(token: str, per_minute: int = DEFAULT_REQUESTS_PER_MINUTE) -> RequestBudget:
    """The one budget this process keeps for a token (keyed by its hash, not the token)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    with _budgets_lock:
        budget = _budgets.get(key)
        if budget is None or budget.per_minute != per_minute:
            budget = _budgets[key] = RequestBudget(per_minute)
        return budget
