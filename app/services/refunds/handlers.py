"""The refunds/create webhook: the refund is recorded once (Shopify delivers at least once)
when the shop gets refunds ("Get refunds" in Settings)."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.refunds.records import record_refund, refund_from_payload
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)


@webhook_handler("refunds/create")
def handle_refund_created(settings, shop_domain: str, payload: dict, event) -> None:
    shop = db.session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None:
        return
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id))
    if config is None or not config.get_refunds:
        log.info("refund webhook for %s ignored: Get refunds is off", shop_domain)
        return
    record_refund(shop, refund_from_payload(payload))
