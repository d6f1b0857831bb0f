"""Every Shopify fulfillment of the shop's orders, from the fulfillments/create and
fulfillments/update webhooks ("Get shipments"), so the Orders page also shows what was shipped
outside the app (by the merchant, another app or a 3PL).

One row per fulfillment however often a webhook is delivered; Shopify's `updated_at` orders
them (whole seconds; within one second, when Shopify triggered the webhook), so an older update
arriving late never overwrites a newer one. A fulfillment the
connector created from a Dropi guide is recognised (its id, or the guide as tracking number,
on the order's shipment) and marked as ours rather than reported as an outside one.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OrderFulfillment, OrderRecord, Shipment, Shop, ShopConfiguration
from app.services.order_pipeline.records import find_order, parse_time
from app.services.order_pipeline.steps import add_event
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _tail(value) -> str:
    return str(value or "").rsplit("/", 1)[-1]


def _values(payload: dict) -> dict:
    numbers = [str(n) for n in payload.get("tracking_numbers") or [] if n]
    urls = [str(u) for u in payload.get("tracking_urls") or [] if u]
    number = payload.get("tracking_number") or (numbers[0] if numbers else None)
    url = payload.get("tracking_url") or (urls[0] if urls else None)
    return {"name": str(payload.get("name") or "")[:64],
            "status": str(payload.get("status") or "")[:32],
            "shipment_status": (str(payload["shipment_status"])[:32]
                                if payload.get("shipment_status") else None),
            "carrier": (str(payload["tracking_company"])[:255]
                        if payload.get("tracking_company") else None),
            "tracking_number": str(number)[:255] if number else None,
            "tracking_url": str(url) if url else None,
            "shopify_updated_at": parse_time(payload.get("updated_at")
                                             or payload.get("created_at"))}


def _is_ours(order: OrderRecord | None, fulfillment_id: str, numbers: set[str]) -> bool:
    if order is None:
        return False
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    if shipment is None:
        return False
    if shipment.shopify_fulfillment_id and _tail(shipment.shopify_fulfillment_id) == fulfillment_id:
        return True
    return bool(shipment.guide) and shipment.guide in numbers


def record_fulfillment(shop: Shop, payload: dict, triggered_at: datetime | None = None
                       ) -> tuple[OrderFulfillment, bool]:
    """Create or update the fulfillment's row from a webhook payload (REST shape) triggered at
    `triggered_at`, in the caller's transaction; returns the row and whether this payload
    changed it."""
    fulfillment_id, order_id = _tail(payload.get("id")), _tail(payload.get("order_id"))
    if not fulfillment_id or not order_id:
        raise ValueError("fulfillment payload without id or order id")
    values = {**_values(payload), "event_triggered_at": triggered_at}
    numbers = {str(n) for n in (payload.get("tracking_numbers") or []) if n}
    numbers |= {values["tracking_number"]} - {None}
    order = find_order(shop.id, order_id)
    row = _find(shop.id, fulfillment_id)
    if row is None:
        row = OrderFulfillment(shop_id=shop.id, shopify_fulfillment_id=fulfillment_id,
                               shopify_order_id=order_id, **values)
        row.ours = _is_ours(order, fulfillment_id, numbers)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # another delivery stored it first: apply this one as an update
            return _update(_find(shop.id, fulfillment_id), values, order, numbers)
        if order is not None and not row.ours:
            add_event(order, "outside_fulfillment", carrier=row.carrier or "",
                      number=row.tracking_number or "")
        log.info("fulfillment %s of order %s recorded for %s (%s)", fulfillment_id, order_id,
                 shop.domain, "ours" if row.ours else "outside the app")
        return row, True
    return _update(row, values, order, numbers)


def _order_key(updated_at: datetime | None, triggered_at: datetime | None) -> tuple:
    return (updated_at or EARLIEST, triggered_at or EARLIEST)


def _update(row: OrderFulfillment, values: dict, order: OrderRecord | None,
            numbers: set[str]) -> tuple[OrderFulfillment, bool]:
    incoming = _order_key(values["shopify_updated_at"], values["event_triggered_at"])
    if incoming <= _order_key(row.shopify_updated_at, row.event_triggered_at):
        return row, False  # the same or an older state than the one recorded
    for name, value in values.items():
        setattr(row, name, value)
    row.ours = row.ours or _is_ours(order, row.shopify_fulfillment_id, numbers)
    return row, True


def _find(shop_id: int, fulfillment_id: str) -> OrderFulfillment | None:
    return db.session.scalar(select(OrderFulfillment).where(
        OrderFulfillment.shop_id == shop_id,
        OrderFulfillment.shopify_fulfillment_id == fulfillment_id))


def _shop_getting_shipments(shop_domain: str) -> Shop | None:
    shop = db.session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None:
        return None
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id))
    return shop if config is not None and config.get_shipments else None


@webhook_handler("fulfillments/create")
@webhook_handler("fulfillments/update")
def handle_fulfillment(settings, shop_domain: str, payload: dict, event) -> None:
    shop = _shop_getting_shipments(shop_domain)
    if shop is not None:
        record_fulfillment(shop, payload, event.triggered_at)


def order_fulfillments(shop: Shop, shopify_order_ids: list[str]
                       ) -> dict[str, list[OrderFulfillment]]:
    """The recorded fulfillments of these orders of the shop, oldest first, by order id."""
    if not shopify_order_ids:
        return {}
    rows = db.session.scalars(select(OrderFulfillment).where(
        OrderFulfillment.shop_id == shop.id,
        OrderFulfillment.shopify_order_id.in_([str(i) for i in shopify_order_ids]))
        .order_by(OrderFulfillment.id))
    found: dict[str, list[OrderFulfillment]] = {}
    for row in rows:
        found.setdefault(row.shopify_order_id, []).append(row)
    return found
