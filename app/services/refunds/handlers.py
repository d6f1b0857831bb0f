"""The refunds/create webhook: the refund is recorded once (Shopify delivers at least once)
when the shop gets refunds ("Get refunds" in Settings)."""
from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.merchant_language import merchant_locale
from app.services.refunds.records import record_refund, refund_from_payload
from app.services.sync import record_entry
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
    recorded = record_refund(shop, refund_from_payload(payload))
    if recorded.new:
        with force_locale(merchant_locale(shop)):
            _log_for_sync_page(shop, recorded)


def _log_for_sync_page(shop: Shop, recorded) -> None:
    refund = recorded.refund
    order_label = recorded.order.name if recorded.order else refund.shopify_order_id
    label = _("Refund %(refund)s of order %(order)s", refund=refund.shopify_refund_id,
              order=order_label)
    lines = ", ".join(f"{line['quantity']} × {line['title']}" for line in refund.lines)
    if recorded.dropi_lines and refund.direction == "from_shopify":
        record_entry(shop.id, "refunds", "refund", refund.shopify_refund_id, label, "flagged",
                     _("Dropi products refunded: %(lines)s. Settle them with Dropi.",
                       lines=lines))
    else:
        record_entry(shop.id, "refunds", "refund", refund.shopify_refund_id, label, "changed",
                     lines or None)
