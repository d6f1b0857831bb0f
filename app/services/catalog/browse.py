"""Browsing the Dropi catalog of the shop's connected country: filtered, paged pages of
products cached briefly outside the process, each marked with the shop's association when the
product is already imported (one query per page)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import (
    Category,
    DropiClient,
    DropiError,
    DropiProduct,
    ProductPage,
    Warehouse,
)
from app.extensions import cache as shared_cache
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.catalog.cache import (
    CATALOG_CACHE_SECONDS,
    OPTIONS_CACHE_SECONDS,
    cache_scope,
    cached,
)
from app.services.catalog.filters import CatalogFilters
from app.services.catalog.imported import ImportedMark, imported_marks
from app.services.settings.problems import dropi_problem

log = logging.getLogger(__name__)

# A page waits at most this long on Dropi's Retry-After before showing the problem instead.
WEB_MAX_RETRY_WAIT = 5


class CatalogNotConnected(Exception):
    """The shop has no Dropi country and token yet; merchant_message says where to add them."""

    def __init__(self) -> None:
        self.merchant_message = _("Connect your Dropi account in Settings to browse its "
                                  "catalog.")
        super().__init__(self.merchant_message)


@dataclass(frozen=True)
class CatalogItem:
    product: DropiProduct
    imported: ImportedMark | None = None

    @property
    def image(self) -> str | None:
        return self.product.images[0] if self.product.images else None

    @property
    def variation_count(self) -> int:
        return len(self.product.variations)


@dataclass(frozen=True)
class CatalogPage:
    items: list[CatalogItem]
    total: int
    filters: CatalogFilters
    country: str

    @property
    def page_number(self) -> int:
        return self.filters.start // self.filters.page_size + 1

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.filters.page_size))

    @property
    def previous_start(self) -> int | None:
        start = self.filters.start
        return max(0, start - self.filters.page_size) if start > 0 else None

    @property
    def next_start(self) -> int | None:
        following = self.filters.start + self.filters.page_size
        return following if following < self.total else None


@dataclass(frozen=True)
class CatalogOptions:
    """Categories and warehouses for the filters; `problem` when Dropi could not list them."""

    categories: list[Category] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    problem: str | None = None


def dropi_configuration(shop: Shop) -> ShopConfiguration:
    """The shop's configuration when Dropi is connected; CatalogNotConnected otherwise."""
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    if config is None or not (config.dropi_country and config.dropi_token):
        raise CatalogNotConnected()
    return config


def web_dropi_client(settings, config: ShopConfiguration) -> DropiClient:
    """The shop's Dropi client for a page: it waits on Retry-After only briefly."""
    return DropiClient.for_settings(settings, config.dropi_token, config.dropi_country.upper(),
                                    max_retry_wait=WEB_MAX_RETRY_WAIT)


def browse_catalog(settings, shop: Shop, filters: CatalogFilters, *, cache=shared_cache,
                   client: DropiClient | None = None) -> CatalogPage:
    """One page of the shop's Dropi catalog with each product's association, if imported.

    Raises CatalogNotConnected, or the DropiError Dropi's answer maps to.
    """
    config = dropi_configuration(shop)
    key = f"{cache_scope(shop, config)}:list:{filters.digest()}"

    def load() -> ProductPage:
        dropi = client or web_dropi_client(settings, config)
        return dropi.list_products(
            start=filters.start, page_size=filters.page_size, keywords=filters.search or None,
            favorites=filters.favorites, private=filters.private, in_stock=filters.in_stock,
            category=filters.category, warehouse=filters.warehouse)

    page = cached(cache, key, CATALOG_CACHE_SECONDS, load)
    marks = imported_marks(shop.id, [str(p.id) for p in page.items])
    items = [CatalogItem(product, marks.get(str(product.id))) for product in page.items]
    return CatalogPage(items=items, total=page.total, filters=filters,
                       country=config.dropi_country.upper())


def catalog_product(settings, shop: Shop, product_id: int, *, cache=shared_cache,
                    client: DropiClient | None = None) -> CatalogItem:
    """One Dropi product with every variation and its stock per warehouse, and its mark."""
    config = dropi_configuration(shop)
    key = f"{cache_scope(shop, config)}:product:{int(product_id)}"
    product = cached(cache, key, CATALOG_CACHE_SECONDS,
                      lambda: (client or web_dropi_client(settings, config)).get_product(product_id))
    return CatalogItem(product, imported_marks(shop.id, [str(product.id)]).get(str(product.id)))


def catalog_options(settings, shop: Shop, *, cache=shared_cache) -> CatalogOptions:
    """Categories and warehouses of the connected Dropi account (cached longer)."""
    config = dropi_configuration(shop)
    key = f"{cache_scope(shop, config)}:options"
    try:
        found = cached(cache, key, OPTIONS_CACHE_SECONDS, lambda: _load_options(settings, config))
    except DropiError as exc:
        return CatalogOptions(problem=dropi_problem(exc))
    return CatalogOptions(categories=found[0], warehouses=found[1])


def _load_options(settings, config: ShopConfiguration
                  ) -> tuple[list[Category], list[Warehouse]]:
    client = web_dropi_client(settings, config)
    categories = sorted(client.categories(), key=lambda c: c.name.casefold())
    return categories, sorted(client.warehouses(), key=lambda w: w.name.casefold())
