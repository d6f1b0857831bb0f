"""A shipment as the order detail shows it: status, history, tracking and incident."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import OrderFulfillment, OrderRecord, Shipment, ShipmentStatus, Shop
from app.services.shipments.statuses import is_known, status_label, tracking_url


@dataclass(frozen=True)
class StatusLine:
    status: str
    label: str
    known: bool
    at: datetime
    source: str


@dataclass(frozen=True)
class ShipmentView:
    order_id: int
    status: str | None
    label: str | None
    phase: str
    guide: str | None
    carrier: str | None
    tracking_url: str | None
    has_guide_pdf: bool
    fulfilled: bool
    shopify_error: str | None
    incident_open: bool
    incident_text: str | None
    incident_flow_state: str | None
    history: tuple[StatusLine, ...]
    # What became of the Shopify refund of a Dropi return, in the merchant's words ('' none).
    return_refund: str = ""


def shipment_view(shop: Shop, order_id: int) -> ShipmentView | None:
    """The shipment of one of the shop's orders, or None before Dropi reported anything."""
    shipment = db.session.scalar(
        select(Shipment).join(OrderRecord, OrderRecord.id == Shipment.order_id)
        .where(Shipment.order_id == order_id, OrderRecord.shop_id == shop.id))
    if shipment is None:
        return None
    history = db.session.scalars(select(ShipmentStatus).where(
        ShipmentStatus.shipment_id == shipment.id).order_by(ShipmentStatus.at,
                                                           ShipmentStatus.id))
    return ShipmentView(
        order_id=order_id, status=shipment.status,
        label=status_label(shipment.status) if shipment.status else None, phase=shipment.phase,
        guide=shipment.guide, carrier=shipment.carrier,
        tracking_url=tracking_url(shipment.carrier, shipment.guide) if shipment.guide else None,
        has_guide_pdf=bool(shipment.sticker and shipment.carrier),
        fulfilled=shipment.shopify_fulfillment_id is not None,
        shopify_error=shipment.shopify_error, incident_open=shipment.incident_open,
        incident_text=shipment.incident_text, incident_flow_state=shipment.incident_flow_state,
        history=tuple(StatusLine(h.status, status_label(h.status), is_known(h.status), h.at,
                                 h.source) for h in history),
        return_refund=_return_refund_text(shipment))


def _return_refund_text(shipment: Shipment) -> str:
    state, error = shipment.return_refund_state, shipment.return_refund_error
    if state == "done":
        return str(_l("The return was refunded in Shopify."))
    if state == "failed":
        return str(_l("The return could not be refunded in Shopify: %(error)s", error=error))
    if state == "skipped":
        return str(_l("The return was not refunded in Shopify: nothing was left to refund."))
    if error:
        return str(_l("The return is not refunded in Shopify yet (tried again later): "
                      "%(error)s", error=error))
    return ""


def fulfillments_of_order(shop: Shop, order_id: int) -> list[OrderFulfillment]:
    """Every Shopify fulfillment recorded for one of the shop's orders, oldest first."""
    return list(db.session.scalars(
        select(OrderFulfillment).join(OrderRecord, (OrderRecord.shopify_order_id
                                                    == OrderFulfillment.shopify_order_id)
                                      & (OrderRecord.shop_id == OrderFulfillment.shop_id))
        .where(OrderRecord.id == order_id, OrderRecord.shop_id == shop.id)
        .order_by(OrderFulfillment.id)))
