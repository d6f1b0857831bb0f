"""Shopify's checkouts/create, checkouts/update and orders/create, as abandoned-checkout records.

A checkout is recorded once per shop and checkout id. Its flow is due `delay` minutes after the
buyer's last change; a later update moves that moment while the flow is still waiting, and an
older update arriving late changes nothing. Once the flow was sent (or skipped) the record keeps
that outcome, so no delivery order can make the flow run twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select

from app.extensions import db
from app.models import AbandonedCheckout, RecoveryStatus, Shop, ShopConfiguration
from app.models.types import utcnow
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)

DEFAULT_DELAY_MINUTES = 60
MAX_ITEMS = 50


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _phone(payload: dict) -> str | None:
    customer = payload.get("customer") or {}
    candidates = (payload.get("phone"), payload.get("sms_marketing_phone"),
                  (payload.get("shipping_address") or {}).get("phone"),
                  (payload.get("billing_address") or {}).get("phone"), customer.get("phone"))
    return next((str(p).strip() for p in candidates if p and str(p).strip()), None)


def accepts_marketing(payload: dict) -> bool:
    """Whether the buyer agreed to marketing on this checkout or as a customer."""
    customer = payload.get("customer") or {}
    consents = (customer.get("email_marketing_consent") or {},
                customer.get("sms_marketing_consent") or {})
    return bool(payload.get("buyer_accepts_marketing")
                or payload.get("buyer_accepts_sms_marketing")
                or customer.get("accepts_marketing")
                or any(c.get("state") == "subscribed" for c in consents))


def _items(payload: dict) -> list[dict]:
    return [{"title": str(line.get("title") or ""),
             "variant_title": line.get("variant_title") or None,
             "quantity": int(line.get("quantity") or 0),
             "price": str(_money(line.get("price")) or "")}
            for line in (payload.get("line_items") or [])[:MAX_ITEMS]]


def _name(payload: dict) -> str | None:
    for source in (payload.get("customer") or {}, payload.get("shipping_address") or {},
                   payload.get("billing_address") or {}):
        name = " ".join(p for p in (source.get("first_name"), source.get("last_name")) if p)
        if name:
            return name[:255]
    return None


def _delay(config: ShopConfiguration | None) -> timedelta:
    minutes = config.abandoned_checkout_delay_minutes if config else None
    return timedelta(minutes=DEFAULT_DELAY_MINUTES if minutes is None else minutes)


def record_checkout(shop: Shop, payload: dict, *, now: datetime | None = None
                    ) -> AbandonedCheckout | None:
    """Create or update the record of one checkout from its webhook payload."""
    if payload.get("id") is None:
        return None
    now = now or utcnow()
    checkout_id = str(payload["id"])
    row = db.session.scalar(select(AbandonedCheckout).where(
        AbandonedCheckout.shop_id == shop.id, AbandonedCheckout.checkout_id == checkout_id))
    changed_at = _parse_time(payload.get("updated_at")) or now
    if row is None:
        row = AbandonedCheckout(shop_id=shop.id, checkout_id=checkout_id, items=[],
                                status=RecoveryStatus.WAITING, send_after=now)
        db.session.add(row)
    elif row.checkout_updated_at and changed_at < row.checkout_updated_at:
        log.info("checkout %s of %s: an older update arrived late; ignored", checkout_id,
                 shop.domain)
        return row
    if row.status == RecoveryStatus.WAITING:
        _copy_details(row, payload)
        config = db.session.scalar(select(ShopConfiguration).where(
            ShopConfiguration.shop_id == shop.id))
        row.send_after = changed_at + _delay(config)
    row.checkout_updated_at = changed_at
    if payload.get("completed_at"):
        mark_recovered(row, _parse_time(payload["completed_at"]) or now, None)
    return row


def _copy_details(row: AbandonedCheckout, payload: dict) -> None:
    row.token = (payload.get("token") or payload.get("cart_token") or row.token or "")[:255] or None
    row.phone = (_phone(payload) or "")[:64] or None
    row.email = (payload.get("email") or "")[:255] or None
    row.customer_name = _name(payload)
    row.recovery_url = payload.get("abandoned_checkout_url") or row.recovery_url
    row.items = _items(payload)
    row.total = _money(payload.get("total_price"))
    row.currency = (payload.get("currency") or payload.get("presentment_currency") or "")[:3] \
        or None
    row.accepts_marketing = accepts_marketing(payload)


def mark_recovered(row: AbandonedCheckout, at: datetime, order_id: str | None) -> None:
    """The checkout became an order: a waiting flow is never sent; a sent one keeps its time."""
    if row.status in (RecoveryStatus.WAITING, RecoveryStatus.SENT, RecoveryStatus.UNCONFIRMED,
                      RecoveryStatus.SKIPPED):
        row.status = RecoveryStatus.RECOVERED
    row.recovered_at = row.recovered_at or at
    row.shopify_order_id = row.shopify_order_id or order_id


def record_order_from_checkout(shop: Shop, payload: dict, *, now: datetime | None = None
                               ) -> AbandonedCheckout | None:
    """orders/create: the checkout it came from (by token or id) is recovered."""
    token, checkout_id = payload.get("checkout_token"), payload.get("checkout_id")
    if not token and checkout_id is None:
        return None
    conditions = []
    if token:
        conditions.append(AbandonedCheckout.token == str(token))
    if checkout_id is not None:
        conditions.append(AbandonedCheckout.checkout_id == str(checkout_id))
    row = db.session.scalar(select(AbandonedCheckout).where(
        AbandonedCheckout.shop_id == shop.id, or_(*conditions)))
    if row is None:
        return None
    mark_recovered(row, _parse_time(payload.get("created_at")) or now or utcnow(),
                   str(payload.get("id")) if payload.get("id") is not None else None)
    return row


def _shop(shop_domain: str) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.domain == shop_domain))


@webhook_handler("checkouts/create")
@webhook_handler("checkouts/update")
def on_checkout(settings, shop_domain: str, payload: dict, event) -> None:
    shop = _shop(shop_domain)
    if shop is not None:
        record_checkout(shop, payload)


@webhook_handler("orders/create")
def on_order_created(settings, shop_domain: str, payload: dict, event) -> None:
    shop = _shop(shop_domain)
    if shop is not None:
        record_order_from_checkout(shop, payload)
