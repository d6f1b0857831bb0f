"""Classic OAuth (installs started outside the admin): query HMAC, state cookie, URLs."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Iterable
from urllib.parse import urlencode, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth.shop_domain import sanitize_shop_domain, store_name

HMAC_TIMESTAMP_TOLERANCE_SECONDS = 90
STATE_COOKIE = "shopify_app_state"
STATE_MAX_AGE_SECONDS = 60
STATE_SALT = "shopify-oauth-state"
UNSIGNED_PARAMS = frozenset({"hmac", "signature"})
# application/x-www-form-urlencoded leaves these bytes as they are (as URLSearchParams does).
_FORM_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


def query_hmac(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """Hex HMAC-SHA256 Shopify puts in the `hmac` parameter of admin and OAuth requests.

    `hmac` and `signature` are left out, the keys sorted, repeated keys joined with commas,
    and the pairs form-encoded with `%20` for spaces.
    """
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key not in UNSIGNED_PARAMS:
            grouped.setdefault(key, []).append(value)
    message = "&".join(
        f"{_form_encode(key)}={_form_encode(','.join(values))}"
        for key, values in sorted(grouped.items())
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_query_hmac(
    pairs: Iterable[tuple[str, str]], secret: str, *, now: float | None = None
) -> bool:
    """True when the query carries a valid `hmac` and a `timestamp` within ±90 s of now."""
    pairs = list(pairs)
    given = [value for key, value in pairs if key == "hmac"]
    stamps = [value for key, value in pairs if key == "timestamp"]
    if len(given) != 1 or len(stamps) != 1:
        return False
    if not hmac.compare_digest(query_hmac(pairs, secret), given[0].lower()):
        return False
    return timestamp_is_recent(stamps[0], now=now)


def timestamp_is_recent(value: str, *, now: float | None = None) -> bool:
    """True when `value` is an integer Unix time no more than 90 s from now."""
    if not value.isdigit():
        return False
    now = time.time() if now is None else now
    return abs(now - int(value)) <= HMAC_TIMESTAMP_TOLERANCE_SECONDS


def new_state() -> str:
    """32 random bytes as hex: the OAuth `state` nonce."""
    return secrets.token_hex(32)


def sign_state(secret_key: str, state: str, shop_domain: str) -> str:
    """The state cookie value: state and shop, signed and timestamped with the app's SECRET_KEY."""
    return _serializer(secret_key).dumps({"state": state, "shop": shop_domain})


def read_state(secret_key: str, cookie_value: str | None) -> dict | None:
    """The signed state cookie's content when its signature is valid and it is under 60 s old."""
    if not cookie_value:
        return None
    try:
        content = _serializer(secret_key).loads(cookie_value, max_age=STATE_MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return content if isinstance(content, dict) else None


def states_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the cookie's state with the callback's."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def authorize_url(settings, shop_domain: str, state: str) -> str:
    """Shopify's consent screen for an offline, expiring token."""
    query = urlencode({
        "client_id": settings.shopify_api_key,
        "scope": settings.shopify_scopes,
        "redirect_uri": f"{settings.shopify_app_url}/auth/callback",
        "state": state,
        "grant_options[]": "",
    })
    return f"{settings.shop_base_url(shop_domain)}/admin/oauth/authorize?{query}"


def embedded_admin_url(settings, shop_domain: str) -> str:
    """The app's page inside the shop's admin (`admin.shopify.com/store/<name>/apps/<key>`)."""
    admin = settings.admin_origin.rstrip("/")
    return f"{admin}/store/{store_name(shop_domain)}/apps/{settings.shopify_api_key}"


def safe_exit_target(settings, url: str | None, shop_domain: str | None) -> str | None:
    """`url` when leaving the iframe for it is safe: this app's own URLs, or the admin of the
    shop (`https://<shop>/admin/...` or the admin origin's `/store/<name>/...`)."""
    if not url or len(url) > 2048:
        return None
    parts = urlsplit(url)
    if parts.username or parts.password or "\\" in url or any(ch.isspace() for ch in url):
        return None
    if _same_origin(url, settings.shopify_app_url):
        return url
    target_shop = sanitize_shop_domain(parts.hostname) if parts.scheme == "https" else None
    if target_shop and not parts.port and parts.path.startswith("/admin"):
        return url if shop_domain in (None, target_shop) else None
    if _same_origin(url, settings.admin_origin):
        store = parts.path.split("/")[2] if parts.path.startswith("/store/") else None
        if store and (shop_domain is None or store == store_name(shop_domain)):
            return url
    return None


def _same_origin(url: str, origin: str) -> bool:
    a, b = urlsplit(url), urlsplit(origin)
    if not (a.scheme and a.netloc):
        return False
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=STATE_SALT)


def _form_encode(text: str) -> str:
    return "".join(chr(byte) if byte in _FORM_SAFE else f"%{byte:02X}" for byte in text.encode())
