"""What the order pipeline's end-to-end tests and scripts/bench_orders.py share: the three
stand-ins and the real app (with its worker) over HTTP, a merchant connected to Dropi and
Ecomdrop with imported products, and a buyer placing orders in the simulated store."""
from __future__ import annotations

import itertools
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import requests
from sqlalchemy import select

from app.extensions import db
from app.models import OrderRecord, ProductAssociation, Shop, ShopConfiguration, VariantLink
from app.services.order_pipeline import rotate_callback_secret, save_order_policy
from standins.demo import import_sample_products
from standins.demo_replies import wire_customer_replies
from standins.ecomdrop import DEMO_API_KEY
from standins.shopify.payloads import order_payload
from tests.browser_support import Stack
from tests.live_standins import (
    running_app,
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
    wait_until,
)

COD = "Cash on Delivery (COD)"
MEDELLIN = {"city": "Medellín", "province": "Antioquia", "provinceCode": "ANT"}
_shops = itertools.count(1)
_phones = itertools.count(1_000_001)


@contextmanager
def running_order_stack(instance_path: Path, *, workers: int = 2, **settings) -> Iterator[Stack]:
    """Shopify, Dropi and Ecomdrop stand-ins and the app with its worker (`workers` threads);
    `settings` are environment overrides (e.g. order_retry_seconds="0.2")."""
    with ExitStack() as stack:
        shopify = stack.enter_context(running_shopify_stand_in())
        dropi = stack.enter_context(running_dropi_stand_in())
        ecomdrop = stack.enter_context(running_ecomdrop_stand_in())
        config = stand_in_settings(instance_path, shopify=shopify, dropi=dropi,
                                   ecomdrop=ecomdrop, **settings)
        app = stack.enter_context(running_app(config, shopify=shopify, worker=True,
                                              workers=workers))
        yield Stack(shopify, dropi, ecomdrop, app)


def new_merchant(stack: Stack, *, products: int = 2, **policy) -> str:
    """A new shop installed from the admin, connected to Dropi (CO) and the Ecomdrop demo
    account, connector on, `products` Dropi products imported, and the order policy given
    (confirmation, timeout_minutes, timeout_action, preferred_carrier)."""
    domain = f"tienda-pedidos-{next(_shops)}.myshopify.com"
    stack.shopify.create_shop(domain, seed=True)
    stack.install(domain)
    stack.connect(domain)
    with stack.app.app.app_context():
        import_sample_products(stack.app.settings, domain, products)
        values = {"confirmation": "send_at_once", "timeout_minutes": 60,
                  "timeout_action": "merchant", "preferred_carrier": None, **policy}
        save_order_policy(shop(domain), **values)
    return domain


def shop(domain: str) -> Shop:
    return db.session.execute(select(Shop).where(Shop.domain == domain)).scalar_one()


def callback_secret(stack: Stack, domain: str) -> str:
    with stack.app.app.app_context():
        return rotate_callback_secret(shop(domain))


def dropi_skus(stack: Stack, domain: str) -> list[str]:
    """SKUs of the shop's Shopify variants linked to Dropi products."""
    with stack.app.app.app_context():
        rows = db.session.execute(
            select(VariantLink.sku).join(ProductAssociation)
            .where(ProductAssociation.shop_id == shop(domain).id, VariantLink.sku.is_not(None))
            .order_by(VariantLink.id)).scalars()
        return list(rows)


def new_phone() -> str:
    return f"+57300{next(_phones)}"


def place_order(stack: Stack, domain: str, skus: list[str], *, cod: bool = True,
                phone: str | None = None, place: dict | None = None, shipping="9900",
                quantity: int = 1) -> dict:
    """A buyer checks out in the simulated store (orders/create goes to the app)."""
    address = {"firstName": "Laura", "lastName": "Gómez", "address1": "Calle 10 # 43-12",
               "countryCode": "CO", "zip": "050021", "phone": phone or new_phone(),
               **(place or MEDELLIN)}
    fields = {"shipping_address": address, "email": f"cliente{next(_phones)}@example.co",
              "shipping": shipping, "financial_status": "PENDING" if cod else "PAID"}
    if cod:
        fields["gateway"] = COD
    return stack.shopify.store.create_order(
        domain, line_items=[{"sku": sku, "quantity": quantity} for sku in skus], **fields)


def redeliver(stack: Stack, domain: str, order: dict, topic: str = "orders/updated") -> None:
    """Shopify sends another webhook about this order (as it does after any edit)."""
    store = stack.shopify.store
    with store.transaction():
        shop_record = store.shop(domain)
        shop_record.emit(topic, order_payload(shop_record, shop_record.orders[order["id"]]))


def number(order: dict) -> str:
    return str(order["_number"])


def record(stack: Stack, domain: str, order: dict) -> OrderRecord | None:
    """Our record of a stand-in order (read fresh)."""
    with stack.app.app.app_context():
        db.session.expire_all()
        found = db.session.execute(select(OrderRecord).where(
            OrderRecord.shop_id == shop(domain).id,
            OrderRecord.shopify_order_id == number(order))).scalar_one_or_none()
        if found is not None:
            _ = [s.state for s in found.steps]  # load while the session is open
            db.session.expunge_all()
        return found


def step_states(stack: Stack, domain: str, order: dict) -> dict[str, str]:
    found = record(stack, domain, order)
    return {} if found is None else {s.name.value: s.state.value for s in found.steps}


def wait_for_step(stack: Stack, domain: str, order: dict, step: str, *states: str,
                  timeout: float = 30.0) -> dict[str, str]:
    return wait_until(lambda: (s := step_states(stack, domain, order)).get(step) in states
                      and s, timeout=timeout)


def dropi_orders_for(stack: Stack, order: dict) -> list[dict]:
    orders = stack.dropi.app.extensions["dropi_stand_in"].state.orders.values()
    return [o for o in list(orders) if o.get("shop_order_id") == number(order)]


def ecomdrop_account(stack: Stack):
    store = stack.ecomdrop.app.extensions["ecomdrop_stand_in"].store
    return store.account_for_key(DEMO_API_KEY)


def flow_runs_for(stack: Stack, phone: str) -> list[dict]:
    return [r for r in list(ecomdrop_account(stack).flow_runs) if r["phone"] == phone]


def contacts_for(stack: Stack, phone: str) -> list[dict]:
    return [c for c in list(ecomdrop_account(stack).contacts.values()) if c["phone"] == phone]


def customers_answer(stack: Stack, domain: str, answer: str = "si",
                     delay_seconds: float = 0.2) -> None:
    """The shop holds cash-on-delivery orders, and its Ecomdrop flow answers `answer` on the
    customer's behalf through the callback (the demo's set-up)."""
    with stack.app.app.app_context():
        assert wire_customer_replies(stack.app.settings, domain, answer=answer,
                                     delay_seconds=delay_seconds)


def stop_customer_answers(stack: Stack, domain: str) -> None:
    with stack.app.app.app_context():
        config = db.session.execute(select(ShopConfiguration).where(
            ShopConfiguration.shop_id == shop(domain).id)).scalar_one()
        flow_id, key = config.ecomdrop_new_order_flow_id, config.ecomdrop_api_key
    requests.post(f"{stack.ecomdrop.url}/standin/flows/{flow_id}/external_request", timeout=5,
                  json={"api_key": key, "external_request": None}).raise_for_status()


def money(value) -> Decimal:
    return Decimal(str(value))
