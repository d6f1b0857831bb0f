"""The stand-in's shops, in memory and thread-safe. Records are plain dicts keyed by their Admin
GraphQL field names (plus `__typename`); keys starting with "_" are internal links. Every change
happens inside `store.transaction()`, and the events it raises reach the listeners after the lock
is released, as REST-shaped webhook payloads."""
from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from standins.shopify import catalog, sales, storefront
from standins.shopify.bulk_runner import BulkResults, BulkSettings
from standins.shopify.payloads import shop_payload
from standins.shopify.records import UnknownShop, gid, iso
from standins.shopify.seed import seed_demo_shop
from standins.shopify.throttle import ThrottleConfig, Throttles

log = logging.getLogger(__name__)

Listener = Callable[[str, str, dict], None]
DEFAULT_BULK_RESULT_URL = "http://127.0.0.1:5001/standin/bulk/{op_id}.jsonl"
# A new shop ships to the country of its currency, as a shop set up there starts out.
CURRENCY_COUNTRIES = {"COP": "CO", "MXN": "MX", "CLP": "CL", "PEN": "PE", "USD": "EC",
                      "GTQ": "GT", "PAB": "PA", "PYG": "PY", "ARS": "AR", "EUR": "ES"}
PLAN_NAMES = {"legacy": "Basic", "standard": "Basic", "advanced": "Advanced", "plus": "Plus",
              "enterprise": "Plus", "development": "Development"}


@dataclass
class ShopState:
    """One shop: its settings and every resource, each dict keyed by global ID."""

    store: "ShopifyStore"
    domain: str
    record: dict
    plan: str
    installed: bool = False  # the app is installed once OAuth completes (server.py)
    acting_app: str = "default"  # the app whose request is running ("$app" namespaces)
    locations: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    inventory_items: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)  # (item gid, location gid) -> InventoryLevel
    customers: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    fulfillment_orders: dict = field(default_factory=dict)
    fulfillments: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    checkouts: dict = field(default_factory=dict)
    webhook_subscriptions: dict = field(default_factory=dict)
    bulk_operations: dict = field(default_factory=dict)
    adjustment_groups: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)
    product_operations: dict = field(default_factory=dict)
    metafields: dict = field(default_factory=dict)  # metafield gid -> record (owner in "_owner")
    idempotency: dict = field(default_factory=dict)  # (mutation, key) -> (fingerprint, payload)
    # (mutation name, arguments) of every catalog mutation carried out (replays excluded), so
    # tests can count the writes an app made.
    mutation_log: list = field(default_factory=list)
    next_order_number: int = 1001

    @property
    def currency(self) -> str:
        return self.record["currencyCode"]

    def new_id(self, kind: str) -> tuple[int, str]:
        number = self.store.next_number(kind)
        return number, gid(kind, number)

    def now(self) -> str:
        return self.store.now_iso()

    def emit(self, topic: str, payload: dict) -> None:
        self.store.emit(self.domain, topic, payload)

    def primary_location(self) -> dict | None:
        active = [loc for loc in self.locations.values() if loc["isActive"]]
        primary = [loc for loc in active if loc.get("_primary")]
        return (primary or active or [None])[0]

    def find(self, global_id: str) -> dict | None:
        """Any record of this shop by its global ID (the `node` query)."""
        for table in (self.products, self.variants, self.inventory_items, self.locations,
                      self.customers, self.orders, self.fulfillment_orders, self.fulfillments,
                      self.refunds, self.checkouts, self.webhook_subscriptions,
                      self.bulk_operations, self.adjustment_groups, self.metafields,
                      self.product_operations):
            if global_id in table:
                return table[global_id]
        if global_id == self.record["id"]:
            return self.record
        for level in self.levels.values():
            if level["id"] == global_id:
                return level
        return None


class ShopifyStore:
    """Every shop of one stand-in process."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] | None = None,
                 throttle: str | ThrottleConfig | None = None,
                 bulk_result_url_template: str = DEFAULT_BULK_RESULT_URL):
        self._lock = threading.RLock()
        self._depth = 0
        self._pending: list[tuple[str, str, dict]] = []
        self._listeners: list[Listener] = []
        self._shops: dict[str, ShopState] = {}
        self._counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1001))
        self.bulk_results = BulkResults()
        self.bulk_settings = BulkSettings()
        self.bulk_threads: dict[int, threading.Thread] = {}
        self._now = now or (lambda: datetime.now(timezone.utc))
        self.clock = clock
        default = ThrottleConfig.preset(throttle) if isinstance(throttle, str) else throttle
        self.throttles = Throttles(clock, default)
        # Where finished bulk operations say their JSONL lives; {op_id} is the numeric ID.
        self.bulk_result_url_template = bulk_result_url_template

    # -- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        """Hold the store lock; events raised inside reach listeners once it is released."""
        self._lock.acquire()
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            events = []
            if self._depth == 0:
                events, self._pending = self._pending, []
            self._lock.release()
            for event in events:
                self._dispatch(*event)

    def emit(self, shop_domain: str, topic: str, payload: dict) -> None:
        with self.transaction():
            self._pending.append((shop_domain, topic, payload))

    def _dispatch(self, shop_domain: str, topic: str, payload: dict) -> None:
        for listener in list(self._listeners):
            try:
                listener(shop_domain, topic, payload)
            except Exception:  # a broken listener must not break the store
                log.exception("stand-in listener failed for %s on %s", topic, shop_domain)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(shop_domain, topic, payload)` on every store event."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def next_number(self, kind: str) -> int:
        with self._lock:
            return next(self._counters[kind])

    def now_iso(self) -> str:
        return iso(self._now())

    def now(self) -> datetime:
        return self._now()

    # -- shops -------------------------------------------------------------------------------
    def create_shop(self, domain: str, *, seed: bool = False, plan: str = "standard",
                    name: str | None = None, currency: str = "COP",
                    timezone_name: str = "America/Bogota", email: str | None = None) -> ShopState:
        """The shop with that domain, created (and seeded with demo data) when new."""
        with self.transaction():
            if domain in self._shops:
                return self._shops[domain]
            subdomain = domain.split(".")[0]
            number = self.next_number("Shop")
            now = self.now_iso()
            record = {
                "__typename": "Shop", "id": gid("Shop", number), "_number": number,
                "name": name or subdomain.replace("-", " ").title(),
                "email": email or f"admin@{subdomain}.example",
                "contactEmail": email or f"admin@{subdomain}.example",
                "myshopifyDomain": domain, "currencyCode": currency,
                "enabledPresentmentCurrencies": [currency],
                "shipsToCountries": [CURRENCY_COUNTRIES.get(currency, "CO")],
                "ianaTimezone": timezone_name, "createdAt": now, "updatedAt": now,
                "url": f"https://{domain}", "weightUnit": "KILOGRAMS",
                "unitSystem": "METRIC_SYSTEM", "taxesIncluded": True, "taxShipping": False,
                "checkoutApiSupported": True, "setupRequired": False,
                "description": None, "shopOwnerName": "Demo Owner",
                "orderNumberFormatPrefix": "#", "orderNumberFormatSuffix": "",
                "_metafields": {},
                "plan": {"__typename": "ShopPlan", "partnerDevelopment": plan == "development",
                         "shopifyPlus": plan in ("plus", "enterprise"),
                         "publicDisplayName": PLAN_NAMES.get(plan, "Basic"),
                         "displayName": PLAN_NAMES.get(plan, "Basic")},
            }
            shop = ShopState(store=self, domain=domain, record=record, plan=plan)
            self._shops[domain] = shop
            if seed:
                seed_demo_shop(self, domain)
            return shop

    def shop(self, domain: str) -> ShopState:
        """The shop with that domain; raises UnknownShop."""
        shop = self._shops.get(domain)
        if shop is None:
            raise UnknownShop(domain)
        return shop

    def has_shop(self, domain: str) -> bool:
        return domain in self._shops

    def shop_domains(self) -> list[str]:
        return list(self._shops)

    def uninstall_app(self, domain: str) -> None:
        """The merchant removes the app: its webhook subscriptions go, `app/uninstalled` with the
        shop payload is the last event it hears."""
        with self.transaction():
            shop = self.shop(domain)
            shop.installed = False
            shop.webhook_subscriptions.clear()
            shop.emit("app/uninstalled", shop_payload(shop))

    def configure_throttle(self, domain: str | None = None, *, preset: str | None = None,
                           bucket_size: float | None = None,
                           restore_rate: float | None = None) -> ThrottleConfig:
        """Change the leaky bucket of one shop (or all shops): a preset and/or explicit values."""
        plan = self._shops[domain].plan if domain in self._shops else "standard"
        return self.throttles.configure(shop_domain=domain, preset=preset, plan=plan,
                                        bucket_size=bucket_size, restore_rate=restore_rate)

    def bucket(self, domain: str, app_id: str = "default"):
        return self.throttles.bucket(domain, app_id, self.shop(domain).plan)

    # -- bulk results ------------------------------------------------------------------------
    def bulk_result_path(self, op_id) -> str | None:
        """The JSONL file of a finished bulk operation (numeric id or global ID)."""
        return self.bulk_results.path(op_id)

    def bulk_result(self, op_id) -> str | None:
        """The JSONL text of a finished bulk operation (tests; the server streams the file)."""
        path = self.bulk_result_path(op_id)
        if path is None:
            return None
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def wait_bulk(self, op_id, timeout: float = 60.0) -> dict:
        """Wait until a bulk operation's thread is done; returns the operation."""
        number = int(str(op_id).rsplit("/", 1)[-1])
        thread = self.bulk_threads.get(number)
        if thread is not None:
            thread.join(timeout)
        for shop in self._shops.values():
            for operation in shop.bulk_operations.values():
                if operation["_number"] == number:
                    return operation
        raise KeyError(op_id)

    def bulk_result_url(self, op_number: int) -> str:
        return self.bulk_result_url_template.format(op_id=op_number)

    # -- helpers for tests and the demo (same code paths as the GraphQL mutations) ------------
    def create_location(self, domain: str, name: str, **address) -> dict:
        with self.transaction():
            return catalog.create_location(self.shop(domain), name, **address)

    def create_product(self, domain: str, product_input: dict) -> dict:
        """A product from a ProductSetInput-shaped dict (title, productOptions, variants...)."""
        with self.transaction():
            return catalog.product_set(self.shop(domain), product_input)

    def create_customer(self, domain: str, **fields) -> dict:
        with self.transaction():
            return sales.upsert_customer(self.shop(domain), fields)

    def create_order(self, domain: str, *, line_items: list[dict], **fields) -> dict:
        """An order as a storefront checkout would place it (emits orders/create).

        line_items: [{"sku" or "variant_id", "quantity", optional "price"}]; other keywords:
        customer {email, firstName, lastName, phone}, shipping_address (MailingAddressInput
        keys), financial_status (default PAID), inventory_behaviour (default
        DECREMENT_IGNORING_POLICY), email, phone, note, tags, shipping (amount), test, gateway
        (a payment due later, e.g. "Cash on Delivery (COD)").
        """
        with self.transaction():
            return storefront.storefront_order(self.shop(domain), line_items, fields)

    def create_checkout(self, domain: str, *, line_items: list[dict], **fields) -> dict:
        """An abandoned checkout (emits checkouts/create). Same keywords as create_order."""
        with self.transaction():
            return storefront.create_checkout(self.shop(domain), line_items, fields)

    def update_checkout(self, domain: str, checkout_id: str, **fields) -> dict:
        """Change an abandoned checkout's contact or address (emits checkouts/update)."""
        with self.transaction():
            return storefront.update_checkout(self.shop(domain), checkout_id, fields)

    def set_available(self, domain: str, sku: str, location_name: str, quantity: int) -> dict:
        """Set `available` for the variant with that SKU at a named location (a merchant edit)."""
        with self.transaction():
            return catalog.set_available_by_sku(self.shop(domain), sku, location_name, quantity)

    def inventory_quantities(self, domain: str, sku: str) -> dict[str, dict[str, int]]:
        """{location name: {available, on_hand, committed...}} for the variant with that SKU."""
        with self.transaction():
            return catalog.quantities_by_sku(self.shop(domain), sku)
