"""Installing a shop: store its tokens, learn its name, currency and timezone, per-user sessions."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from app.clients.shopify import ShopifyError
from app.clients.shopify_oauth import TokenGrant, request_code_grant
from app.extensions import db
from app.models import Session, Shop
from app.models.types import utcnow
from app.services.shopify_session import shopify_client_for
from app.services.shopify_tokens import (
    REASON_NOT_INSTALLED,
    ReauthorizationRequired,
    exchange_session_token,
    fresh_offline_token,
    offline_token_is_usable,
)

log = logging.getLogger(__name__)

ONLINE_TOKEN_MARGIN = timedelta(seconds=60)


class VerifiedSession(Protocol):
    """What these functions read from a verified session token's claims."""

    shop: str
    user_id: str


def complete_install(settings, shop_domain: str, grant: TokenGrant) -> Shop:
    """Upsert the shop with its new offline token, then fetch its name, currency and timezone.

    Marks the shop installed (installed_at set when it was not installed, uninstalled_at and
    any re-authorization flag cleared). The tokens are committed before Shopify is asked for
    the shop details, so a failure there loses nothing; the details are retried later.
    """
    shop = _store_offline_grant(settings, shop_domain, grant)
    ensure_shop_details(settings, shop, force=True)
    return shop


def install_from_authorization_code(settings, shop_domain: str, code: str) -> Shop:
    """Classic OAuth callback: trade the code for an expiring offline token and install."""
    grant = request_code_grant(settings, shop_domain, code)
    return complete_install(settings, shop_domain, grant)


def ensure_shop_details(settings, shop: Shop, *, force: bool = False) -> bool:
    """Fill the shop's name, currency and timezone from Shopify when missing (or `force`).

    Returns True when the details are present afterwards; a Shopify failure is logged, not raised.
    """
    if not force and shop.name and shop.currency and shop.timezone:
        return True
    try:
        data = shopify_client_for(settings, shop).query("shop_details")
    except ShopifyError as exc:
        log.warning("could not read the shop details of %s: %s", shop.domain, exc)
        return False
    details = data.get("shop") or {}
    shop.name = details.get("name") or shop.name
    shop.currency = details.get("currencyCode") or shop.currency
    shop.timezone = details.get("ianaTimezone") or shop.timezone
    db.session.commit()
    return True


def installed_shop_for_session(settings, claims: VerifiedSession, session_token: str, *,
                               allow_exchange: bool) -> Shop:
    """The installed shop of a verified session token, with a live offline token.

    When the stored token is missing, dead or flagged for re-authorization, a token exchange
    with the session token replaces it (only if `allow_exchange`; otherwise
    ReauthorizationRequired is raised). InvalidSubjectToken and TokenRequestFailed propagate.
    """
    shop = _shop_by_domain(claims.shop)
    if shop is not None and shop.is_installed and offline_token_is_usable(settings, shop):
        try:
            fresh_offline_token(settings, shop)
            if allow_exchange:
                ensure_shop_details(settings, shop)
            return shop
        except ReauthorizationRequired:
            if not allow_exchange:
                raise
    elif not allow_exchange:
        reason = shop.reauthorization_reason if shop is not None else None
        raise ReauthorizationRequired(claims.shop, reason or REASON_NOT_INSTALLED)
    log.info("exchanging a session token for a new offline token of %s", claims.shop)
    grant = exchange_session_token(settings, claims.shop, session_token)
    return complete_install(settings, claims.shop, grant)


def ensure_online_session(
    settings, shop: Shop, claims: VerifiedSession, session_token: str
) -> Session:
    """The live online (per-user) session of the token's user, exchanging for one if needed."""
    session_id = Session.online_id(shop.domain, claims.user_id)
    stored = db.session.get(Session, session_id)
    if stored is not None and stored.access_token and stored.expires_at and (
        stored.expires_at - utcnow() > ONLINE_TOKEN_MARGIN
    ):
        return stored
    grant = exchange_session_token(settings, shop.domain, session_token, online=True)
    return store_online_session(shop, claims.user_id, grant)


def store_online_session(shop: Shop, user_id: str, grant: TokenGrant) -> Session:
    """Save an online access token as the session `{shop}_{user id}` with the user's details."""
    user = grant.associated_user or {}
    session_id = Session.online_id(shop.domain, user.get("id") or user_id)
    session = db.session.get(Session, session_id) or Session(id=session_id, shop_id=shop.id)
    session.is_online = True
    session.access_token = grant.access_token
    session.expires_at = grant.expires_at
    session.scope = grant.associated_user_scope or grant.scope
    session.user_id = _int_or_none(user.get("id") or user_id)
    session.first_name = user.get("first_name")
    session.last_name = user.get("last_name")
    session.email = user.get("email")
    session.email_verified = bool(user.get("email_verified"))
    session.account_owner = bool(user.get("account_owner"))
    session.collaborator = bool(user.get("collaborator"))
    session.locale = (user.get("locale") or "")[:10] or None
    db.session.add(session)
    db.session.commit()
    return session


def _store_offline_grant(settings, shop_domain: str, grant: TokenGrant) -> Shop:
    for attempt in (1, 2):
        shop = _shop_by_domain(shop_domain)
        if shop is None:
            shop = Shop(domain=shop_domain, api_version=settings.shopify_api_version)
            db.session.add(shop)
        _apply_offline_grant(settings, shop, grant)
        try:
            db.session.commit()
            log.info("stored the offline token of %s", shop_domain)
            return shop
        except IntegrityError:
            # Another request installed the same shop at the same moment; update its row.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _apply_offline_grant(settings, shop: Shop, grant: TokenGrant) -> None:
    if not shop.is_installed:
        shop.installed_at = utcnow()
    shop.uninstalled_at = None
    shop.access_token = grant.access_token
    shop.access_token_expires_at = grant.expires_at
    shop.refresh_token = grant.refresh_token
    shop.refresh_token_expires_at = grant.refresh_token_expires_at
    shop.scopes = grant.scope
    shop.api_version = settings.shopify_api_version
    shop.needs_reauthorization = False
    shop.reauthorization_reason = None


def _shop_by_domain(shop_domain: str) -> Shop | None:
    return db.session.execute(db.select(Shop).filter_by(domain=shop_domain)).scalar_one_or_none()


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
