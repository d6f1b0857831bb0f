"""The order webhooks: orders/create, orders/updated and orders/cancelled all record the order
(once, newest payload wins, a cancellation is never forgotten) and queue its steps."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.models import DropiOrderImport, Shop
from app.models.dropi_orders import dropi_id_of
from app.services.order_pipeline.queueing import run_soon
from app.services.order_pipeline.records import find_order, record_order
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)


def _created_from_dropi(shop: Shop, payload: dict) -> bool:
    """An order the connector is creating from a Dropi order, whose own record is not written
    yet: its webhook must not start the pipeline (that would send it to Dropi a second time).
    The record the creation writes is the order's only record."""
    dropi_id = dropi_id_of(payload.get("source_identifier"))
    if dropi_id is None or find_order(shop.id, str(payload.get("id") or "")) is not None:
        return False
    return db.session.scalar(select(DropiOrderImport.id).where(
        DropiOrderImport.shop_id == shop.id,
        DropiOrderImport.dropi_order_id == dropi_id)) is not None


def _record_and_queue(shop_domain: str, payload: dict) -> None:
    shop = db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one_or_none()
    if shop is None:
        return
    if _created_from_dropi(shop, payload):
        log.info("order %s of %s comes from Dropi order %s: recorded by its creation",
                 payload.get("name"), shop_domain, payload.get("source_identifier"))
        return
    # record_order commits, so the queued job always finds the record it is given.
    order, _new = record_order(shop, payload)
    run_soon(order.id)


@webhook_handler("orders/create")
def handle_order_created(settings, shop_domain: str, payload: dict, event) -> None:
    _record_and_queue(shop_domain, payload)


@webhook_handler("orders/updated")
def handle_order_updated(settings, shop_domain: str, payload: dict, event) -> None:
    _record_and_queue(shop_domain, payload)


@webhook_handler("orders/cancelled")
def handle_order_cancelled(settings, shop_domain: str, payload: dict, event) -> None:
    if not payload.get("cancelled_at"):
        payload = {**payload, "cancelled_at": event.triggered_at.isoformat()
                   if event.triggered_at else payload.get("updated_at")}
    _record_and_queue(shop_domain, payload)
