"""Where Dropi statuses come in: the status webhook (a hint, confirmed with Dropi on the shop's
own token before anything changes) and the periodic poll of each shop's open Dropi orders.
Both end in `apply_dropi_answer`, the one idempotent update."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.clients.dropi import DropiClient, DropiError, DropiNotFound, DropiOrder
from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.models import OrderRecord, Shipment, ShipmentPoll, Shop, ShopConfiguration
from app.models.types import utcnow
from app.services.merchant_language import merchant_locale
from app.services.order_pipeline.dropi_order import dropi_for
from app.services.shipments import statuses
from app.services.shipments.fulfillment import needs_shopify, sync_to_shopify
from app.services.shipments.incidents import run_incident_flow
from app.services.shipments.returns import log_return_refund, refund_due, refund_return
from app.services.shipments.updates import open_orders, record_status, shipment_for
from app.services.shopify_session import shopify_client_for

log = logging.getLogger(__name__)

# Notices about one order closer together than this are confirmed together (floods).
HINT_QUIET = timedelta(seconds=5)
POLL_LEASE = timedelta(minutes=15)
# The days before the last poll a poll reads again: Dropi filters by date, not by time.
POLL_OVERLAP = timedelta(days=1)
MAX_PAGES_PER_CYCLE = 40  # 4 000 changed orders a cycle; the next cycle goes on from there


def _config(shop_id: int) -> ShopConfiguration | None:
    return db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop_id))


def apply_dropi_answer(settings, order: OrderRecord, dropi: DropiOrder, source: str, *,
                       shopify: ShopifyClient | None = None) -> Shipment:
    """Record what Dropi says about the order, then bring Shopify and the customer up to date."""
    shipment, _changed = record_status(order, dropi, source)
    config = _config(order.shop_id)
    shop = db.session.get(Shop, order.shop_id)
    if config is not None and config.active and config.get_shipments:
        shopify = shopify or shopify_client_for(settings, shop)
        sync_to_shopify(shopify, config, order, shipment)
    if refund_due(config, shipment):
        # Its error and log line are read by the merchant: in their language.
        with force_locale(merchant_locale(shop)):
            refunded = refund_return(shopify or shopify_client_for(settings, shop), config,
                                     order, shipment)
            log_return_refund(order, shipment, refunded)
    run_incident_flow(settings, config, order, shipment)
    return shipment


# --- the status webhook ----------------------------------------------------------------------

def _as_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def orders_to_confirm(payload, now: datetime | None = None) -> list[tuple[int, float]]:
    """(OrderRecord id, seconds to wait) for each order a status webhook may concern, matched
    through our own records: the Dropi order id and, when the payload names one, our
    shop_order_id too. Unknown orders give nothing, at the cost of one indexed query. A notice
    repeating the last one within HINT_QUIET is dropped; a different one within it is
    confirmed once, when the quiet time ends, however many arrive."""
    if not isinstance(payload, dict):
        return []
    dropi_id = _as_int(payload.get("id"))
    if dropi_id is None:
        return []
    now = now or utcnow()
    query = select(OrderRecord).where(OrderRecord.dropi_order_id == dropi_id)
    shop_order_id = payload.get("shop_order_id")
    if shop_order_id not in (None, ""):
        query = query.where(OrderRecord.shopify_order_id == str(shop_order_id))
    key = f"{payload.get('status')}|{payload.get('shipping_guide')}"[:200]
    matched = []
    for order in db.session.scalars(query.limit(5)).all():
        delay = _hint_delay(shipment_for(order).id, key, now)
        if delay is not None:
            matched.append((order.id, delay))
    return matched


def _hint_delay(shipment_id: int, key: str, now: datetime) -> float | None:
    shipment = db.session.scalar(select(Shipment).where(Shipment.id == shipment_id)
                                 .with_for_update())
    recent = shipment.last_hint_at is not None and shipment.last_hint_at > now - HINT_QUIET
    delay: float | None = None
    if not recent:
        shipment.last_hint_at, shipment.last_hint_key, delay = now, key, 0.0
    elif key != shipment.last_hint_key and (shipment.hint_confirm_at is None
                                            or shipment.hint_confirm_at < now):
        shipment.hint_confirm_at = shipment.last_hint_at + HINT_QUIET
        shipment.last_hint_key = key
        delay = (shipment.hint_confirm_at - now).total_seconds()
    db.session.commit()
    return delay


def confirm_hint(settings, order_record_id: int) -> Shipment | None:
    """Ask Dropi, with the order's shop's token, what the order's status really is, and apply
    that; a webhook's own status is never trusted."""
    order = db.session.get(OrderRecord, order_record_id)
    if order is None or order.dropi_order_id is None:
        return None
    client = dropi_for(settings, _config(order.shop_id))
    if client is None:
        return None
    try:
        confirmed = client.get_order(order.dropi_order_id)
    except DropiNotFound:
        log.warning("status webhook for order %s: Dropi does not know it for this shop",
                    order.name)
        return None
    if confirmed.shop_order_id not in (None, "", order.shopify_order_id):
        log.warning("status webhook for order %s: Dropi's order belongs to another shop order",
                    order.name)
        return None
    return apply_dropi_answer(settings, order, confirmed, "webhook")


# --- the poll --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PollResult:
    requests: int
    orders_seen: int
    orders_updated: int
    complete: bool


def shops_to_poll() -> list[str]:
    """Domains of installed, active shops that have an open Dropi order."""
    rows = db.session.scalars(
        select(Shop.domain).join(ShopConfiguration, ShopConfiguration.shop_id == Shop.id)
        .join(OrderRecord, OrderRecord.shop_id == Shop.id)
        .outerjoin(Shipment, Shipment.order_id == OrderRecord.id)
        .where(Shop.uninstalled_at.is_(None), ShopConfiguration.active.is_(True),
               OrderRecord.dropi_order_id.is_not(None), OrderRecord.cancelled_at.is_(None),
               (Shipment.id.is_(None)) | (Shipment.phase == "in_progress"))
        .distinct())
    return list(rows)


def _poll_row(shop: Shop) -> ShipmentPoll:
    row = db.session.scalar(select(ShipmentPoll).where(ShipmentPoll.shop_id == shop.id))
    if row is None:
        row = ShipmentPoll(shop_id=shop.id)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # created by another worker at the same moment
            db.session.rollback()
            row = db.session.scalar(select(ShipmentPoll).where(ShipmentPoll.shop_id == shop.id))
    return row


def _take_poll_lease(row: ShipmentPoll, now: datetime) -> bool:
    result = db.session.execute(
        update(ShipmentPoll).where(ShipmentPoll.id == row.id,
                                   (ShipmentPoll.lease_until.is_(None))
                                   | (ShipmentPoll.lease_until < now))
        .values(lease_until=now + POLL_LEASE).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def poll_shop(settings, shop: Shop, *, now: datetime | None = None,
              dropi: DropiClient | None = None, shopify: ShopifyClient | None = None,
              max_pages: int = MAX_PAGES_PER_CYCLE) -> PollResult | None:
    """One poll cycle of a shop: the orders whose status changed since the day before the last
    complete cycle (pages of 100), then the pending incidents. Only the shop's open orders are
    updated. None when another worker is polling the shop or Dropi is not connected."""
    now = now or utcnow()
    client = dropi or dropi_for(settings, _config(shop.id))
    if client is None:
        return None
    row = _poll_row(shop)
    if not _take_poll_lease(row, now):
        return None
    wanted = open_orders(shop)
    requests = seen = updated = 0
    complete = True
    try:
        if wanted:
            since = row.last_started_at or min(
                (o.shopify_created_at or o.created_at) for o in wanted.values())
            date_from = (since - POLL_OVERLAP).date().isoformat()
            date_until = now.date().isoformat()
            start = row.resume_start or 0
            while True:
                page = client.changed_orders(date_from, date_until, start=start)
                requests += 1
                seen, updated = _apply_page(settings, page.items, wanted, seen, updated,
                                            shopify)
                start += page.page_size
                if start >= page.total or not page.items:
                    break
                if requests >= max_pages:
                    complete = False
                    break
            page = client.pending_incidents()
            requests += 1
            seen, updated = _apply_page(settings, page.items, open_orders(shop), seen,
                                        updated, shopify)
    except DropiError as error:
        row.last_error = error.merchant_message[:500]
        row.lease_until = None
        db.session.commit()
        log.warning("shipment poll of %s stopped: %s", shop.domain, error.merchant_message)
        return PollResult(requests, seen, updated, False)
    if complete:
        row.last_started_at, row.resume_start = now, 0
    else:
        row.resume_start = start
    row.last_completed_at, row.last_requests, row.last_orders_seen = utcnow(), requests, seen
    row.last_error, row.lease_until = None, None
    db.session.commit()
    return PollResult(requests, seen, updated, complete)


def _apply_page(settings, items, wanted: dict[int, OrderRecord], seen: int, updated: int,
                shopify) -> tuple[int, int]:
    shipments = _shipments_of([wanted[i.id] for i in items if i.id in wanted])
    for item in items:
        order = wanted.get(item.id)
        if order is None:
            continue
        seen += 1
        if item.shop_order_id not in (None, "", order.shopify_order_id):
            continue
        if _already_applied(shipments.get(order.id), item):
            continue
        apply_dropi_answer(settings, order, item, "poll", shopify=shopify)
        updated += 1
    return seen, updated


def _shipments_of(orders: list[OrderRecord]) -> dict[int, Shipment]:
    """The shipments of a page's orders, the missing ones created in one commit."""
    if not orders:
        return {}
    ids = [order.id for order in orders]
    found = {row.order_id: row for row in db.session.scalars(
        select(Shipment).where(Shipment.order_id.in_(ids)))}
    missing = [order for order in orders if order.id not in found]
    if missing:
        db.session.add_all(Shipment(shop_id=o.shop_id, order_id=o.id,
                                    dropi_order_id=o.dropi_order_id) for o in missing)
        try:
            db.session.commit()
        except IntegrityError:  # a webhook made one meanwhile; each is then found one by one
            db.session.rollback()
            return found
        found.update({row.order_id: row for row in db.session.scalars(
            select(Shipment).where(Shipment.order_id.in_([o.id for o in missing])))})
    return found


def _already_applied(shipment: Shipment | None, item: DropiOrder) -> bool:
    """The poll read what the shipment already says and nothing is left to do for it (the
    overlap of incremental cycles costs no write)."""
    if shipment is None or statuses.normalized(item.status) != shipment.status:
        return False
    if (item.shipping_guide or shipment.guide) != shipment.guide or item.incident:
        return False
    return not needs_shopify(shipment) and not shipment.incident_open
