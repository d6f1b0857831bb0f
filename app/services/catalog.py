"""Browsing the Dropi catalog of the shop's connected country: filtered, paged pages of
products cached briefly outside the process, each marked with the shop's association when the
product is already imported (one query per page)."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import (Category, DropiClient, DropiError, DropiProduct, ProductPage,
                               Warehouse)
from app.extensions import cache as shared_cache
from app.extensions import db
from app.models import ProductAssociation, Shop, ShopConfiguration
from app.services.pricing import minor_units
from app.services.settings.problems import dropi_problem

log = logging.getLogger(__name__)

CATALOG_CACHE_SECONDS = 60
OPTIONS_CACHE_SECONDS = 600
PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 24
DROPI_PAGE_LIMIT = 100  # the most Dropi returns per product-list call
BULK_CAP = 1000  # products a "select every match" bulk import collects at most
SEARCH_LIMIT = 200
# A page waits at most this long on Dropi's Retry-After before showing the problem instead.
WEB_MAX_RETRY_WAIT = 5
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})


class CatalogNotConnected(Exception):
    """The shop has no Dropi country and token yet; merchant_message says where to add them."""

    def __init__(self) -> None:
        self.merchant_message = _("Connect your Dropi account in Settings to browse its "
                                  "catalog.")
        super().__init__(self.merchant_message)


@dataclass(frozen=True)
class CatalogFilters:
    """What the merchant searches for; `start` and `page_size` are Dropi's startData/pageSize."""

    search: str = ""
    favorites: bool = False
    private: bool = False
    in_stock: bool = False
    category: int | None = None
    warehouse: int | None = None
    start: int = 0
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> "CatalogFilters":
        """Filters from a query string or form; anything malformed falls back to its default."""
        size = _number(args.get("page_size"))
        return cls(
            search=str(args.get("q") or "").strip()[:SEARCH_LIMIT],
            favorites=_flag(args.get("favorites")), private=_flag(args.get("private")),
            in_stock=_flag(args.get("in_stock")),
            category=_number(args.get("category")), warehouse=_number(args.get("warehouse")),
            start=max(0, _number(args.get("start")) or 0),
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The query parameters that reproduce these filters (defaults left out)."""
        chosen = replace(self, **changes)
        values = {"q": chosen.search, "favorites": "1" if chosen.favorites else None,
                  "private": "1" if chosen.private else None,
                  "in_stock": "1" if chosen.in_stock else None, "category": chosen.category,
                  "warehouse": chosen.warehouse, "start": chosen.start or None,
                  "page_size": chosen.page_size if chosen.page_size != DEFAULT_PAGE_SIZE
                  else None}
        return {key: value for key, value in values.items() if value not in (None, "")}

    def digest(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:24]


@dataclass(frozen=True)
class ImportedMark:
    """The shop's association of a catalog product with a Shopify product."""

    association_id: int
    shopify_product_id: str
    shopify_title: str


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


@dataclass(frozen=True)
class MatchingProducts:
    """Ids of the products matching a search, for a bulk import; `capped` when more matched."""

    ids: list[str]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.ids)


def dropi_configuration(shop: Shop) -> ShopConfiguration:
    """The shop's configuration when Dropi is connected; CatalogNotConnected otherwise."""
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    if config is None or not (config.dropi_country and config.dropi_token):
        raise CatalogNotConnected()
    return config


def _web_dropi_client(settings, config: ShopConfiguration) -> DropiClient:
    # A page waits on Dropi's Retry-After only briefly, then shows the problem instead.
    return DropiClient.for_settings(settings, config.dropi_token, config.dropi_country.upper(),
                                    max_retry_wait=WEB_MAX_RETRY_WAIT)


def _cache_scope(shop: Shop, config: ShopConfiguration) -> str:
    # Saving the settings (a new token or country) changes updated_at, so older pages expire.
    version = config.updated_at.timestamp() if config.updated_at else 0
    return f"catalog:{shop.id}:{shop.domain}:{config.dropi_country.upper()}:{version}"


def _cached(cache, key: str, timeout: int, load):
    try:
        found = cache.get(key)
    except Exception:  # an unreadable entry (a changed class, a Redis hiccup) is a miss
        log.warning("catalog cache read failed for %s", key, exc_info=True)
        found = None
    if found is not None:
        return found
    value = load()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("catalog cache write failed for %s", key, exc_info=True)
    return value


def browse_catalog(settings, shop: Shop, filters: CatalogFilters, *, cache=shared_cache,
                   client: DropiClient | None = None) -> CatalogPage:
    """One page of the shop's Dropi catalog with each product's association, if imported.

    Raises CatalogNotConnected, or the DropiError Dropi's answer maps to.
    """
    config = dropi_configuration(shop)
    key = f"{_cache_scope(shop, config)}:list:{filters.digest()}"

    def load() -> ProductPage:
        dropi = client or _web_dropi_client(settings, config)
        return dropi.list_products(
            start=filters.start, page_size=filters.page_size, keywords=filters.search or None,
            favorites=filters.favorites, private=filters.private, in_stock=filters.in_stock,
            category=filters.category, warehouse=filters.warehouse)

    page = _cached(cache, key, CATALOG_CACHE_SECONDS, load)
    marks = imported_marks(shop.id, [str(p.id) for p in page.items])
    items = [CatalogItem(product, marks.get(str(product.id))) for product in page.items]
    return CatalogPage(items=items, total=page.total, filters=filters,
                       country=config.dropi_country.upper())


def catalog_product(settings, shop: Shop, product_id: int, *, cache=shared_cache,
                    client: DropiClient | None = None) -> CatalogItem:
    """One Dropi product with every variation and its stock per warehouse, and its mark."""
    config = dropi_configuration(shop)
    key = f"{_cache_scope(shop, config)}:product:{int(product_id)}"
    product = _cached(cache, key, CATALOG_CACHE_SECONDS,
                      lambda: (client or _web_dropi_client(settings, config)).get_product(product_id))
    return CatalogItem(product, imported_marks(shop.id, [str(product.id)]).get(str(product.id)))


def catalog_options(settings, shop: Shop, *, cache=shared_cache) -> CatalogOptions:
    """Categories and warehouses of the connected Dropi account (cached longer)."""
    config = dropi_configuration(shop)
    key = f"{_cache_scope(shop, config)}:options"
    try:
        found = _cached(cache, key, OPTIONS_CACHE_SECONDS, lambda: _load_options(settings, config))
    except DropiError as exc:
        return CatalogOptions(problem=dropi_problem(exc))
    return CatalogOptions(categories=found[0], warehouses=found[1])


def _load_options(settings, config: ShopConfiguration
                  ) -> tuple[list[Category], list[Warehouse]]:
    client = _web_dropi_client(settings, config)
    categories = sorted(client.categories(), key=lambda c: c.name.casefold())
    return categories, sorted(client.warehouses(), key=lambda w: w.name.casefold())


def imported_marks(shop_id: int, dropi_product_ids: list[str]) -> dict[str, ImportedMark]:
    """{Dropi product id: the shop's (oldest) association} for these ids, in one query."""
    if not dropi_product_ids:
        return {}
    rows = db.session.execute(
        select(ProductAssociation.id, ProductAssociation.dropi_product_id,
               ProductAssociation.shopify_product_id, ProductAssociation.shopify_title)
        .where(ProductAssociation.shop_id == shop_id,
               ProductAssociation.dropi_product_id.in_(dropi_product_ids))
        .order_by(ProductAssociation.id))
    marks: dict[str, ImportedMark] = {}
    for row in rows:
        marks.setdefault(row.dropi_product_id,
                         ImportedMark(row.id, row.shopify_product_id, row.shopify_title))
    return marks


def matching_product_ids(settings, shop: Shop, filters: CatalogFilters, *,
                         cap: int = BULK_CAP, client: DropiClient | None = None
                         ) -> MatchingProducts:
    """Ids of every product matching the filters (paging Dropi's search), at most `cap`."""
    dropi = client or _web_dropi_client(settings, dropi_configuration(shop))
    ids: list[str] = []
    start, total = 0, 0
    while len(ids) < cap:
        page = dropi.list_products(
            start=start, page_size=DROPI_PAGE_LIMIT, keywords=filters.search or None,
            favorites=filters.favorites, private=filters.private, in_stock=filters.in_stock,
            category=filters.category, warehouse=filters.warehouse)
        total = page.total
        ids.extend(str(p.id) for p in page.items if str(p.id) not in ids)
        start += DROPI_PAGE_LIMIT
        if not page.items or start >= page.total:
            break
    return MatchingProducts(ids=ids[:cap], total=max(total, len(ids)))


def format_money(amount: Decimal | None, currency: str, locale: Locale | str) -> str:
    """An amount in the shop's currency and the merchant's language, with the decimals the
    currency uses for prices (none for COP, CLP, PYG)."""
    if amount is None:
        return ""
    digits = minor_units(currency)
    exponent = Decimal(1).scaleb(-digits)
    locale = Locale.parse(locale) if isinstance(locale, str) else locale
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if digits == 0:
        pattern = pattern.replace("0.00", "0")
    if pattern.startswith("¤") and get_currency_symbol(currency, locale).isalpha():
        pattern = "¤\xa0" + pattern[1:]  # "COP 45,900" rather than "COP45,900"
    return format_currency(amount.quantize(exponent, rounding=ROUND_HALF_UP), currency,
                           format=pattern, locale=locale, currency_digits=False)


def shopify_admin_product_url(settings, shop_domain: str, product_gid: str | None) -> str | None:
    """The product's page in the Shopify admin (https://{shop}/admin/products/{number})."""
    if not product_gid:
        return None
    number = str(product_gid).rsplit("/", 1)[-1]
    return f"{settings.shop_base_url(shop_domain)}/admin/products/{number}"


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in TRUE_VALUES


def _number(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
