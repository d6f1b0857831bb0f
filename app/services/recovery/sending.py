"""Sending the abandoned-cart flow: once per checkout, after the delay, never after the order.

A due checkout is claimed (WAITING → SENDING) by one conditional update, so two workers, or a
job queued twice, never both send. Just before the flow is sent the claim records that it was
requested; a worker killed before that point leaves a claim that is released back to WAITING,
one killed after it leaves UNCONFIRMED, which is shown and never sent again.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select, update

from app.clients.ecomdrop import EcomdropClient, EcomdropError, InvalidPhoneNumber
from app.clients.shopify import ShopifyError
from app.extensions import db
from app.models import AbandonedCheckout, RecoveryStatus, Shop, ShopConfiguration
from app.models.types import utcnow
from app.services.customer_flow import run_flow_once
from app.services.formatting import format_money
from app.services.shopify_session import shopify_client_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=10)
AUDIENCE_MARKETING = "marketing"
AUDIENCE_ALL = "all"
# Contact fields the abandoned-cart flow reads.
FIELD_URL, FIELD_ITEMS, FIELD_TOTAL = "checkout_url", "checkout_items", "checkout_total"


class SkipReason:
    NO_PHONE = "no_phone"
    NO_CONSENT = "no_consent"
    NO_FLOW = "no_flow"
    CONNECTOR_OFF = "connector_off"
    INVALID_PHONE = "invalid_phone"
    ECOMDROP_REFUSED = "ecomdrop_refused"
    GAVE_UP = "gave_up"
    NOT_ON_SHOPIFY = "not_on_shopify"


def due_checkouts(now: datetime | None = None, limit: int = 500) -> list[tuple[str, int]]:
    """(shop domain, record id) of waiting checkouts whose delay has passed, oldest first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Shop.domain, AbandonedCheckout.id)
        .join(Shop, Shop.id == AbandonedCheckout.shop_id)
        .where(AbandonedCheckout.status == RecoveryStatus.WAITING,
               AbandonedCheckout.send_after <= now, Shop.uninstalled_at.is_(None))
        .order_by(AbandonedCheckout.send_after).limit(limit))
    return [(domain, row_id) for domain, row_id in rows]


def release_stale_claims(now: datetime | None = None) -> int:
    """Claims whose worker died: back to WAITING when the flow was not requested yet, else
    UNCONFIRMED (it may have gone out, so it is never sent again)."""
    cutoff = (now or utcnow()) - CLAIM_TIMEOUT
    stale = (AbandonedCheckout.status == RecoveryStatus.SENDING,
             AbandonedCheckout.claimed_at < cutoff)
    released = db.session.execute(
        update(AbandonedCheckout).where(*stale, AbandonedCheckout.flow_requested_at.is_(None))
        .values(status=RecoveryStatus.WAITING).execution_options(synchronize_session=False))
    unconfirmed = db.session.execute(
        update(AbandonedCheckout).where(*stale, AbandonedCheckout.flow_requested_at.is_not(None))
        .values(status=RecoveryStatus.UNCONFIRMED)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return released.rowcount + unconfirmed.rowcount


def claim_due_checkout(row_id: int, now: datetime) -> AbandonedCheckout | None:
    result = db.session.execute(
        update(AbandonedCheckout)
        .where(AbandonedCheckout.id == row_id, AbandonedCheckout.status == RecoveryStatus.WAITING,
               AbandonedCheckout.send_after <= now)
        .values(status=RecoveryStatus.SENDING, claimed_at=now,
                attempts=AbandonedCheckout.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(AbandonedCheckout, row_id)


def _finish(row: AbandonedCheckout, status: RecoveryStatus, reason: str | None = None,
            error: str | None = None) -> RecoveryStatus:
    row.status, row.skip_reason = status, reason
    row.last_error = error
    db.session.commit()
    log.info("abandoned checkout %s: %s %s", row.checkout_id, status.value, reason or "")
    return status


def _skip_reason(row: AbandonedCheckout, config: ShopConfiguration | None) -> str | None:
    if config is None or not config.active or not config.ecomdrop_api_key:
        return SkipReason.CONNECTOR_OFF
    if not config.ecomdrop_abandoned_cart_flow_id:
        return SkipReason.NO_FLOW
    if not row.phone:
        return SkipReason.NO_PHONE
    if config.abandoned_checkout_audience != AUDIENCE_ALL and not row.accepts_marketing:
        return SkipReason.NO_CONSENT
    return None


def _completed_on_shopify(settings, shop: Shop, row: AbandonedCheckout) -> bool | None:
    """True when Shopify says the checkout became an order, None when Shopify no longer has it."""
    data = shopify_client_for(settings, shop).query(
        "abandoned_checkout_state", {"query": f"id:{row.checkout_id}"})
    nodes = (data.get("abandonedCheckouts") or {}).get("nodes") or []
    if not nodes:
        return None
    return bool(nodes[0].get("completedAt"))


def contact_fields(row: AbandonedCheckout) -> dict[str, str]:
    """The recovery URL, the items and the total as the flow shows them (in Spanish)."""
    with force_locale("es"):
        total = format_money(row.total, row.currency or "", "es") if row.total is not None else ""
    items = "; ".join(
        f"{item['quantity']} x {item['title']}"
        + (f" ({item['variant_title']})" if item.get("variant_title") else "")
        for item in row.items or [])
    return {FIELD_URL: row.recovery_url or "", FIELD_ITEMS: items, FIELD_TOTAL: total}


def send_recovery(settings, row_id: int, *, now: datetime | None = None,
                  ecomdrop: EcomdropClient | None = None) -> RecoveryStatus | None:
    """Send the abandoned-cart flow for one due checkout, or record why not. None when the
    checkout is not waiting (already handled, or claimed by another worker)."""
    now = now or utcnow()
    row = claim_due_checkout(row_id, now)
    if row is None:
        return None
    shop = db.session.get(Shop, row.shop_id)
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == row.shop_id))
    reason = _skip_reason(row, config)
    if reason:
        return _finish(row, RecoveryStatus.SKIPPED, reason)
    try:
        completed = _completed_on_shopify(settings, shop, row)
        if completed:
            row.recovered_at = row.recovered_at or now
            return _finish(row, RecoveryStatus.RECOVERED)
        if completed is None:
            return _finish(row, RecoveryStatus.SKIPPED, SkipReason.NOT_ON_SHOPIFY)
        client = ecomdrop or EcomdropClient.for_settings(settings, config.ecomdrop_api_key)
        outcome = run_flow_once(
            client, flow_id=config.ecomdrop_abandoned_cart_flow_id, phone=row.phone,
            email=row.email, name=row.customer_name, fields=contact_fields(row),
            region=config.dropi_country,
            mark_requested=lambda contact: record_flow_requested(row, contact))
    except InvalidPhoneNumber as error:
        return _finish(row, RecoveryStatus.SKIPPED, SkipReason.INVALID_PHONE,
                       error.merchant_message)
    except (EcomdropError, ShopifyError) as error:
        return _retry_later(row, getattr(error, "merchant_message", str(error)))
    if outcome.sent:
        row.sent_at = utcnow()
        return _finish(row, RecoveryStatus.SENT)
    if outcome.uncertain:
        return _finish(row, RecoveryStatus.UNCONFIRMED, error=outcome.error)
    return _finish(row, RecoveryStatus.SKIPPED, SkipReason.ECOMDROP_REFUSED, outcome.error)


def record_flow_requested(row: AbandonedCheckout, contact_id: str) -> None:
    """Committed right before the flow is sent: from here on it is never sent again."""
    row.ecomdrop_contact_id = contact_id
    row.flow_requested_at = utcnow()
    db.session.commit()


def _retry_later(row: AbandonedCheckout, message: str) -> RecoveryStatus:
    """Nothing went out: wait for the next sweep, or give up after MAX_ATTEMPTS."""
    if row.attempts >= MAX_ATTEMPTS:
        return _finish(row, RecoveryStatus.SKIPPED, SkipReason.GAVE_UP, message[:500])
    return _finish(row, RecoveryStatus.WAITING, None, message[:500])
