"""App Bridge session tokens (ID tokens): HS256 JWTs signed with the app's client secret."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import jwt

from app.auth.shop_domain import sanitize_shop_domain

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10
REQUIRED_CLAIMS = ("exp", "nbf", "iss", "dest", "sub", "aud")
BEARER_PREFIX = "bearer "


class InvalidSessionToken(Exception):
    """The session token is missing, malformed, expired, or not meant for this app."""

    merchant_message = "Your Shopify session expired. Reload the app from your Shopify admin."


@dataclass(frozen=True)
class SessionTokenClaims:
    """What the app uses from a verified session token."""

    shop: str
    user_id: str
    session_id: str | None
    expires_at: datetime


def decode_session_token(token: str | None, *, api_key: str, api_secret: str) -> SessionTokenClaims:
    """Verify `token` and return its claims; raise InvalidSessionToken on any failure.

    Signature (HS256 with the client secret), `aud` == API key, `exp`/`nbf` with a 10 s
    leeway, the required claims present, and `iss`/`dest` naming the same myshopify shop.
    The shop always comes from `dest`.
    """
    payload = _verified_payload(token, api_key=api_key, api_secret=api_secret)
    _require_exact_audience(payload, api_key)
    shop = _shop_from_issuer_and_destination(payload)
    subject = payload.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidSessionToken("the session token has no user (sub)")
    session_id = payload.get("sid") if isinstance(payload.get("sid"), str) else None
    expires_at = datetime.fromtimestamp(int(payload["exp"]), tz=timezone.utc)
    return SessionTokenClaims(
        shop=shop, user_id=subject, session_id=session_id, expires_at=expires_at
    )


def bearer_token(authorization_header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization_header or not authorization_header.lower().startswith(BEARER_PREFIX):
        return None
    token = authorization_header[len(BEARER_PREFIX):].strip()
    return token or None


def _verified_payload(token: str | None, *, api_key: str, api_secret: str) -> dict:
    if not token:
        raise InvalidSessionToken("no session token")
    try:
        return jwt.decode(
            token,
            api_secret,
            algorithms=[ALGORITHM],
            audience=api_key,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.PyJWTError as exc:
        raise InvalidSessionToken(f"session token rejected: {exc.__class__.__name__}") from exc


def _require_exact_audience(payload: dict, api_key: str) -> None:
    # PyJWT accepts an `aud` list that merely contains the key; Shopify's own library compares
    # the claim with the API key, so a list (even one holding our key) is refused.
    if payload.get("aud") != api_key:
        raise InvalidSessionToken("the session token's audience is not exactly this app")


def _shop_from_issuer_and_destination(payload: dict) -> str:
    issuer_shop = _shop_of_url(payload.get("iss"))
    destination_shop = _shop_of_url(payload.get("dest"))
    if issuer_shop is None or destination_shop is None:
        raise InvalidSessionToken("the session token does not name a myshopify shop")
    if issuer_shop != destination_shop:
        raise InvalidSessionToken("the session token's issuer and destination are different shops")
    return destination_shop


def _shop_of_url(value) -> str | None:
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or parts.username or parts.password or parts.port:
        return None
    return sanitize_shop_domain(parts.hostname)
