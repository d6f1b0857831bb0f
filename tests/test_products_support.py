"""Set-up shared by the Products page tests (no tests here): the real app wired to the Shopify
and Dropi stand-ins over HTTP, an installed shop with a live token, Dropi connected and a
warehouse mapped to a Shopify location; requests carry real session tokens."""
from __future__ import annotations

import html as html_lib
import itertools
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from app import create_app
from app.config import Settings
from app.extensions import cache, db, queue
from app.models import LocationMapping, Shop, ShopConfiguration
from app.models.types import utcnow
from standins.dropi import geography
from tests.live_standins import (
    ServerThread,
    ShopifyStandInHandle,
    running_dropi_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import embedded_query, htmx_headers, mint_session_token, reset_database

SCOPES = frozenset({"read_products", "write_products", "read_inventory", "write_inventory",
                    "read_locations", "read_files", "write_files"})
_domains = itertools.count(1)


@dataclass
class ProductsWorld:
    shopify: ShopifyStandInHandle
    dropi: ServerThread
    settings: Settings
    client: object
    shop: Shop
    domain: str
    location_id: str
    warehouse_id: int

    # --- requests as the admin sends them ---------------------------------------------------
    def page(self, path: str, locale: str = "en", domain: str | None = None, **params):
        """A document load inside the admin (id_token in the query)."""
        domain = domain or self.domain
        query = embedded_query(domain, id_token=mint_session_token(domain), locale=locale)
        extra = f"&{urlencode(params, doseq=True)}" if params else ""
        return self.client.get(f"{path}?{query}{extra}")

    def htmx(self, method: str, path: str, data=None, locale: str = "en",
             domain: str | None = None, **params):
        """An htmx request (session token in Authorization, HX-Request)."""
        domain = domain or self.domain
        query = urlencode({"shop": domain, "embedded": "1", "locale": locale, **params},
                          doseq=True)
        return self.client.open(f"{path}?{query}", method=method, data=data,
                                headers=htmx_headers(mint_session_token(domain)))

    # --- the stand-ins' state ---------------------------------------------------------------
    @property
    def store_shop(self):
        return self.shopify.store.shop(self.domain)

    def dropi_catalog(self) -> dict[int, dict]:
        return self.dropi.app.extensions["dropi_stand_in"].state.catalog("CO")

    def dropi_raw(self, product_id) -> dict:
        return self.dropi_catalog()[int(product_id)]

    def products_with_handle(self, handle: str) -> list[dict]:
        return [p for p in self.store_shop.products.values() if p["handle"] == handle]

    def variants_of(self, product_id: str) -> list[dict]:
        shop = self.store_shop
        return [shop.variants[v] for v in shop.products[product_id]["_variants"]]


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def public_products(world: ProductsWorld) -> list[dict]:
    """The stand-in's Colombian catalog as the default list shows it (newest first)."""
    return sorted((p for p in world.dropi_catalog().values() if not p["_private"]),
                  key=lambda p: p["created_at"], reverse=True)


def find_product(world: ProductsWorld, *, variable: bool, min_variations: int = 2) -> dict:
    """A public product with the wanted shape and stock in the mapped warehouse."""
    for product in sorted(world.dropi_catalog().values(), key=lambda p: p["id"]):
        if product["_private"] or (product["type"] == "VARIABLE") != variable:
            continue
        if variable and len(product["variations"]) < min_variations:
            continue
        if any(r["warehouse_id"] == world.warehouse_id and r["stock"]
               for r in product["warehouse_product"]):
            return product
    raise AssertionError("no such product in the stand-in catalog")


@pytest.fixture(scope="module")
def stand_ins():
    with running_shopify_stand_in() as shopify, running_dropi_stand_in() as dropi:
        yield shopify, dropi


@pytest.fixture
def world(stand_ins, instance_dir) -> ProductsWorld:
    shopify, dropi = stand_ins
    settings = stand_in_settings(instance_dir, shopify=shopify, dropi=dropi)
    app = create_app(settings)
    app.config["TESTING"] = True
    with app.app_context():
        db.create_all()
        cache.clear()
        try:
            yield _build(shopify, dropi, settings, app.test_client())
        finally:
            reset_database()
            queue.flush()
            cache.clear()


def install_shop(shopify, domain: str, *, currency: str = "COP") -> Shop:
    shopify.create_shop(domain)
    token = shopify.stand_in.tokens.issue_offline(domain, SCOPES, expiring=False)["access_token"]
    shop = Shop(domain=domain, access_token=token, scopes=",".join(sorted(SCOPES)),
                api_version="2026-10", name="Tienda", currency=currency,
                timezone="America/Bogota", installed_at=utcnow())
    db.session.add(shop)
    db.session.commit()
    return shop


def connect_dropi(dropi, shop: Shop, location: dict | None) -> int:
    token = dropi.app.extensions["dropi_stand_in"].token_for("CO")
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=token, dropi_country="CO"))
    warehouse = geography.warehouses("CO")[0]
    if location is not None:
        db.session.add(LocationMapping(shop_id=shop.id, shopify_location_id=location["id"],
                                       shopify_location_name=location["name"],
                                       dropi_warehouse_id=str(warehouse.id),
                                       dropi_warehouse_name=warehouse.name))
    db.session.commit()
    return warehouse.id


def _build(shopify, dropi, settings, client) -> ProductsWorld:
    domain = f"products-{next(_domains)}.myshopify.com"
    shop = install_shop(shopify, domain)
    location = shopify.store.create_location(domain, "Bodega Bogotá", city="Bogotá")
    warehouse_id = connect_dropi(dropi, shop, location)
    return ProductsWorld(shopify, dropi, settings, client, shop, domain, location["id"],
                         warehouse_id)
