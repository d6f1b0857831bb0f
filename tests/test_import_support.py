"""Shared set-up for the import tests (no tests here): the real app wired to the Shopify and
Dropi stand-ins over HTTP, an installed shop with a live token, Dropi connected and one Dropi
warehouse mapped to a Shopify location."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests

from app import create_app
from app.config import Settings
from app.extensions import db, queue
from app.models import LocationMapping, Shop, ShopConfiguration
from app.models.types import utcnow
from standins.dropi import geography
from app.services.product_import import ImportPreferences, import_context_for
from tests.live_standins import (
    ServerThread,
    ShopifyStandInHandle,
    running_dropi_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import reset_database

SCOPES = frozenset({"read_products", "write_products", "read_inventory", "write_inventory",
                    "read_locations", "read_files", "write_files"})
_domains = itertools.count(1)


@dataclass
class ImportWorld:
    shopify: ShopifyStandInHandle
    dropi: ServerThread
    settings: Settings
    shop: Shop
    domain: str
    location_id: str
    warehouse_id: int

    def ctx(self, **kwargs):
        return import_context_for(self.settings, self.shop, **kwargs)

    @property
    def store_shop(self):
        """The stand-in's live record of the shop (products, variants, levels...)."""
        return self.shopify.store.shop(self.domain)

    @property
    def dropi_state(self):
        return self.dropi.app.extensions["dropi_stand_in"].state

    def dropi_raw(self, product_id: int) -> dict:
        return self.dropi_state.catalog("CO")[int(product_id)]

    def products_with_handle(self, handle: str) -> list[dict]:
        return [p for p in self.store_shop.products.values() if p["handle"] == handle]

    def variants_of(self, product_id: str) -> list[dict]:
        shop = self.store_shop
        return [shop.variants[v] for v in shop.products[product_id]["_variants"]]

    def available(self, variant: dict, location_id: str | None = None) -> int | None:
        level = self.store_shop.levels.get((variant["_inventory_item"],
                                            location_id or self.location_id))
        return None if level is None else level["_q"]["available"]

    def metafield(self, owner: dict, key: str) -> str | None:
        """The app's `$app:dropi` metafield, stored as Shopify stores it: app--<id>--dropi."""
        for (namespace, name), metafield_id in owner["_metafields"].items():
            if name == key and namespace.startswith("app--") and namespace.endswith("--dropi"):
                return self.store_shop.metafields[metafield_id]["value"]
        return None

    def set_dropi_stock(self, product_id: int, stock: int, **where) -> None:
        response = requests.post(f"{self.dropi.url}/standin/products/co/{product_id}/stock",
                                 json={"stock": stock, **where}, timeout=10)
        response.raise_for_status()

    def dropi_calls(self) -> list[dict]:
        return requests.get(f"{self.dropi.url}/standin/calls", timeout=10).json()["calls"]


def find_dropi_product(world: ImportWorld, *, variable: bool, min_variations: int = 2,
                       warehouses: int | None = None, with_description: str | None = None
                       ) -> dict:
    """A product of the stand-in's Colombian catalog with the wanted shape."""
    for product in sorted(world.dropi_state.catalog("CO").values(), key=lambda p: p["id"]):
        if product["_private"] or (product["type"] == "VARIABLE") != variable:
            continue
        if variable and len(product["variations"]) < min_variations:
            continue
        if with_description and with_description not in (product["description"] or ""):
            continue
        if warehouses is not None and len(product["warehouse_product"]) != warehouses:
            continue
        if not variable and not warehouse_units(product, world.warehouse_id):
            continue
        return product
    raise AssertionError("no such product in the stand-in catalog")


def warehouse_units(raw: dict, warehouse_id: int, variation: dict | None = None) -> int:
    rows = (variation or {}).get("warehouse_product_variation") or raw["warehouse_product"]
    return sum(r["stock"] for r in rows if r["warehouse_id"] == warehouse_id)


@pytest.fixture
def stand_ins():
    with running_shopify_stand_in() as shopify, running_dropi_stand_in() as dropi:
        yield shopify, dropi


@pytest.fixture
def world(stand_ins, tmp_path) -> ImportWorld:
    shopify, dropi = stand_ins
    settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi)
    app = create_app(settings)
    app.config["TESTING"] = True
    with app.app_context():
        db.create_all()
        try:
            yield _build_world(shopify, dropi, settings)
        finally:
            reset_database()
            queue.flush()


def _build_world(shopify, dropi, settings) -> ImportWorld:
    domain = f"importer-{next(_domains)}.myshopify.com"
    shopify.create_shop(domain)
    token = shopify.stand_in.tokens.issue_offline(domain, SCOPES, expiring=False)["access_token"]
    location = shopify.store.create_location(domain, "Bodega Bogotá", city="Bogotá")
    shop = Shop(domain=domain, access_token=token, scopes=",".join(sorted(SCOPES)),
                api_version="2026-10", name="Importer", currency="COP",
                timezone="America/Bogota", installed_at=utcnow())
    db.session.add(shop)
    db.session.flush()
    dropi_token = dropi.app.extensions["dropi_stand_in"].token_for("CO")
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=dropi_token,
                                     dropi_country="CO"))
    warehouse = geography.warehouses("CO")[0]
    db.session.add(LocationMapping(shop_id=shop.id, shopify_location_id=location["id"],
                                   shopify_location_name=location["name"],
                                   dropi_warehouse_id=str(warehouse.id),
                                   dropi_warehouse_name=warehouse.name))
    db.session.commit()
    return ImportWorld(shopify, dropi, settings, shop, domain, location["id"], warehouse.id)


def prefs(**overrides) -> ImportPreferences:
    values = {"price_rule": "cost*2", "status": "DRAFT"}
    values.update(overrides)
    return ImportPreferences(**values)


def money(value) -> Decimal:
    return Decimal(str(value))


def merchant_adds_variant(world: ImportWorld, product_id: str, values: dict[str, str], sku: str,
                          price: str) -> dict:
    """The merchant adds a variant of their own in the Shopify admin (stand-in code path)."""
    from standins.shopify import catalog

    shop = world.store_shop
    product = shop.products[product_id]
    options = [{"id": o["id"], "name": o["name"],
                "values": [{"name": v} for v in dict.fromkeys(o["values"] + [values[o["name"]]])]}
               for o in product["_options"]]
    variants = [{"id": v["id"], "optionValues": [{"optionName": s["name"], "name": s["value"]}
                                                 for s in v["selectedOptions"]]}
                for v in world.variants_of(product_id)]
    variants.append({"optionValues": [{"optionName": n, "name": v} for n, v in values.items()],
                     "sku": sku, "price": price})
    with world.shopify.store.transaction():
        catalog.product_set(shop, {"id": product_id, "productOptions": options,
                                   "variants": variants})
    return next(v for v in world.variants_of(product_id) if v["sku"] == sku)


def dropi_product_ids(world: ImportWorld, count: int, *, skip: int = 0) -> list[str]:
    """Public Colombian catalog products (simple and variable) with stock where it is mapped."""
    found = [str(p["id"]) for p in sorted(world.dropi_state.catalog("CO").values(),
                                          key=lambda p: p["id"])
             if not p["_private"] and warehouse_units(p, world.warehouse_id)]
    assert len(found) >= skip + count
    return found[skip:skip + count]
