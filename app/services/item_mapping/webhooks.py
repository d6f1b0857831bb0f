"""Keeping item mapping current: `products/update` matches again the variants whose SKU or
barcode changed (and drops the links of variants that are gone); `products/delete` removes the
product's mapped links. Both compare before writing, so a webhook delivered three times, or
replayed, leaves one result."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.clients.dropi import DropiClient
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.item_mapping.dropi_lookup import DropiLookup
from app.services.item_mapping.links import ShopifyVariant
from app.services.item_mapping.mapping import forget_deleted_product, map_product_variants
from app.services.item_mapping.option import OPTION
from app.services.sync import record_entry
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)

# A webhook is about one product: a few searches at most, never a long wait on Dropi's budget.
WEBHOOK_DROPI_REQUESTS = 20


def _gid(kind: str, value) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def payload_variants(payload: dict) -> tuple[str | None, list[ShopifyVariant]]:
    """The product id and its variants from a REST-shaped product payload."""
    product_id = _gid("Product", payload.get("admin_graphql_api_id") or payload.get("id"))
    title = str(payload.get("title") or "")
    variants = [ShopifyVariant(
        id=_gid("ProductVariant", v.get("admin_graphql_api_id") or v.get("id")),
        product_id=product_id, product_title=title, title=str(v.get("title") or ""),
        sku=str(v.get("sku") or "").strip(), barcode=str(v.get("barcode") or "").strip(),
        inventory_item_id=_gid("InventoryItem", v.get("inventory_item_id")))
        for v in payload.get("variants") or [] if isinstance(v, dict) and v.get("id")]
    return product_id, variants


class _SyncLog:
    """What a webhook changed goes to the mapping's log on the Sync page, as a run's would."""

    def __init__(self, shop: Shop):
        self.shop_id = shop.id

    def checked(self, n: int = 1) -> None:
        pass

    def keep_going(self) -> None:
        pass

    def changed(self, entity_type, entity_id, label, detail=None) -> None:
        record_entry(self.shop_id, OPTION, entity_type, entity_id, label, "changed", detail)

    def failed(self, entity_type, entity_id, label, reason) -> None:
        record_entry(self.shop_id, OPTION, entity_type, entity_id, label, "failed", reason)


def _shop(shop_domain: str) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.domain == shop_domain))


def _lookup(settings, shop: Shop) -> tuple[DropiLookup | None, str | None]:
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id))
    if config is None or not config.active or not config.dropi_token or not config.dropi_country:
        return None, None  # nothing is asked of Dropi while the connector is off
    client = DropiClient.for_settings(settings, config.dropi_token, config.dropi_country)
    return DropiLookup(client, max_requests=WEBHOOK_DROPI_REQUESTS), config.dropi_country


@webhook_handler("products/update")
def handle_product_updated(settings, shop_domain: str, payload: dict, event) -> None:
    shop = _shop(shop_domain)
    product_id, variants = payload_variants(payload)
    if shop is None or product_id is None:
        return
    lookup, country = _lookup(settings, shop)
    report = map_product_variants(shop, product_id, variants, lookup, country,
                                  reporter=_SyncLog(shop))
    log.info("products/update %s for %s: %s linked, %s unmatched, %s removed", product_id,
             shop_domain, report.linked, report.missed, report.removed)


@webhook_handler("products/delete")
def handle_product_deleted(settings, shop_domain: str, payload: dict, event) -> None:
    shop = _shop(shop_domain)
    product_id = _gid("Product", payload.get("admin_graphql_api_id") or payload.get("id"))
    if shop is None or product_id is None:
        return
    removed = forget_deleted_product(shop, product_id)
    log.info("products/delete %s for %s: %s links removed", product_id, shop_domain, removed)
