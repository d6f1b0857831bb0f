"""The one update every Dropi status goes through, whether it came by the status webhook (after
Dropi confirmed it) or by the poll: history, guide, phase and incident on the Shipment, then
the Shopify fulfillment and the incident flow, each of which happens once.

Safe to run any number of times with the same Dropi answer, in any order: a status equal to the
last one adds no history line, a status older than the last one is recorded in the history but
does not move the shipment back.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.clients.dropi import DropiOrder
from app.extensions import db
from app.models import OrderRecord, Shipment, ShipmentStatus, Shop
from app.models.types import utcnow
from app.services.order_pipeline.steps import refresh_attention
from app.services.shipments import statuses

log = logging.getLogger(__name__)


def shipment_for(order: OrderRecord) -> Shipment:
    """The order's shipment row, created (and committed) on first use."""
    found = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    if found is not None:
        return found
    # Empty until Dropi confirms a status, which then opens the history.
    shipment = Shipment(shop_id=order.shop_id, order_id=order.id,
                        dropi_order_id=order.dropi_order_id)
    db.session.add(shipment)
    try:
        db.session.commit()
    except IntegrityError:  # another worker created it first
        db.session.rollback()
        return db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    return shipment


def record_status(order: OrderRecord, dropi: DropiOrder, source: str,
                  now: datetime | None = None) -> tuple[Shipment, bool]:
    """Store what Dropi confirmed about the order; returns (shipment, whether it changed)."""
    now = now or utcnow()
    shipment = shipment_for(order)
    shipment = db.session.scalar(select(Shipment).where(Shipment.id == shipment.id)
                                 .with_for_update())
    at = dropi.updated_at or now
    status = statuses.normalized(dropi.status) or shipment.status
    changed = moved = False
    if status and status != shipment.status:
        if shipment.status_at is None or at >= shipment.status_at:
            changed = moved = True
            shipment.status, shipment.status_at = status, at
            shipment.phase = statuses.phase_of(status)
        db.session.add(ShipmentStatus(shop_id=order.shop_id, shipment_id=shipment.id,
                                      status=status, at=at, source=source,
                                      guide=dropi.shipping_guide))
    if dropi.shipping_guide and dropi.shipping_guide != shipment.guide:
        shipment.guide, changed = dropi.shipping_guide, True
    if dropi.shipping_company and dropi.shipping_company != shipment.carrier:
        shipment.carrier = dropi.shipping_company
    if dropi.sticker:
        shipment.sticker = dropi.sticker
    _track_incident(order, shipment, status, dropi, at, moved=moved)
    order.dropi_status = shipment.status
    order.dropi_guide = shipment.guide or order.dropi_guide
    order.dropi_carrier = shipment.carrier or order.dropi_carrier
    db.session.commit()
    if changed:
        log.info("shipment of order %s: %s (guide %s, from %s)", order.name, shipment.status,
                 shipment.guide, source)
    return shipment, changed


def _track_incident(order: OrderRecord, shipment: Shipment, status: str, dropi: DropiOrder,
                    at: datetime, *, moved: bool) -> None:
    """NOVEDAD (or a pending incident in Dropi's list) opens it; a solved incident, a final
    status or the parcel moving on to another status closes it."""
    if shipment.status != status:
        return  # an older status arriving late says nothing about today
    in_progress = shipment.phase == "in_progress"
    if status in statuses.INCIDENT or (dropi.incident and in_progress
                                       and status not in statuses.INCIDENT_SOLVED):
        if not shipment.incident_open:
            shipment.incident_open, shipment.incident_at = True, at
        shipment.incident_text = dropi.incident or shipment.incident_text
        order.needs_attention = True
    elif shipment.incident_open and (moved or status in statuses.INCIDENT_SOLVED
                                     or not in_progress):
        shipment.incident_open = False
        refresh_attention(order)


def incident_key(shipment: Shipment) -> str | None:
    """Which incident the flow is for: one flow per incident, a later incident gets its own."""
    if not shipment.incident_open or shipment.incident_at is None:
        return None
    return shipment.incident_at.strftime("%Y%m%d%H%M%S")


def open_orders(shop: Shop) -> dict[int, OrderRecord]:
    """The shop's orders with a Dropi order that has not reached a final status, by Dropi id."""
    rows = db.session.scalars(
        select(OrderRecord).outerjoin(Shipment, Shipment.order_id == OrderRecord.id)
        .where(OrderRecord.shop_id == shop.id, OrderRecord.dropi_order_id.is_not(None),
               OrderRecord.cancelled_at.is_(None),
               (Shipment.id.is_(None)) | (Shipment.phase == "in_progress")))
    return {order.dropi_order_id: order for order in rows}
