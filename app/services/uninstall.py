"""The app/* lifecycle topics: uninstall (stop work, drop credentials) and granted-scope changes.

Nothing here calls Shopify: an uninstall arrives after the shop's tokens are revoked, and a
failed token refresh must never keep this webhook failing.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models import Session, Shop, WebhookEvent, WebhookStatus
from app.models.types import utcnow
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)

UNINSTALLED = "app/uninstalled"
SCOPES_UPDATE = "app/scopes_update"
# Shopify's event clock and ours differ a little; only an uninstall clearly older than the
# current install is treated as a late delivery from before a reinstall.
CLOCK_SKEW = timedelta(seconds=60)


def shop_is_active(shop_domain: str) -> bool:
    """True while the shop has the app installed. Long-running jobs check it between steps and
    stop once it turns False; it reads the database directly, never a cached row."""
    row = db.session.execute(
        select(Shop.installed_at, Shop.uninstalled_at).where(Shop.domain == shop_domain)
    ).first()
    return row is not None and row.installed_at is not None and row.uninstalled_at is None


def event_time(event: WebhookEvent) -> datetime:
    """When Shopify says the event happened, or when it reached us if it did not say."""
    return event.triggered_at or event.received_at


@webhook_handler(UNINSTALLED, requires_active_shop=False)
def handle_app_uninstalled(settings, shop_domain: str, payload: dict, event: WebhookEvent) -> None:
    """Mark the shop uninstalled, forget its tokens and sessions. Safe to receive again, for a
    shop we never stored, and after a reinstall (an uninstall older than it changes nothing)."""
    shop = db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one_or_none()
    if shop is None:
        log.info("app/uninstalled for %s: no stored shop", shop_domain)
        return
    if shop.installed_at and event_time(event) < shop.installed_at - CLOCK_SKEW:
        log.info("app/uninstalled for %s predates the current install; kept", shop_domain)
        return
    mark_uninstalled(shop)


def mark_uninstalled(shop: Shop) -> None:
    """Record the uninstall and drop every credential the shop gave us (no call to Shopify)."""
    if shop.uninstalled_at is None:
        shop.uninstalled_at = utcnow()
    shop.access_token = None
    shop.access_token_expires_at = None
    shop.refresh_token = None
    shop.refresh_token_expires_at = None
    removed = db.session.execute(delete(Session).where(Session.shop_id == shop.id)).rowcount
    db.session.flush()
    log.info(
        "shop %s uninstalled the app; tokens dropped, %d sessions removed", shop.domain, removed
    )


@webhook_handler(SCOPES_UPDATE)
def handle_scopes_update(settings, shop_domain: str, payload: dict, event: WebhookEvent) -> None:
    """Store the scopes the merchant now grants (payload["current"]), unless a newer scope change
    was already applied (deliveries can arrive out of order)."""
    shop = db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one_or_none()
    if shop is None:
        return
    current = payload.get("current")
    if not isinstance(current, list) or not all(isinstance(s, str) for s in current):
        raise ValueError("app/scopes_update payload has no list of current scopes")
    if _newer_scope_change_applied(shop_domain, event):
        log.info("app/scopes_update for %s is older than one already applied; skipped", shop_domain)
        return
    shop.scopes = ",".join(scope.strip() for scope in current if scope.strip())
    log.info("shop %s now grants %d scopes", shop_domain, len(current))


def _newer_scope_change_applied(shop_domain: str, event: WebhookEvent) -> bool:
    happened = event_time(event)
    newer = select(WebhookEvent.id).where(
        WebhookEvent.shop_domain == shop_domain,
        WebhookEvent.topic == SCOPES_UPDATE,
        WebhookEvent.status == WebhookStatus.PROCESSED,
        WebhookEvent.id != event.id,
        db.func.coalesce(WebhookEvent.triggered_at, WebhookEvent.received_at) > happened,
    )
    return db.session.execute(select(exists(newer))).scalar()
