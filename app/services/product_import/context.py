"""Everything an import needs for one shop: both clients, the currency and where stock goes."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import DropiClient
from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.models import LocationMapping, Shop, ShopConfiguration
from app.services.product_import.errors import ImportNotReady
from app.services.shopify_session import shopify_client_for


@dataclass(frozen=True)
class LocationTarget:
    """A Dropi warehouse whose stock goes to a Shopify location."""

    warehouse_id: str
    warehouse_name: str
    location_id: str
    location_name: str


@dataclass
class ImportContext:
    settings: Any
    shop: Shop
    shopify: ShopifyClient
    dropi: DropiClient
    country: str
    currency: str
    targets: list[LocationTarget] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    # Handles a search found no product with a moment ago (a bulk job asks once for all its
    # items), so importing them needs no look-up by handle first.
    absent_handles: frozenset[str] = frozenset()

    @property
    def location_ids(self) -> list[str]:
        """The mapped Shopify locations, each once, in mapping order."""
        return list(dict.fromkeys(t.location_id for t in self.targets))

    def location_name(self, location_id: str) -> str:
        return next((t.location_name for t in self.targets if t.location_id == location_id),
                    location_id)

    def handle_for(self, dropi_product_id: str | int) -> str:
        """The handle that identifies this Dropi product's Shopify product (idempotent create)."""
        return f"dropi-{self.country.lower()}-{dropi_product_id}"


def import_context_for(settings, shop: Shop, *, dropi_requests_per_minute: int | None = None,
                       sleep: Callable[[float], None] = time.sleep,
                       shopify: ShopifyClient | None = None, dropi: DropiClient | None = None
                       ) -> ImportContext:
    """The import context of ``shop``; ImportNotReady says what to set up in Settings first.
    A caller that counts its requests (a sync run) passes its own clients."""
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    if config is None or not (config.dropi_token and config.dropi_country):
        raise ImportNotReady(_("Connect your Dropi account in Settings before importing "
                               "products."))
    targets = _targets(shop)
    if not targets:
        raise ImportNotReady(_("Map at least one Dropi warehouse to a Shopify location in "
                               "Settings (Locations): imported stock is kept there."))
    country = config.dropi_country.upper()
    extra = {"sleep": sleep}
    if dropi_requests_per_minute:
        extra["requests_per_minute"] = dropi_requests_per_minute
    if dropi is None:
        dropi = DropiClient.for_settings(settings, config.dropi_token, country, **extra)
    if shopify is None:
        shopify = shopify_client_for(settings, shop)
    currency = shop.currency or shopify.query("shop_details")["shop"]["currencyCode"]
    return ImportContext(settings=settings, shop=shop, shopify=shopify, dropi=dropi,
                         country=country, currency=currency.upper(), targets=targets,
                         sleep=sleep)


def _targets(shop: Shop) -> list[LocationTarget]:
    rows = db.session.scalars(select(LocationMapping).where(LocationMapping.shop_id == shop.id)
                              .order_by(LocationMapping.id))
    return [LocationTarget(str(row.dropi_warehouse_id), row.dropi_warehouse_name,
                           row.shopify_location_id, row.shopify_location_name) for row in rows]
