"""Objects the tests (and scripts/bench_import.py) build: a shop installed on the live Shopify
stand-in with Dropi connected and a warehouse mapped to a Shopify location, the `StandInWorld`
around it, and the products, preferences and merchant edits the import tests need."""
from __future__ import annotations

import html as html_lib
import itertools
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import requests
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import insert

from app.config import Settings
from app.extensions import cache, db
from app.models import (LocationMapping, ProductAssociation, Session, Shop, ShopConfiguration,
                        StepName)
from app.models.types import utcnow
from app.services.agent_profile import choose_alert_flow
from app.services.ai_configuration import AgentSettings, NotificationContact, save_agent_settings
from app.services.order_pipeline import record_order
from app.services.product_import import ImportPreferences, import_context_for
from app.services.settings import IntegrationClients
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
                 scopes: frozenset[str] = SCOPES, api_version: str = "2026-10",
                 webhooks: bool = False) -> Shop:
    """A shop created on the Shopify stand-in and installed in the app with a live,
    non-expiring offline token; with `webhooks` the stand-in sends the shop's events to the
    app at once."""
    shopify.stand_in.create_shop(domain, installed=webhooks)
    token = shopify.stand_in.tokens.issue_offline(domain, scopes, expiring=False)["access_token"]
    shop = Shop(domain=domain, access_token=token, scopes=",".join(sorted(scopes)),
                api_version=api_version, name=name, currency=currency, timezone=timezone,
                installed_at=utcnow())
    db.session.add(shop)
    db.session.commit()
    return shop


def staff_opened_app_in(shop: Shop, locale: str, user_id: int = 1) -> None:
    """A staff member of the shop opened the app with the admin in `locale`."""
    db.session.add(Session(id=Session.online_id(shop.domain, user_id), shop_id=shop.id,
                           is_online=True, user_id=user_id, locale=locale))
    db.session.commit()


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


def connect_ecomdrop(ecomdrop: ServerThread, shop: Shop, **settings) -> dict[str, str]:
    """A new account on the Ecomdrop stand-in connected to `shop`, the connector on, its
    new-order, abandoned-cart and incident flows picked; `settings` are other ShopConfiguration
    values. Returns {flow name: flow id}."""
    key = f"key-{shop.domain.split('.')[0]}-{next(_domains)}"
    response = requests.post(f"{ecomdrop.url}/standin/accounts",
                             json={"api_key": key, "name": shop.name}, timeout=10)
    response.raise_for_status()
    flows = {f["name"]: str(f["id"]) for f in response.json()["flows"]}
    config = db.session.scalar(db.select(ShopConfiguration).filter_by(shop_id=shop.id))
    if config is None:
        config = ShopConfiguration(shop_id=shop.id, dropi_country=DROPI_COUNTRY)
        db.session.add(config)
    values = {"ecomdrop_api_key": key, "active": True,
              "ecomdrop_new_order_flow_id": flows["Nuevo pedido"],
              "ecomdrop_abandoned_cart_flow_id": flows["Carrito abandonado"],
              "ecomdrop_incident_flow_id": flows["Novedad de entrega"], **settings}
    for name, value in values.items():
        setattr(config, name, value)
    db.session.commit()
    return flows


def ecomdrop_flow_runs(ecomdrop: ServerThread, flow_id: str | None = None) -> list[dict]:
    """The flows the Ecomdrop stand-in ran, over every account (optionally of one flow)."""
    accounts = requests.get(f"{ecomdrop.url}/standin/accounts", timeout=10).json()["accounts"]
    return [run for account in accounts for run in account["flow_runs"]
            if flow_id is None or str(run["flow_id"]) == str(flow_id)]


def shopify_product(shopify: ShopifyStandInHandle, domain: str, sku: str, title: str,
                    price: str) -> dict:
    """A one-variant product the merchant made on the Shopify stand-in."""
    return shopify.store.create_product(domain, {
        "title": title, "status": "ACTIVE",
        "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
        "variants": [{"optionValues": [{"optionName": "Title", "name": "Default Title"}],
                      "sku": sku, "price": price}]})


def merchant_product(shopify: ShopifyStandInHandle, domain: str, title: str,
                     variants: list[dict]) -> dict:
    """A product the merchant made in Shopify, one variant per {sku, barcode} given (option
    "Modelo" valued A, B, C...)."""
    names = [chr(ord("A") + n) for n in range(len(variants))]
    return shopify.store.create_product(domain, {
        "title": title, "status": "ACTIVE",
        "productOptions": [{"name": "Modelo", "values": [{"name": n} for n in names]}],
        "variants": [{"optionValues": [{"optionName": "Modelo", "name": name}],
                      "sku": variant.get("sku"), "barcode": variant.get("barcode"),
                      "price": "1000"} for name, variant in zip(names, variants)]})


def stocked_location(shopify: ShopifyStandInHandle, domain: str) -> dict:
    """The Shopify location Dropi stock goes to."""
    return shopify.store.create_location(domain, "Bodega Bogotá", city="Bogotá")


class AdminRequests:
    """Requests to the app as the Shopify admin sends them, for `self.domain`."""

    client: object
    domain: str

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


@dataclass
class StandInWorld(AdminRequests):
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

    def dropi_withdraw(self, product_id: int, reason: str = "deleted") -> None:
        """Dropi stops showing the product to this account (deleted, or made private)."""
        response = requests.post(f"{self.dropi.url}/standin/products/co/{product_id}/withdraw",
                                 json={"reason": reason}, timeout=10)
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


ADVISOR_PHONE = "+573001112233"


@dataclass
class ProfileWorld(AdminRequests):
    """The app wired to live Shopify and Ecomdrop stand-ins: one installed shop with its own
    Ecomdrop account connected and Dropi Colombia (cash on delivery) in its settings."""

    shopify: ShopifyStandInHandle
    ecomdrop_url: str
    settings: Settings
    client: object
    shop: Shop
    domain: str
    ecomdrop_key: str

    @property
    def clients(self) -> IntegrationClients:
        return IntegrationClients(self.settings, sleep=lambda seconds: None)

    def ecomdrop_account(self) -> dict:
        """Everything the shop's Ecomdrop account holds (bot fields, contacts, flow runs...)."""
        listed = requests.get(f"{self.ecomdrop_url}/standin/accounts", timeout=10).json()
        return next(a for a in listed["accounts"] if a["name"] == self.domain)

    def ecomdrop_calls(self, method: str | None = None, path_part: str = "") -> list[dict]:
        """The calls the app made to this shop's Ecomdrop account."""
        page_id = self.ecomdrop_account()["page_id"]
        calls = requests.get(f"{self.ecomdrop_url}/standin/calls", timeout=10).json()["calls"]
        return [c for c in calls if c["account"] == page_id and path_part in c["path"]
                and (method is None or c["method"] == method)]

    def bot_field(self, field_id) -> dict:
        fields = self.ecomdrop_account()["bot_fields"]
        return next(f for f in fields if str(f["id"]) == str(field_id))

    def at_once(self, action, copies: int = 3) -> list:
        """Run `action(shop)` in `copies` threads released together, each with its own app
        context and database session (as concurrent requests or workers would); results in
        finishing order."""
        app, shop_id = current_app._get_current_object(), self.shop.id
        results, start = [], threading.Barrier(copies)

        def run():
            with app.app_context(), force_locale("en"):
                shop = db.session.get(Shop, shop_id)
                start.wait()
                results.append(action(shop))
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return results

    def merchant_sets_advisor_alerts(self, phone: str = ADVISOR_PHONE) -> dict:
        """The merchant saves Sofía's profile with advisor requests going to Ana at `phone`,
        and sends alerts through the account's "Alertas" flow (returned)."""
        save_agent_settings(self.shop, AgentSettings(
            agent_name="Sofía", company_name="ClickShop", payment_methods="Contra entrega",
            notifications={"advisor_request": NotificationContact("Ana", phone)}))
        flow = next(f for f in self.ecomdrop_account()["flows"] if f["name"] == "Alertas")
        choose_alert_flow(self.clients, self.shop, str(flow["id"]), cache)
        return flow

    def person_writes_on_whatsapp(self, phone: str) -> None:
        """Someone writes to the shop's Ecomdrop line (WhatsApp's 24-hour window opens)."""
        requests.post(f"{self.ecomdrop_url}/standin/inbound",
                      json={"api_key": self.ecomdrop_key, "phone": phone},
                      timeout=10).raise_for_status()


PROFILE_FIELD_ID = 990001


def build_profile_world(shopify: ShopifyStandInHandle, ecomdrop_url: str, settings: Settings,
                        client) -> ProfileWorld:
    """A new shop on the Shopify stand-in with a fresh Ecomdrop account (a bot field
    "PERFIL AGENTE" at PROFILE_FIELD_ID and an "Alertas" flow) connected."""
    domain = f"profile-{next(_domains)}.myshopify.com"
    shop = install_shop(shopify, domain, name="Tienda Andina")
    key = f"ecd-{domain}"
    requests.post(f"{ecomdrop_url}/standin/accounts", json={
        "api_key": key, "name": domain, "flows": ["Nuevo pedido", "Alertas"],
        "bot_fields": [{"id": PROFILE_FIELD_ID, "name": "PERFIL AGENTE"}],
    }, timeout=10).raise_for_status()
    db.session.add(ShopConfiguration(shop_id=shop.id, ecomdrop_api_key=key, dropi_country="CO",
                                     dropi_token="dropi-token-for-tests"))
    db.session.commit()
    return ProfileWorld(shopify, ecomdrop_url, settings, client, shop, domain, key)


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


def shopify_order_payload(number: int = 1001, *, cash_on_delivery: bool = True,
                          first_name: str = "Laura", last_name: str = "Gómez",
                          phone: str | None = "+573001234567", city: str = "Bogotá",
                          province: str = "Bogotá, D.C.", total: str = "101900",
                          **overrides) -> dict:
    """An orders/create payload as Shopify sends it (REST shape) for order #`number`."""
    gateway = "Cash on Delivery (COD)" if cash_on_delivery else "mercado_pago"
    payload = {
        "id": 5_000_000 + number, "name": f"#{number}", "order_number": number,
        "created_at": "2026-12-01T10:00:00-05:00", "updated_at": "2026-12-01T10:00:00-05:00",
        "email": f"{first_name.lower()}@example.com", "phone": phone, "currency": "COP",
        "financial_status": "pending" if cash_on_delivery else "paid",
        "gateway": gateway, "payment_gateway_names": [gateway],
        "total_price": total, "subtotal_price": total,
        "total_shipping_price_set": {"shop_money": {"amount": "0", "currency_code": "COP"}},
        "customer": {"first_name": first_name, "last_name": last_name, "phone": phone},
        "shipping_address": {"first_name": first_name, "last_name": last_name,
                             "address1": "Calle 45 # 12-34", "city": city,
                             "province": province, "country_code": "CO", "phone": phone},
        "line_items": [{"id": 1, "variant_id": 42, "title": "Audífonos", "name": "Audífonos",
                        "quantity": 1, "price": total, "sku": "AUD-1"}],
        "cancelled_at": None,
    }
    payload.update(overrides)
    return payload


def recorded_order(shop: Shop, number: int = 1001, *, steps: dict | None = None, **payload):
    """Our record of Shopify order #`number` (through the pipeline's own record_order), its
    steps then set as given: {"dropi": (StepState.FAILED, "reason or None"), ...}."""
    order, _new = record_order(shop, shopify_order_payload(number, **payload))
    for name, (state, reason) in (steps or {}).items():
        step = order.step(StepName(name))
        step.state, step.reason = state, reason
        if reason and state.value == "failed":
            step.last_error, step.reason = reason, None
    db.session.commit()
    return order


# --- the AI agent's tools ---------------------------------------------------------------------

def install_seeded_shop(shopify: ShopifyStandInHandle, domain: str) -> Shop:
    """The stand-in's demo shop (products in two warehouses, customers, orders in the usual
    states) installed in the app with every scope shopify.app.toml asks for."""
    from app.config import toml_scopes

    shopify.stand_in.create_shop(domain, seed=True)
    return install_shop(shopify, domain, scopes=frozenset(toml_scopes().split(",")))


def agent_key(shop: Shop, mode: str = "staff", label: str | None = None) -> str:
    """A new agent key of `mode` for `shop`; returns the secret the agent platform sends."""
    from app.services.agent_tools.keys import issue_key

    return issue_key(shop, label=label or f"{mode} agent", mode=mode, user_id=1).secret


def agent_headers(secret: str | None, phone: str | None = None,
                  email: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if phone:
        headers["X-Customer-Phone"] = phone
    if email:
        headers["X-Customer-Email"] = email
    return headers


@dataclass
class AgentWorld:
    """The app wired to a live Shopify stand-in whose demo shop is installed."""

    shopify: ShopifyStandInHandle
    settings: Settings
    client: object
    shop: Shop
    domain: str

    @property
    def store_shop(self):
        return self.shopify.store.shop(self.domain)

    def call(self, action_id: str, arguments: dict | None = None, *, key: str | None,
             phone: str | None = None, email: str | None = None):
        return self.client.post(f"/agent/tools/{action_id}", json=arguments or {},
                                headers=agent_headers(key, phone, email))

    def order(self, name: str) -> dict:
        return next(o for o in self.store_shop.orders.values() if o["name"] == name)

    def customer(self, email: str) -> dict:
        return next(c for c in self.store_shop.customers.values() if c["email"] == email)


def build_agent_world(shopify: ShopifyStandInHandle, settings: Settings, client) -> AgentWorld:
    domain = f"agent-{next(_domains)}.myshopify.com"
    shop = install_seeded_shop(shopify, domain)
    return AgentWorld(shopify, settings, client, shop, domain)


def many_imports(shop_id: int, count: int) -> None:
    """`count` imported products of the shop, written in one statement (for paging and speed)."""
    start = utcnow() - timedelta(days=1)
    rows = [{"shop_id": shop_id, "dropi_product_id": str(500000 + i), "dropi_country": "CO",
             "shopify_product_id": f"gid://shopify/Product/{900000 + i}",
             "original_dropi_name": f"Dropi {i:05d}", "shopify_title": f"Producto {i:05d}",
             "imported_at": start + timedelta(seconds=i)} for i in range(count)]
    db.session.execute(insert(ProductAssociation), rows)
    db.session.commit()


# --- catalog sync --------------------------------------------------------------------------

SYNC_SWITCHES = {"prices": "get_prices", "products": "get_products"}


def run_sync(world: StandInWorld, option: str):
    """Run a sync option for the world's shop now (the connector and the option switched on)
    and return the finished SyncRun."""
    from app.services.sync import run_option

    config = db.session.scalar(db.select(ShopConfiguration).filter_by(shop_id=world.shop.id))
    config.active = True
    setattr(config, SYNC_SWITCHES[option], True)
    db.session.commit()
    run = run_option(world.settings, world.domain, option, force=True)
    assert run is not None, "the sync did not run"
    return run


def sync_log(run, outcome: str | None = None) -> list:
    """The run's log entries (of one outcome when given), in order."""
    from app.models.sync import SyncLogEntry

    query = db.select(SyncLogEntry).filter_by(run_id=run.id).order_by(SyncLogEntry.id)
    if outcome:
        query = query.filter_by(outcome=outcome)
    return list(db.session.scalars(query))


def shopify_writes(world: StandInWorld, mutation: str) -> list[dict]:
    """The arguments of every `mutation` the Shopify stand-in carried out for the shop."""
    return [args for name, args in world.store_shop.mutation_log if name == mutation]


def shopify_variant_for(world: StandInWorld, raw: dict, variation: dict | None = None) -> dict:
    """The Shopify variant of a Dropi variation (or of a simple product), by its SKU."""
    sku = (variation or raw)["sku"]
    return next(v for v in world.store_shop.variants.values() if v["sku"] == sku)
