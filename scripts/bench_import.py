"""Benchmark the bulk import against the local Shopify and Dropi stand-ins.

Runs the real job code (process_import_job: thread pool, shared Shopify throttle, Dropi budget)
on N Dropi products, with the stand-ins started in-process on free ports, Shopify's latency
knob and leaky bucket set, and prints products per second achieved, products per second
Shopify's bucket allows for the same operations, and their ratio.

    .venv/bin/python scripts/bench_import.py --products 150 --buckets 1000/50,2000/100

Allowed rate: every Shopify answer's extensions.cost.actualQueryCost is summed (C points for
N products, c = C/N). In T seconds the bucket can give B0 + r*T points (B0 = points available
when the job starts, r = restore rate), i.e. (B0 + r*T)/c products, so
allowed = (B0 + r*T) / (c*T) products/s and ratio = achieved / allowed = C / (B0 + r*T).
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server

from app import create_app
from app.config import Settings, toml_scopes
from app.extensions import db
from app.models import Shop
from standins.runner import stand_in_environment
from standins.config import ShopifyStandInConfig
from standins.dropi.server import DropiStandInConfig, create_dropi_stand_in
from standins.shopify.server import create_shopify_stand_in
from app.services.product_import import (
    ImportPreferences,
    job_progress,
    process_import_job,
    start_bulk_import,
)
from tests.factories import connect_dropi, install_shop, stocked_location
from tests.live_standins import ShopifyStandInHandle

SHOP = "bench-store.myshopify.com"
API_KEY, API_SECRET, APP_URL = "bench-key", "bench-secret", "http://127.0.0.1:9"
THROTTLE_WORDS = ("too many requests", "throttl")
OPERATION_NAME = re.compile(r"(?:query|mutation)\s+(\w+)")


@dataclass
class ShopifyMeter:
    """WSGI middleware in front of the Shopify stand-in: sums the actual cost Shopify reports
    and counts THROTTLED answers (the client retries them; none may reach a job result)."""

    app: object
    lock: threading.Lock = field(default_factory=threading.Lock)
    cost: float = 0.0
    requests: int = 0
    throttled: int = 0
    recording: bool = False
    operations: dict = field(default_factory=dict)

    def __call__(self, environ, start_response):
        graphql = environ.get("PATH_INFO", "").endswith("/graphql.json")
        if self.recording and graphql:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(request)
        body = b"".join(self.app(environ, start_response))
        if self.recording and graphql:
            self._note(request, body)
        return [body]

    def _note(self, request: bytes, body: bytes) -> None:
        try:
            payload = json.loads(body)
            query = json.loads(request).get("query") or ""
        except ValueError:
            return
        operation = OPERATION_NAME.search(query)
        name = operation.group(1) if operation else "?"
        with self.lock:
            self.operations[name] = self.operations.get(name, 0) + 1
        cost = (payload.get("extensions") or {}).get("cost") or {}
        codes = {(e.get("extensions") or {}).get("code") for e in payload.get("errors") or []
                 if isinstance(e, dict)}
        with self.lock:
            self.requests += 1
            self.cost += cost.get("actualQueryCost") or 0
            self.throttled += "THROTTLED" in codes


def _latency(app, seconds: float):
    def delayed(environ, start_response):
        time.sleep(seconds)
        return app(environ, start_response)
    return delayed


class Served:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_once(args, bucket: tuple[float, float], workdir: Path) -> dict:
    size, rate = bucket
    shopify_app = create_shopify_stand_in(ShopifyStandInConfig(
        api_key=API_KEY, api_secret=API_SECRET, app_url=APP_URL, scopes=toml_scopes(),
        bucket_size=int(size), restore_rate=int(rate), webhooks_enabled=False))
    stand_in = shopify_app.extensions["shopify_stand_in"]
    meter = ShopifyMeter(shopify_app)
    dropi_app = create_dropi_stand_in(DropiStandInConfig(
        allowed_urls=(APP_URL,), catalog_sizes={"CO": args.products + 40},
        requests_per_minute=args.dropi_rpm))
    shopify, dropi = Served(meter), Served(_latency(dropi_app, args.dropi_latency_ms / 1000))
    try:
        stand_in.faults.configure({"latency_ms": args.latency_ms})
        settings = _settings(workdir, shopify.url, dropi.url)
        app = create_app(settings)
        with app.app_context():
            db.create_all()
            job_id = _prepare(settings, shopify_app, dropi_app, args.products)
            start_points = stand_in.store.bucket(SHOP).status()["currentlyAvailable"]
            meter.recording = True
            started = time.perf_counter()
            process_import_job(settings, job_id, app_context=app.app_context,
                               workers=args.workers, dropi_requests_per_minute=args.dropi_rpm)
            elapsed = time.perf_counter() - started
            meter.recording = False
            progress = job_progress(_shop_id(), job_id)
            throttled_results = sum(1 for i in progress.items if i.error and any(
                w in i.error.lower() for w in THROTTLE_WORDS))
        return {"size": size, "rate": rate, "elapsed": elapsed, "done": progress.succeeded,
                "failed": progress.failed, "cost": meter.cost, "requests": meter.requests,
                "throttled": meter.throttled, "throttled_results": throttled_results,
                "start_points": start_points, "operations": meter.operations}
    finally:
        shopify.stop()
        dropi.stop()
        stand_in.webhooks.close()


def _settings(workdir: Path, shopify_url: str, dropi_url: str) -> Settings:
    env = stand_in_environment(APP_URL, shopify_url, dropi_url, "http://127.0.0.1:9")
    env.update({"SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                "INSTANCE_PATH": str(workdir), "DATABASE_URL":
                f"sqlite:///{workdir / 'bench.sqlite3'}", "SECRET_KEY": "bench",
                "QUEUE_NAME": "bench", "LOG_LEVEL": "WARNING"})
    return Settings.from_env(env)


def _prepare(settings, shopify_app, dropi_app, count: int) -> int:
    shopify = ShopifyStandInHandle("", shopify_app)
    shop = install_shop(shopify, SHOP, name=None, timezone=None,
                        scopes=frozenset(toml_scopes().split(",")),
                        api_version=settings.shopify_api_version)
    connect_dropi(dropi_app, shop, stocked_location(shopify, SHOP))
    catalog = dropi_app.extensions["dropi_stand_in"].state.catalog("CO")
    ids = [str(p["id"]) for p in sorted(catalog.values(), key=lambda p: p["id"])
           if not p["_private"]][:count]
    prefs = ImportPreferences(price_rule="cost*1.8", compare_at_rule="price*1.3",
                              price_ending="900", import_images=True, status="ACTIVE")
    job = start_bulk_import(settings, shop, ids, prefs, enqueue=lambda *a: None)
    return job.id


def _shop_id() -> int:
    return db.session.query(Shop.id).filter_by(domain=SHOP).scalar()


def report(result: dict, args) -> float:
    elapsed, done, cost = result["elapsed"], result["done"], result["cost"]
    per_product = cost / max(1, done)
    available = result["start_points"] + result["rate"] * elapsed
    achieved = done / elapsed
    allowed = available / per_product / elapsed
    ratio = achieved / allowed
    print(f"\nBucket {result['size']:.0f} points, restore {result['rate']:.0f}/s:")
    print(f"  imported {done} products ({result['failed']} failed) in {elapsed:.1f} s "
          f"= {achieved:.2f} products/s")
    print(f"  Shopify actual cost: {cost:.0f} points in {result['requests']} requests "
          f"= {per_product:.1f} points/product, {result['requests'] / max(1, done):.2f} "
          f"requests/product")
    print("  requests by operation: " + ", ".join(
        f"{name} {count}" for name, count in sorted(result["operations"].items())))
    print(f"  allowed = (B0 {result['start_points']} + r {result['rate']:.0f}/s x T "
          f"{elapsed:.1f} s) / c {per_product:.1f} / T = {allowed:.2f} products/s "
          f"(steady state r/c = {result['rate'] / per_product:.2f})")
    print(f"  ratio achieved/allowed = {ratio:.3f}  (target >= 0.9)")
    print(f"  THROTTLED answers absorbed by the client: {result['throttled']}; "
          f"THROTTLED errors in job results: {result['throttled_results']}")
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=150)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=75, help="Shopify stand-in latency")
    parser.add_argument("--dropi-latency-ms", type=int, default=100)
    parser.add_argument("--dropi-rpm", type=int, default=1200,
                        help="Dropi requests/minute: the client budget and the stand-in limit")
    parser.add_argument("--buckets", default="1000/50,2000/100",
                        help="comma-separated size/restore-rate pairs")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    buckets = [tuple(float(x) for x in pair.split("/")) for pair in args.buckets.split(",")]
    print(f"Bulk import of {args.products} Dropi products, {args.workers} workers, Shopify "
          f"latency {args.latency_ms} ms, Dropi latency {args.dropi_latency_ms} ms, Dropi "
          f"budget {args.dropi_rpm} requests/min")
    ratios = []
    for bucket in buckets:
        with tempfile.TemporaryDirectory() as workdir:
            ratios.append(report(run_once(args, bucket, Path(workdir)), args))
    return 0 if all(r >= 0.9 for r in ratios) else 1


if __name__ == "__main__":
    sys.exit(main())
