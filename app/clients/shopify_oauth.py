"""Shopify's OAuth token endpoint: token exchange, authorization code and refresh grants.

One POST to `{shop base url}/admin/oauth/access_token` per grant, with a timeout; Shopify's
error codes are mapped to exceptions. Tokens are never logged.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from app.clients.shopify_errors import ShopifyError

log = logging.getLogger(__name__)

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"
REFRESH_GRANT = "refresh_token"
EXPIRING = "1"


class TokenRequestFailed(ShopifyError):
    """Shopify's token endpoint could not be reached or refused the request."""

    merchant_message = (
        "The app could not get access to your store from Shopify right now. "
        "Please try again in a moment."
    )


class InvalidSubjectToken(Exception):
    """Shopify refused the session token given to the token exchange (`invalid_subject_token`).

    Like an invalid session token, only a fresh session token helps, so callers treat both alike.
    """

    merchant_message = "Your Shopify session expired. Reload the app from your Shopify admin."


class ShopUnknown(TokenRequestFailed):
    """The token endpoint answered 404: Shopify has no store at that address (closed, or a
    session token signed for a shop that never existed). Trying again does not help."""


class RefreshTokenRejected(TokenRequestFailed):
    """Shopify refused the refresh token (`invalid_grant`): only a new authorization helps."""


@dataclass(frozen=True, repr=False)
class TokenGrant:
    """An access token (and, for expiring offline tokens, its refresh token) from Shopify."""

    access_token: str
    scope: str
    expires_at: datetime | None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None
    associated_user: dict[str, Any] | None = None
    associated_user_scope: str | None = None

    def __repr__(self) -> str:  # tokens stay out of logs and tracebacks
        return f"<TokenGrant scope={self.scope!r} expires_at={self.expires_at}>"


def request_token_exchange(
    settings, shop_domain: str, session_token: str, *, online: bool
) -> TokenGrant:
    """Trade a verified session token for an expiring offline (or an online) access token."""
    body = {
        "client_id": settings.shopify_api_key,
        "client_secret": settings.shopify_api_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": ONLINE_TOKEN_TYPE if online else OFFLINE_TOKEN_TYPE,
        "expiring": EXPIRING,
    }
    return _post(settings, shop_domain, body, grant="token exchange")


def request_code_grant(settings, shop_domain: str, code: str) -> TokenGrant:
    """Trade an OAuth authorization code for an expiring offline access token."""
    body = {
        "client_id": settings.shopify_api_key,
        "client_secret": settings.shopify_api_secret,
        "code": code,
        "expiring": EXPIRING,
    }
    return _post(settings, shop_domain, body, grant="authorization code")


def request_refresh(settings, shop_domain: str, refresh_token: str) -> TokenGrant:
    """Trade a refresh token for a new access token and a new (rotated) refresh token."""
    body = {
        "client_id": settings.shopify_api_key,
        "client_secret": settings.shopify_api_secret,
        "grant_type": REFRESH_GRANT,
        "refresh_token": refresh_token,
    }
    return _post(settings, shop_domain, body, grant="refresh")


def _post(settings, shop_domain: str, body: dict[str, str], *, grant: str) -> TokenGrant:
    url = f"{settings.shop_base_url(shop_domain)}/admin/oauth/access_token"
    try:
        response = requests.post(
            url,
            json=body,
            headers={"Accept": "application/json"},
            timeout=settings.http_timeout_seconds,
        )
    except requests.RequestException as exc:
        log.warning("Shopify %s for %s failed: %s", grant, shop_domain, type(exc).__name__)
        raise TokenRequestFailed(f"{type(exc).__name__} calling the token endpoint",
                                 shop=shop_domain, operation=grant) from exc
    payload = _json_object(response)
    if response.status_code != 200 or not isinstance(payload.get("access_token"), str):
        raise _error_for(response.status_code, payload, shop_domain, grant)
    log.info("Shopify %s for %s succeeded (scopes %s)", grant, shop_domain, payload.get("scope"))
    return _grant_from(payload)


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _error_for(status: int, payload: dict[str, Any], shop_domain: str, grant: str) -> Exception:
    code = str(payload.get("error") or "")[:80]
    log.warning("Shopify %s for %s refused: HTTP %s %s", grant, shop_domain, status, code or "-")
    if code == "invalid_subject_token":
        return InvalidSubjectToken("Shopify refused the session token (invalid_subject_token)")
    if code == "invalid_grant":
        return RefreshTokenRejected(f"HTTP {status} invalid_grant", shop=shop_domain,
                                    operation=grant, status=status)
    failure = ShopUnknown if status == 404 else TokenRequestFailed
    return failure(f"HTTP {status} {code}".strip(), shop=shop_domain, operation=grant,
                   status=status)


def _grant_from(payload: dict[str, Any]) -> TokenGrant:
    user = payload.get("associated_user")
    return TokenGrant(
        access_token=payload["access_token"],
        scope=str(payload.get("scope") or ""),
        expires_at=_expiry(payload.get("expires_in")),
        refresh_token=payload.get("refresh_token") or None,
        refresh_token_expires_at=_expiry(payload.get("refresh_token_expires_in")),
        associated_user=user if isinstance(user, dict) else None,
        associated_user_scope=payload.get("associated_user_scope"),
    )


def _expiry(seconds: Any) -> datetime | None:
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        return None
    return datetime.now(timezone.utc) + timedelta(seconds=value)
