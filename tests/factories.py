"""Objects the tests (and scripts/bench_import.py) build: a shop installed on the live Shopify
stand-in with Dropi connected and a warehouse mapped to a Shopify location, the `StandInWorld`
around it, and the products, preferences and merchant edits the import tests need."""
from __future__ import annotations

import html as html_lib
import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import requests
from flask import Flask
from sqlalchemy import insert

from app.config import Settings
from app.extensions import db
from app.models import LocationMapping, ProductAssociation, Shop, ShopConfiguration
from app.models.types import utcnow
from app.services.product_import import ImportPreferences, import_context_for
from standins.dropi import geography
from standins.shopify import catalog as shopify_catalog
from tests.live_standins import ServerThread, ShopifyStandInHandle
from tests.support import embedded_query, htmx_headers, mint_session_token

SCOPES = frozenset({"read_products", "write_products", "read_inventory", "write_inventory",
                    "read_locations", "read_files", "write_files"})
DROPI_COUNTRY = "CO"
_domains = itertools.count(1)


def install_shop(shopify: ShopifyStandInHandle, domain: str, *, name: str | None = "Tienda",
                 currency: str = "COP", timezone: str | None = "America/Bogota",
                 scopes: frozenset[str] = SCOPES, api_version: str = "2026-10") -> Shop:
    """A shop created on the Shopify stand-in and installed in the app with a live,
    non-expiring offline token."""
    shopify.stand_in.create_shop(domain)
    token = shopify.stand_in.tokens.issue_offline(domain, scopes, expiring=False)["access_token"]
    shop = Shop(domain=domain, access_token=token, scopes=",".join(sorted(scopes)),
                api_version=api_version, name=name, currency=currency, timezone=timezone,
                installed_at=utcnow())
    db.session.add(shop)
    db.session.commit()
    return shop


def connect_dropi(dropi_app: Flask, shop: Shop, location: dict | None) -> int:
    """Dropi Colombia connected with a token of the Dropi stand-in (its Flask app) and, when
    `location` is given, its first warehouse mapped to that Shopify location; returns the
    warehouse id."""
    token = dropi_app.extensions["dropi_stand_in"].token_for(DROPI_COUNTRY)
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=token,
                                     dropi_country=DROPI_COUNTRY))
    warehouse = geography.warehouses(DROPI_COUNTRY)[0]
    if location is not None:
        db.session.add(LocationMapping(shop_id=shop.id, shopify_location_id=location["id"],
                                       shopify_location_name=location["name"],
                                       dropi_warehouse_id=str(warehouse.id),
                                       dropi_warehouse_name=warehouse.name))
    db.session.commit()
    return warehouse.id


def stocked_location(shopify: ShopifyStandInHandle, domain: str) -> dict:
    """The Shopify location Dropi stock goes to."""
    return shopify.store.create_location(domain, "Bodega Bogotá", city="Bogotá")


@dataclass
class StandInWorld:
    """The app wired to live Shopify and Dropi stand-ins, with one connected shop."""

    shopify: ShopifyStandInHandle
    dropi: ServerThread
    settings: Settings
    client: object
    shop: Shop
    domain: str
    location_id: str
    warehouse_id: int

    def ctx(self, **kwargs):
        return import_context_for(self.settings, self.shop, **kwargs)

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
        """The stand-in's live record of the shop (products, variants, levels...)."""
        return self.shopify.store.shop(self.domain)

    @property
    def dropi_state(self):
        return self.dropi.app.extensions["dropi_stand_in"].state

    def dropi_catalog(self) -> dict[int, dict]:
        return self.dropi_state.catalog(DROPI_COUNTRY)

    def dropi_raw(self, product_id) -> dict:
        return self.dropi_catalog()[int(product_id)]

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


def build_world(shopify: ShopifyStandInHandle, dropi: ServerThread, settings: Settings,
                client) -> StandInWorld:
    """A new connected shop on these running stand-ins (inside the app's context)."""
    domain = f"store-{next(_domains)}.myshopify.com"
    shop = install_shop(shopify, domain)
    location = stocked_location(shopify, domain)
    warehouse_id = connect_dropi(dropi.app, shop, location)
    return StandInWorld(shopify, dropi, settings, client, shop, domain, location["id"],
                        warehouse_id)


# --- Dropi products of the stand-in's catalog -----------------------------------------------

def find_dropi_product(world: StandInWorld, *, variable: bool, min_variations: int = 2,
                       warehouses: int | None = None, with_description: str | None = None
                       ) -> dict:
    """A product of the stand-in's Colombian catalog with the wanted shape (a simple one has
    stock in the mapped warehouse)."""
    for product in sorted(world.dropi_catalog().values(), key=lambda p: p["id"]):
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


def find_product(world: StandInWorld, *, variable: bool, min_variations: int = 2) -> dict:
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


def public_products(world: StandInWorld) -> list[dict]:
    """The stand-in's Colombian catalog as the default list shows it (newest first)."""
    return sorted((p for p in world.dropi_catalog().values() if not p["_private"]),
                  key=lambda p: p["created_at"], reverse=True)


def dropi_product_ids(world: StandInWorld, count: int, *, skip: int = 0) -> list[str]:
    """Public Colombian catalog products (simple and variable) with stock where it is mapped."""
    found = [str(p["id"]) for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
             if not p["_private"] and warehouse_units(p, world.warehouse_id)]
    assert len(found) >= skip + count
    return found[skip:skip + count]


def warehouse_units(raw: dict, warehouse_id: int, variation: dict | None = None) -> int:
    rows = (variation or {}).get("warehouse_product_variation") or raw["warehouse_product"]
    return sum(r["stock"] for r in rows if r["warehouse_id"] == warehouse_id)


# --- import preferences, amounts, pages -----------------------------------------------------

def prefs(**overrides) -> ImportPreferences:
    values = {"price_rule": "cost*2", "status": "DRAFT"}
    values.update(overrides)
    return ImportPreferences(**values)


def money(value) -> Decimal:
    return Decimal(str(value))


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


# --- what the merchant does in the Shopify admin ---------------------------------------------

def merchant_adds_variant(world: StandInWorld, product_id: str, values: dict[str, str],
                          sku: str, price: str) -> dict:
    """The merchant adds a variant of their own in the Shopify admin (stand-in code path)."""
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
        shopify_catalog.product_set(shop, {"id": product_id, "productOptions": options,
                                           "variants": variants})
    return next(v for v in world.variants_of(product_id) if v["sku"] == sku)


def many_imports(shop_id: int, count: int) -> None:
    """`count` imported products of the shop, written in one statement (for paging and speed)."""
    start = utcnow() - timedelta(days=1)
    rows = [{"shop_id": shop_id, "dropi_product_id": str(500000 + i), "dropi_country": "CO",
             "shopify_product_id": f"gid://shopify/Product/{900000 + i}",
             "original_dropi_name": f"Dropi {i:05d}", "shopify_title": f"Producto {i:05d}",
             "imported_at": start + timedelta(seconds=i)} for i in range(count)]
    db.session.execute(insert(ProductAssociation), rows)
    db.session.commit()
