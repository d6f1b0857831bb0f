"""Benchmark automatic sync against the local Shopify and Dropi stand-ins.

    .venv/bin/python scripts/bench_sync.py stock [--variants 5000] [--changed 0.05]

stock: a shop with `--variants` associated Dropi variants (their Shopify products made directly
in the stand-in with 0 units at the mapped location, as linked products whose stock was never
synced), then the real "stock" sync option run twice through the sync framework: the first run
writes every quantity, the second after Dropi's stock moved on `--changed` of the products
(the stand-in's drift knob). One Shopify location is fed by every Dropi warehouse, so every
stock move at Dropi is one to write. For each run it prints Shopify requests and cost points, Dropi
requests, the quantities written and the minutes it took here and the minutes it takes at
Dropi's default budget (60 requests a minute) and Shopify's standard bucket (100 points/s)."""
from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select
from werkzeug.serving import make_server

from app import create_app
from app.config import Settings, toml_scopes
from app.extensions import db
from app.models import LocationMapping, ProductAssociation, ShopConfiguration, VariantLink
from app.services.sync import run_option
from standins.config import ShopifyStandInConfig
from standins.dropi import geography
from standins.dropi.catalog import build_catalog
from standins.dropi.drift import drift
from standins.dropi.server import DropiStandInConfig, create_dropi_stand_in
from standins.runner import stand_in_environment
from standins.shopify.server import create_shopify_stand_in
from tests.factories import connect_dropi, install_shop, stocked_location
from tests.live_standins import ShopifyStandInHandle

SHOP = "bench-sync.myshopify.com"
API_KEY, API_SECRET, APP_URL = "bench-key", "bench-secret", "http://127.0.0.1:9"
DROPI_DEFAULT_PER_MINUTE = 60
SHOPIFY_RESTORE_PER_SECOND = 100


@dataclass
class Meter:
    """WSGI middleware in front of the Shopify stand-in: requests, actual cost, and how many
    quantities inventorySetQuantities carried."""

    app: object
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    cost: float = 0.0
    set_calls: int = 0
    quantities: int = 0

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(request)
        body = b"".join(self.app(environ, start_response))
        if environ.get("PATH_INFO", "").endswith("/graphql.json"):
            self._note(request, body)
        return [body]

    def _note(self, request: bytes, body: bytes) -> None:
        try:
            sent, answer = json.loads(request), json.loads(body)
        except ValueError:
            return
        cost = ((answer.get("extensions") or {}).get("cost") or {}).get("actualQueryCost") or 0
        with self.lock:
            self.requests += 1
            self.cost += cost
            if "inventorySetQuantities" in (sent.get("query") or ""):
                self.set_calls += 1
                self.quantities += len(sent["variables"]["input"]["quantities"])

    def reset(self) -> None:
        with self.lock:
            self.requests, self.cost, self.set_calls, self.quantities = 0, 0.0, 0, 0


class Served:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- stock ----------------------------------------------------------------------------------

def stock_bench(args) -> int:
    """Two stock sync runs over `args.variants` associated variants; prints their figures."""
    products_needed = _catalog_size(args.variants)
    shopify_app = create_shopify_stand_in(ShopifyStandInConfig(
        api_key=API_KEY, api_secret=API_SECRET, app_url=APP_URL, scopes=toml_scopes(),
        webhooks_enabled=False, bucket_size=1_000_000, restore_rate=1_000_000))
    meter = Meter(shopify_app)
    dropi_app = create_dropi_stand_in(DropiStandInConfig(
        allowed_urls=(APP_URL,), catalog_sizes={"CO": products_needed}))
    shopify, dropi = Served(meter), Served(dropi_app)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            settings = _settings(Path(workdir), shopify.url, dropi.url)
            app = create_app(settings)
            with app.app_context():
                db.create_all()
                count = _stock_world(shopify_app, dropi_app, args.variants)
                print(f"Stock sync of {count} associated variants ({_association_count()} "
                      "products), one Shopify location fed by every Dropi warehouse")
                _stock_run("first run (every quantity differs)", settings, meter)
                changed = drift(dropi_app.extensions["dropi_stand_in"].state, "CO",
                                stock=args.changed, seed=args.seed)
                _stock_run(f"second run ({len(changed['stock'])} products' stock moved at "
                           f"Dropi, {args.changed:.0%})", settings, meter)
    finally:
        shopify.stop()
        dropi.stop()
        shopify_app.extensions["shopify_stand_in"].webhooks.close()
    return 0


def _catalog_size(variants: int) -> int:
    """How many catalog products hold `variants` public variants (the catalog is seeded)."""
    size = variants // 2
    while True:
        products = build_catalog("CO", size, DropiStandInConfig().seed).values()
        if sum(len(p.get("variations") or [None]) for p in products
               if not p["_private"]) >= variants:
            return size
        size += max(10, size // 20)


def _stock_world(shopify_app, dropi_app, variants: int) -> int:
    """The shop, one location fed by every Dropi warehouse, and `variants` linked variants at
    0 units."""
    handle = ShopifyStandInHandle("", shopify_app)
    shop = install_shop(handle, SHOP, name=None, timezone=None,
                        scopes=frozenset(toml_scopes().split(",")))
    location = stocked_location(handle, SHOP)
    first = connect_dropi(dropi_app, shop, location)
    for warehouse in geography.warehouses("CO"):
        if warehouse.id != first:
            db.session.add(LocationMapping(
                shop_id=shop.id, shopify_location_id=location["id"],
                shopify_location_name=location["name"], dropi_warehouse_id=str(warehouse.id),
                dropi_warehouse_name=warehouse.name))
    config = db.session.scalar(select(ShopConfiguration))
    config.active, config.get_stock = True, True
    db.session.commit()
    catalog = dropi_app.extensions["dropi_stand_in"].state.catalog("CO")
    made = 0
    for raw in sorted(catalog.values(), key=lambda p: p["id"]):
        if made >= variants:
            break
        if raw["_private"]:
            continue
        made += _linked_product(handle.store, shop.id, location["id"], raw)
    db.session.commit()
    return made


def _linked_product(store, shop_id: int, location_id: str, raw: dict) -> int:
    variations = raw.get("variations") or [None]
    values = [f"V{i}" for i in range(len(variations))]
    product = store.create_product(SHOP, {
        "title": raw["name"], "status": "ACTIVE",
        "productOptions": [{"name": "Variante", "values": [{"name": v} for v in values]}],
        "variants": [{"optionValues": [{"optionName": "Variante", "name": v}],
                      "sku": (variation or raw)["sku"],
                      "inventoryQuantities": [{"locationId": location_id, "name": "available",
                                               "quantity": 0}]} for v, variation in
                     zip(values, variations)]})
    shop_state = store.shop(SHOP)
    association_id = db.session.execute(insert(ProductAssociation).values(
        shop_id=shop_id, dropi_product_id=str(raw["id"]), shopify_product_id=product["id"],
        original_dropi_name=raw["name"], shopify_title=raw["name"], dropi_country="CO",
        variant_mappings={"mode": "link", "variants": {}})).inserted_primary_key[0]
    rows = []
    for variant_id, variation in zip(product["_variants"], variations):
        variant = shop_state.variants[variant_id]
        rows.append({"shop_id": shop_id, "association_id": association_id,
                     "dropi_variation_id": "" if variation is None else str(variation["id"]),
                     "shopify_variant_id": variant_id, "shopify_product_id": product["id"],
                     "shopify_inventory_item_id": variant["_inventory_item"],
                     "sku": variant["sku"]})
    db.session.execute(insert(VariantLink), rows)
    return len(rows)


def _association_count() -> int:
    return db.session.query(ProductAssociation).count()


def _stock_run(title: str, settings: Settings, meter: Meter) -> None:
    meter.reset()
    started = time.perf_counter()
    run = run_option(settings, SHOP, "stock", force=True)
    elapsed = time.perf_counter() - started
    dropi_minutes = run.dropi_requests / DROPI_DEFAULT_PER_MINUTE
    shopify_minutes = meter.cost / SHOPIFY_RESTORE_PER_SECOND / 60
    print(f"\n{title}: {run.status}, {run.checked} checked, {run.changed} changed, "
          f"{run.failed} failed, {run.flagged} flagged")
    print(f"  Shopify: {meter.requests} requests, {meter.cost:.0f} cost points "
          f"(the run recorded {run.shopify_requests} requests, {run.shopify_cost_points} "
          f"points); {meter.set_calls} inventorySetQuantities carrying {meter.quantities} "
          f"quantities")
    print(f"  Dropi: {run.dropi_requests} requests")
    print(f"  minutes here (no limits): {elapsed / 60:.2f}; at Dropi's default "
          f"{DROPI_DEFAULT_PER_MINUTE} requests/min: {dropi_minutes:.1f}; Shopify's standard "
          f"bucket alone would need {shopify_minutes:.2f}; per run: "
          f"{max(elapsed / 60, dropi_minutes, shopify_minutes):.1f} minutes")


def _settings(workdir: Path, shopify_url: str, dropi_url: str) -> Settings:
    env = stand_in_environment(APP_URL, shopify_url, dropi_url, "http://127.0.0.1:9")
    env.update({"SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                "INSTANCE_PATH": str(workdir), "DATABASE_URL":
                f"sqlite:///{workdir / 'bench.sqlite3'}", "SECRET_KEY": "bench",
                "QUEUE_NAME": "bench-sync", "LOG_LEVEL": "WARNING",
                "DROPI_REQUESTS_PER_MINUTE": "1000000"})
    return Settings.from_env(env)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts = parser.add_subparsers(dest="part", required=True)
    stock = parts.add_parser("stock", help="stock sync of associated variants")
    stock.add_argument("--variants", type=int, default=5000)
    stock.add_argument("--changed", type=float, default=0.05,
                       help="share of products whose Dropi stock moves before the second run")
    stock.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    if args.part == "stock":
        return stock_bench(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
