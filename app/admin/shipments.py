"""The shipment panel of an order (status history, tracking, incident) and its guide PDF,
fetched from Dropi through this server with the shop's token."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g
from flask_babel import lazy_gettext as _l

from app.admin.responses import render_page_or_fragment
from app.auth.embedded import embedded_view
from app.services.shipments import (
    GuideUnavailable,
    fulfillments_of_order,
    guide_pdf,
    shipment_view,
)

bp = Blueprint("shipments", __name__, url_prefix="/app/orders")

FLOW_STATES = {
    "sent": _l("The incident flow was sent to the customer on WhatsApp."),
    "requested": _l("The incident flow was requested; Ecomdrop did not confirm it."),
    "failed": _l("The incident flow could not be sent; it is tried again with the next update."),
    "claimed": _l("The incident flow is being sent."),
}
# Fulfillment.shipment_status: the carrier's last word on a fulfillment made in Shopify.
SHIPMENT_STATUSES = {
    "label_printed": _l("Label printed"), "label_purchased": _l("Label purchased"),
    "confirmed": _l("Confirmed by the carrier"), "carrier_picked_up": _l("Picked up"),
    "in_transit": _l("In transit"), "out_for_delivery": _l("Out for delivery"),
    "attempted_delivery": _l("Delivery attempted"), "ready_for_pickup": _l("Ready for pickup"),
    "delayed": _l("Delayed"), "delivered": _l("Delivered"), "failure": _l("Not delivered"),
}
SOURCES = {"webhook": _l("Dropi's notice"), "poll": _l("Dropi (checked)"),
           "pipeline": _l("Dropi")}


@bp.context_processor
def _helpers() -> dict:
    return {"flow_state_text": lambda state: str(FLOW_STATES.get(state, "")),
            "source_text": lambda source: str(SOURCES.get(source, source)),
            "fulfillment_status_text": lambda status: str(SHIPMENT_STATUSES.get(status, status))}


@bp.get("/<int:order_id>/shipment")
@embedded_view
def panel(order_id: int):
    view = shipment_view(g.shop, order_id)
    return render_page_or_fragment("orders/shipment.html", "orders/_shipment.html",
                                   shipment=view, order_id=order_id,
                                   fulfillments=fulfillments_of_order(g.shop, order_id))


@bp.get("/<int:order_id>/guide.pdf")
@embedded_view
def guide(order_id: int):
    try:
        name, pdf = guide_pdf(current_app.config["SETTINGS"], g.shop, order_id)
    except GuideUnavailable as unavailable:
        return render_page_or_fragment("orders/shipment.html", "orders/_shipment.html",
                                       http_status=404, shipment=shipment_view(g.shop, order_id),
                                       fulfillments=fulfillments_of_order(g.shop, order_id),
                                       order_id=order_id, problem=unavailable.merchant_message)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
