"""After the order: Dropi statuses (webhook and poll) recorded per shipment, the Shopify
fulfillment with tracking, delivered and returned outcomes (a return refunded in Shopify when
the merchant allows it), delivery incidents run through the merchant's Ecomdrop flow, the guide
PDF, and every Shopify fulfillment of the orders, outside ones too."""
from app.services.shipments import outside as _outside  # noqa: F401  registers webhooks
from app.services.shipments.guides import GuideUnavailable, guide_pdf
from app.services.shipments.outside import order_fulfillments
from app.services.shipments.overview import (
    ShipmentView,
    fulfillments_of_order,
    shipment_view,
)
from app.services.shipments.tracking import (
    PollResult,
    apply_dropi_answer,
    confirm_hint,
    orders_to_confirm,
    poll_shop,
    shops_to_poll,
)

__all__ = ["GuideUnavailable", "PollResult", "ShipmentView", "apply_dropi_answer",
           "confirm_hint", "fulfillments_of_order", "guide_pdf", "order_fulfillments",
           "orders_to_confirm", "poll_shop", "shipment_view", "shops_to_poll"]
