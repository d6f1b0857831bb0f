"""The guide (shipping label) PDF of an order, fetched from Dropi with the shop's own token so
the merchant never needs it and it never reaches the page."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import DropiError
from app.extensions import db
from app.models import OrderRecord, Shipment, Shop, ShopConfiguration
from app.services.order_pipeline.dropi_order import dropi_for


class GuideUnavailable(Exception):
    """No guide to show; `merchant_message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.merchant_message = message


def guide_pdf(settings, shop: Shop, order_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the guide of one of the shop's orders."""
    order = db.session.scalar(select(OrderRecord).where(OrderRecord.id == order_id,
                                                         OrderRecord.shop_id == shop.id))
    shipment = order and db.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    if shipment is None or not shipment.sticker or not shipment.carrier:
        raise GuideUnavailable(_("This order has no Dropi guide yet."))
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id))
    client = dropi_for(settings, config)
    if client is None:
        raise GuideUnavailable(_("Connect Dropi in Settings to see the guide."))
    try:
        pdf = client.guide_pdf(shipment.carrier, shipment.sticker)
    except DropiError as error:
        raise GuideUnavailable(error.merchant_message) from None
    name = f"guia-{shipment.guide or shipment.dropi_order_id}.pdf"
    return name, pdf
