"""Benchmark the shipment poll: one shop with N open Dropi orders (2,000 by default), polled
through the Dropi stand-in with its per-token limit set to the client's budget (60 requests a
minute) and a realistic answer time, by the real poll code (poll_shop).

Orders were created over the last 30 days; a share of them (15 % by default) changed status
since yesterday. The first (cold) cycle reads every order changed since the oldest open one;
later cycles read what changed since the day before the last complete cycle, plus the pending
incidents; between the two cycles the carrier moves 5 % of the orders (a guide each).
Prints, for both cycles: Dropi requests, requests per open order, orders updated,
minutes per cycle, the share of the token's budget one cycle takes at a 10-minute cadence, and
whether any request was throttled (429).

    .venv/bin/python scripts/bench_tracking.py --orders 2000 --changed 0.15
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.config import Settings
from app.extensions import db
from app.models import OrderRecord, Shop, ShopConfiguration
from app.services.shipments import poll_shop
from standins.dropi import orders
from standins.dropi.server import DropiStandInConfig, create_dropi_stand_in
from standins.runner import stand_in_environment
from scripts.bench_import import Served, _latency

SHOP = "bench-tracking.myshopify.com"
APP_URL = "http://127.0.0.1:9"
POLL_EVERY_MINUTES = 10
BUDGET_PER_MINUTE = 60  # app.clients.dropi_core.DEFAULT_REQUESTS_PER_MINUTE


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _dropi_orders(dropi_app, count: int, changed: float, now: datetime) -> tuple[str, list]:
    """`count` orders of the first Colombian store, spread over 30 days, `changed` of them
    with a status change since yesterday."""
    stand_in = dropi_app.extensions["dropi_stand_in"]
    token = stand_in.token_for("CO")
    state = stand_in.state
    made = []
    every = max(1, round(1 / changed)) if changed else count + 1
    for index in range(count):
        order_id = state.next_order_id
        state.next_order_id += 1
        created = now - timedelta(days=30) + timedelta(minutes=index * 30 * 24 * 60 / count)
        moved = index % every == 0
        updated = now - timedelta(hours=2) if moved else created + timedelta(hours=1)
        state.orders[order_id] = {
            "id": order_id, "_country": "CO", "status": "EN TRANSITO" if moved else "PENDIENTE",
            "shop_order_id": str(900000 + index), "shipping_company": None,
            "distribution_company_id": None, "shipping_guide": None, "sticker": None,
            "created_at": _iso(created), "updated_at": _iso(updated), "orderdetails": [],
            "history": [], "total_order": "89900", "rate_type": "CON RECAUDO"}
        state.order_owners[order_id] = token
        made.append((order_id, created))
    return token, made


def _carrier_moves(dropi_app, made: list, share: float) -> None:
    """Between two cycles the carrier moves `share` of the orders on (a guide, in transit)."""
    state = dropi_app.extensions["dropi_stand_in"].state
    every = max(1, round(1 / share)) if share else len(made) + 1
    for index, (order_id, _created) in enumerate(made):
        if index % every == 1 % every:
            orders.set_status(state, order_id, "GUIA_GENERADA")


def _app_records(settings, token: str, made: list) -> None:
    shop = Shop(domain=SHOP, access_token="bench", scopes="", api_version="2026-10",
                installed_at=datetime.now(timezone.utc))
    db.session.add(shop)
    db.session.flush()
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=token, dropi_country="CO",
                                     active=True))
    db.session.add_all(OrderRecord(
        shop_id=shop.id, shopify_order_id=str(900000 + index), name=f"#{1000 + index}",
        confirmation_code=f"B{index:07d}", dropi_order_id=order_id, dropi_status="PENDIENTE",
        shopify_created_at=created, lines=[]) for index, (order_id, created) in enumerate(made))
    db.session.commit()


def _cycle(settings, now: datetime) -> tuple[object, float]:
    shop = db.session.scalar(db.select(Shop).where(Shop.domain == SHOP))
    started = time.perf_counter()
    result = poll_shop(settings, shop, now=now)
    return result, time.perf_counter() - started


def run(args) -> None:
    now = datetime.now(timezone.utc)
    dropi_app = create_dropi_stand_in(DropiStandInConfig(
        allowed_urls=(APP_URL,), requests_per_minute=BUDGET_PER_MINUTE))
    dropi = Served(_latency(dropi_app, args.dropi_latency_ms / 1000))
    workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    env = stand_in_environment(APP_URL, "http://127.0.0.1:9", dropi.url, "http://127.0.0.1:9")
    env.update({"INSTANCE_PATH": str(workdir), "DATABASE_URL":
                f"sqlite:///{workdir / 'bench.sqlite3'}", "SECRET_KEY": "bench",
                "QUEUE_NAME": "bench", "LOG_LEVEL": "WARNING"})
    settings = Settings.from_env(env)
    app = create_app(settings)
    try:
        with app.app_context():
            db.create_all()
            token, made = _dropi_orders(dropi_app, args.orders, args.changed, now)
            _app_records(settings, token, made)
            calls_before = len(dropi_app.extensions["dropi_stand_in"].state.calls)
            cold, cold_seconds = _cycle(settings, now)
            _carrier_moves(dropi_app, made, args.moving)
            warm, warm_seconds = _cycle(settings, now + timedelta(minutes=POLL_EVERY_MINUTES))
            calls = dropi_app.extensions["dropi_stand_in"].state.calls[calls_before:]
        throttled = sum(1 for c in calls if c["status"] == 429)
        report(args, [("cold (first) cycle", cold, cold_seconds),
                      ("incremental cycle", warm, warm_seconds)], throttled)
    finally:
        dropi.stop()


def report(args, cycles, throttled: int) -> None:
    print(f"Shipment poll of {args.orders} open Dropi orders for one shop "
          f"({args.changed:.0%} changed since yesterday, {args.moving:.0%} moving between the "
          f"cycles; Dropi answers in "
          f"{args.dropi_latency_ms} ms; token budget {BUDGET_PER_MINUTE} requests/minute)")
    for label, result, seconds in cycles:
        share = result.requests / (BUDGET_PER_MINUTE * POLL_EVERY_MINUTES)
        print(f"  {label}: {result.requests} Dropi requests, "
              f"{result.requests / args.orders:.4f} requests per order, "
              f"{result.orders_updated} orders updated, {seconds / 60:.2f} minutes per cycle, "
              f"{share:.1%} of the token's budget at one cycle every {POLL_EVERY_MINUTES} min"
              f"{'' if result.complete else ' (incomplete: page cap reached)'}")
    print(f"  requests refused by Dropi's limit (429): {throttled}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--changed", type=float, default=0.15)
    parser.add_argument("--moving", type=float, default=0.05,
                        help="share of the orders the carrier moves between the two cycles")
    parser.add_argument("--dropi-latency-ms", type=int, default=300)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
