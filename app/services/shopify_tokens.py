"""Shopify access tokens: token exchange, and refreshing expiring offline tokens one at a time.

Refresh tokens rotate on every use, so two refreshes of the same shop racing each other would
leave one of them holding a dead token. `refresh_offline_token` therefore runs as a single
flight per shop: a thread lock, plus `SELECT ... FOR UPDATE` on PostgreSQL or a file lock in
the instance folder on SQLite (both also hold across processes).
"""
from __future__ import annotations

import fcntl
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value

from app.clients.shopify import ShopifyUnauthorized
from app.clients.shopify_oauth import (
    RefreshTokenRejected,
    TokenGrant,
    TokenRequestFailed,
    request_refresh,
    request_token_exchange,
)
from app.extensions import db
from app.models import Shop
from app.models.types import utcnow

log = logging.getLogger(__name__)

STORED_FIELDS = (
    "access_token", "access_token_expires_at", "refresh_token", "refresh_token_expires_at",
    "scopes", "needs_reauthorization", "reauthorization_reason",
)
REASON_REFRESH_REJECTED = (
    "Shopify no longer accepts the app's saved access to this store (the refresh token was "
    "refused). Open the app from your Shopify admin to renew it."
)
REASON_NO_TOKEN = (
    "The app has no working access token for this store. "
    "Open the app from your Shopify admin to renew it."
)
REASON_NOT_INSTALLED = (
    "The app is not installed on this store yet. Open the app from your Shopify admin."
)
REASON_REFRESH_EXPIRED = (
    "The app's saved access to this store expired. "
    "Open the app from your Shopify admin to renew it."
)

__all__ = [
    "ReauthorizationRequired", "TokenGrant", "TokenRequestFailed", "exchange_session_token",
    "fresh_offline_token", "offline_token_is_usable",
    "refresh_offline_token", "refresh_refused_token",
]


class ReauthorizationRequired(ShopifyUnauthorized):
    """The offline token is gone and cannot be refreshed: the merchant must re-open the app."""

    def __init__(self, shop_domain: str, reason: str) -> None:
        super().__init__(reason, shop=shop_domain, merchant_message=reason)
        self.shop_domain = shop_domain
        self.reason = reason


def exchange_session_token(
    settings, shop_domain: str, session_token: str, *, online: bool = False
) -> TokenGrant:
    """Trade a verified App Bridge session token for an expiring offline (or online) token.

    Raises InvalidSubjectToken when Shopify refuses the session token,
    TokenRequestFailed for any other failure.
    """
    return request_token_exchange(settings, shop_domain, session_token, online=online)


def offline_token_is_usable(settings, shop: Shop) -> bool:
    """True when the stored offline token works now or can still be refreshed."""
    if shop.needs_reauthorization or not shop.access_token:
        return False
    if shop.access_token_expires_at is None or shop.access_token_expires_at > utcnow():
        return True
    return _refresh_token_alive(shop)


def fresh_offline_token(settings, shop: Shop, *, allow_refresh: bool = True) -> str:
    """The shop's offline access token, refreshed first when under the refresh margin.

    With `allow_refresh=False` (e.g. while handling `app/uninstalled`) no refresh is attempted:
    the stored token is returned while it has not expired, otherwise ReauthorizationRequired.
    """
    if shop.needs_reauthorization:
        raise ReauthorizationRequired(shop.domain, shop.reauthorization_reason or REASON_NO_TOKEN)
    if not shop.access_token:
        raise ReauthorizationRequired(shop.domain, REASON_NO_TOKEN)
    expires_at = shop.access_token_expires_at
    if expires_at is None or expires_at - utcnow() > _margin(settings):
        return shop.access_token
    if not allow_refresh:
        if expires_at > utcnow():
            return shop.access_token
        raise ReauthorizationRequired(shop.domain, REASON_REFRESH_EXPIRED)
    return _refresh_into(settings, shop, stale_token=None)


def refresh_refused_token(settings, shop: Shop, refused_token: str | None) -> str:
    """After Shopify answered 401 to `refused_token`: refresh once (single flight) and return
    the live token, also loaded into `shop`."""
    return _refresh_into(settings, shop, stale_token=refused_token or shop.access_token)


def refresh_offline_token(settings, shop_id: int, *, stale_token: str | None = None) -> str:
    """Refresh the shop's offline token unless another worker just did; return the live token.

    Runs as a single flight per shop across threads and processes. After taking the lock the
    expiry is checked again, so waiters reuse the token the first refresh stored. `stale_token`
    (a token Shopify just refused) forces a refresh unless the stored token already differs.
    Both rotated tokens and their expiry times are saved in one transaction. `invalid_grant`
    marks the shop `needs_reauthorization` and raises ReauthorizationRequired.
    """
    return _refresh(settings, shop_id, stale_token)[0]


def _refresh_into(settings, shop: Shop, *, stale_token: str | None) -> str:
    """Refresh, then load the stored values into the caller's `shop` without marking it changed."""
    try:
        token, stored = _refresh(settings, shop.id, stale_token)
    except ReauthorizationRequired as exc:
        set_committed_value(shop, "needs_reauthorization", True)
        set_committed_value(shop, "reauthorization_reason", exc.reason)
        raise
    for name, value in stored.items():
        set_committed_value(shop, name, value)
    return token


def _refresh(settings, shop_id: int, stale_token: str | None) -> tuple[str, dict]:
    with _single_flight(settings, shop_id):
        if _caller_is_writing_to_sqlite():
            # SQLite has one writer: a second connection would wait for this very caller.
            # The rotated tokens then commit with the caller's transaction.
            return _refresh_in_session(settings, db.session, shop_id, stale_token)
        with OrmSession(db.engine, expire_on_commit=False) as session:
            _limit_lock_wait(session, settings)
            try:
                outcome = _refresh_in_session(settings, session, shop_id, stale_token)
            except ReauthorizationRequired:
                session.commit()  # keep the needs_reauthorization flag
                raise
            except BaseException:
                session.rollback()
                raise
            session.commit()
            return outcome


def _refresh_in_session(settings, session, shop_id: int, stale_token: str | None):
    shop = _locked_shop(session, shop_id)
    if _needs_refresh(settings, shop, stale_token):
        rejected = _refresh_locked(settings, shop)
        session.flush()
        if rejected is not None:
            raise rejected
    return shop.access_token, {name: getattr(shop, name) for name in STORED_FIELDS}


def _caller_is_writing_to_sqlite() -> bool:
    caller = db.session()
    if db.engine.dialect.name != "sqlite" or not caller.in_transaction():
        return False
    dbapi_connection = caller.connection().connection.dbapi_connection
    return bool(getattr(dbapi_connection, "in_transaction", False))


def _limit_lock_wait(session: OrmSession, settings) -> None:
    """Fail after a while instead of waiting forever behind a transaction that holds the row
    (long enough for another worker's refresh call to finish)."""
    if session.get_bind().dialect.name == "postgresql":
        seconds = int(max(15, 2 * settings.http_timeout_seconds + 5))
        session.execute(text(f"SET LOCAL lock_timeout = '{seconds}s'"))


def _refresh_locked(settings, shop: Shop) -> ReauthorizationRequired | None:
    """Refresh inside the locked transaction; returns the error to raise after it commits."""
    if not _refresh_token_alive(shop):
        return _flag(shop, REASON_REFRESH_EXPIRED)
    try:
        grant = request_refresh(settings, shop.domain, shop.refresh_token)
    except RefreshTokenRejected:
        return _flag(shop, REASON_REFRESH_REJECTED)
    shop.access_token = grant.access_token
    shop.access_token_expires_at = grant.expires_at
    # Shopify rotates the refresh token; keep the old one only if none came back.
    if grant.refresh_token:
        shop.refresh_token = grant.refresh_token
        shop.refresh_token_expires_at = grant.refresh_token_expires_at
    if grant.scope:
        shop.scopes = grant.scope
    log.info("refreshed the offline token of %s", shop.domain)
    return None


def _flag(shop: Shop, reason: str) -> ReauthorizationRequired:
    shop.needs_reauthorization = True
    shop.reauthorization_reason = reason
    log.warning("shop %s needs re-authorization: %s", shop.domain, reason)
    return ReauthorizationRequired(shop.domain, reason)


def _needs_refresh(settings, shop: Shop, stale_token: str | None) -> bool:
    if shop.needs_reauthorization:
        raise ReauthorizationRequired(shop.domain, shop.reauthorization_reason or REASON_NO_TOKEN)
    if not shop.access_token:
        raise ReauthorizationRequired(shop.domain, REASON_NO_TOKEN)
    if stale_token is not None and shop.access_token == stale_token:
        return True
    if stale_token is not None:
        return False  # someone refreshed since the refused token was handed out
    expires_at = shop.access_token_expires_at
    return expires_at is not None and expires_at - utcnow() <= _margin(settings)


def _locked_shop(session: OrmSession, shop_id: int) -> Shop:
    statement = select(Shop).where(Shop.id == shop_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    shop = session.execute(statement).scalar_one_or_none()
    if shop is None:
        raise LookupError(f"no shop with id {shop_id}")
    return shop


def _refresh_token_alive(shop: Shop) -> bool:
    if not shop.refresh_token:
        return False
    expires_at = shop.refresh_token_expires_at
    return expires_at is None or expires_at > utcnow()


def _margin(settings) -> timedelta:
    return timedelta(seconds=settings.token_refresh_margin_seconds)


_thread_locks: dict[tuple[str, int], threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(settings, shop_id: int) -> threading.Lock:
    key = (settings.database_url, shop_id)
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


@contextmanager
def _single_flight(settings, shop_id: int) -> Iterator[None]:
    with _thread_lock(settings, shop_id):
        if db.engine.dialect.name == "postgresql":
            yield  # the row lock taken by _locked_shop serialises processes
            return
        lock_dir = settings.instance_path / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"shop-{shop_id}-token.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
