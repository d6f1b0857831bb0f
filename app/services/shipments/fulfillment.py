"""The Shopify side of a shipment: the fulfillment of the order's Dropi lines with the guide as
tracking, a new guide as a tracking update, and the outcome (delivered or returned) as a
fulfillment event and an order tag.

Every write happens under the shipment's short lease, taken with one conditional update, so a
webhook and a poll handling the same order at once write once; the other returns at once and
the lease holder does the work. A worker that dies holding it leaves a lease that expires; the
next update first looks at the order's fulfillments on Shopify and adopts one that already
carries the guide, so an answer lost after fulfillmentCreate never makes a second one.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from flask_babel import lazy_gettext as _l

from app.clients.shopify import ShopifyClient, ShopifyError, ShopifyUserErrors
from app.extensions import db
from app.models import OrderRecord, Shipment, ShopConfiguration
from app.models.shipments import PHASE_DELIVERED, PHASE_RETURNED
from app.models.types import utcnow
from app.services.shipments.statuses import tracking_url

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
OUTCOME_TAGS = {PHASE_DELIVERED: "dropi-entregado", PHASE_RETURNED: "dropi-devolucion"}
# FulfillmentEventStatus has no "returned": a return is reported as a failed delivery.
OUTCOME_EVENTS = {PHASE_DELIVERED: "DELIVERED", PHASE_RETURNED: "FAILURE"}


def _gid(kind: str, number) -> str:
    return f"gid://shopify/{kind}/{number}"


def _tail(gid: str | None) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def needs_shopify(shipment: Shipment) -> bool:
    """Something is still to be written to Shopify for this shipment."""
    if not shipment.guide:
        return False
    if shipment.shopify_fulfillment_id is None or shipment.fulfilled_guide != shipment.guide:
        return True
    return shipment.phase in OUTCOME_TAGS and shipment.outcome_recorded != shipment.phase


def take_lease(shipment_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    result = db.session.execute(
        update(Shipment).where(Shipment.id == shipment_id,
                               or_(Shipment.shopify_lease_until.is_(None),
                                   Shipment.shopify_lease_until < now))
        .values(shopify_lease_until=now + LEASE).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _release(shipment: Shipment, error: str | None = None) -> None:
    shipment.shopify_lease_until = None
    shipment.shopify_error = error
    db.session.commit()


def sync_to_shopify(client: ShopifyClient, config: ShopConfiguration | None,
                    order: OrderRecord, shipment: Shipment) -> bool:
    """Write what Shopify lacks (fulfillment, tracking, outcome); False when another worker
    holds the lease or Shopify refused (the error is kept on the shipment)."""
    if not needs_shopify(shipment) or not take_lease(shipment.id):
        return False
    db.session.refresh(shipment)
    try:
        if shipment.shopify_fulfillment_id is None:
            _fulfil(client, config, order, shipment)
        elif shipment.fulfilled_guide != shipment.guide:
            _update_tracking(client, config, shipment)
        if shipment.phase in OUTCOME_TAGS and shipment.outcome_recorded != shipment.phase:
            _record_outcome(client, order, shipment)
    except (ShopifyError, NothingToFulfil) as error:
        message = getattr(error, "merchant_message", None) or str(error)
        log.warning("shipment of order %s not written to Shopify: %s", order.name, message)
        _release(shipment, message[:500])
        return False
    _release(shipment)
    return True


def _tracking(shipment: Shipment) -> dict:
    info = {"number": shipment.guide, "company": shipment.carrier or "Dropi"}
    url = tracking_url(shipment.carrier, shipment.guide)
    if url:
        info["url"] = url
    return info


def _fulfil(client: ShopifyClient, config, order: OrderRecord, shipment: Shipment) -> None:
    state = client.query("order_fulfillment_state",
                         {"id": _gid("Order", order.shopify_order_id)}).get("order") or {}
    existing = next((f for f in state.get("fulfillments") or []
                     if f.get("status") != "CANCELLED" and any(
                         t.get("number") == shipment.guide for t in f.get("trackingInfo") or [])),
                    None)
    if existing is not None:
        shipment.shopify_fulfillment_id = existing["id"]
        shipment.fulfilled_guide = shipment.guide
        db.session.commit()
        return
    groups = _dropi_groups(order, state)
    if not groups:
        raise NothingToFulfil(order)
    created = client.mutate("fulfillment_create", {"fulfillment": {
        "lineItemsByFulfillmentOrder": groups, "trackingInfo": _tracking(shipment),
        "notifyCustomer": bool(config and config.send_shipping_confirmation)}})
    shipment.shopify_fulfillment_id = (created.get("fulfillment") or {}).get("id")
    shipment.fulfilled_guide = shipment.guide
    db.session.commit()
    log.info("order %s fulfilled on Shopify with guide %s", order.name, shipment.guide)


class NothingToFulfil(Exception):
    """The order has no open fulfillment order line for its Dropi products."""

    def __init__(self, order: OrderRecord):
        super().__init__(f"order {order.name} has no open Dropi line to fulfil")
        self.merchant_message = str(_l("The order has no open Dropi line left to fulfil on "
                                       "Shopify."))


def _dropi_groups(order: OrderRecord, state: dict) -> list[dict]:
    """The open fulfillment order lines of the order's Dropi variants, per fulfillment order."""
    wanted: dict[str, int] = {}
    for line in order.dropi_lines:
        key = _tail(line.get("variant_id"))
        wanted[key] = wanted.get(key, 0) + int(line.get("quantity") or 0)
    groups = []
    for fo in (state.get("fulfillmentOrders") or {}).get("nodes") or []:
        if fo.get("status") not in ("OPEN", "IN_PROGRESS"):
            continue
        items = []
        for item in (fo.get("lineItems") or {}).get("nodes") or []:
            variant = _tail(((item.get("lineItem") or {}).get("variant") or {}).get("id"))
            quantity = min(wanted.get(variant, 0), int(item.get("remainingQuantity") or 0))
            if quantity > 0:
                items.append({"id": item["id"], "quantity": quantity})
                wanted[variant] -= quantity
        if items:
            groups.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items})
    return groups


def _update_tracking(client: ShopifyClient, config, shipment: Shipment) -> None:
    client.mutate("fulfillment_tracking_update", {
        "fulfillmentId": shipment.shopify_fulfillment_id,
        "trackingInfoInput": _tracking(shipment),
        "notifyCustomer": bool(config and config.send_shipping_confirmation)}, idempotent=True)
    shipment.fulfilled_guide = shipment.guide
    db.session.commit()


def _record_outcome(client: ShopifyClient, order: OrderRecord, shipment: Shipment) -> None:
    """A fulfillment event where Shopify accepts one, and the order tag in any case."""
    try:
        client.mutate("fulfillment_event_create", {"fulfillmentEvent": {
            "fulfillmentId": shipment.shopify_fulfillment_id,
            "status": OUTCOME_EVENTS[shipment.phase],
            "happenedAt": (shipment.status_at or utcnow()).isoformat(),
            "message": f"Dropi: {shipment.status}"}})
    except ShopifyUserErrors as refused:
        log.info("order %s: Shopify took no fulfillment event (%s); tagged only", order.name,
                 refused)
    client.mutate("order_tags_add", {"id": _gid("Order", order.shopify_order_id),
                                     "tags": [OUTCOME_TAGS[shipment.phase]]}, idempotent=True)
    shipment.outcome_recorded = shipment.phase
    db.session.commit()
