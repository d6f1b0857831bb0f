"""Benchmark the AI agent's tools over HTTP against the local Shopify stand-in.

Starts the Shopify stand-in (its demo shop: products in two warehouses, customers, orders) and
the real app on free ports, sets Shopify's answer latency, then calls every tool through
POST /agent/tools/<actionId> as an agent platform does and prints, per tool, p50 and p95
latency and the Shopify cost points one call spent (from the audit log, which records the
actualQueryCost Shopify reported for each call).

    .venv/bin/python scripts/bench_agent.py --calls 40 --latency-ms 150

Writes are measured twice: the preview (first call) and the confirmed call, which acts once.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import AgentCall  # noqa: E402
from tests.factories import agent_headers, agent_key, install_seeded_shop  # noqa: E402
from tests.live_standins import (running_app, running_shopify_stand_in,  # noqa: E402
                                 stand_in_settings)

SHOP = "bench-agent.myshopify.com"
LAURA = "+573001234567"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def reads(store_shop) -> list[tuple[str, str, dict, str | None]]:
    variant = next(iter(store_shop.variants.values()))
    product = next(iter(store_shop.products.values()))
    return [("get_order", "staff", {"orderId": "#1001"}, None),
            ("get_order (customer)", "customer", {"orderId": "#1001"}, LAURA),
            ("list_orders", "staff", {"first": 50}, None),
            ("list_orders (customer)", "customer", {}, LAURA),
            ("get_product", "staff", {"productId": product["id"]}, None),
            ("list_products", "staff", {"first": 50}, None),
            ("check_inventory", "staff", {"inventoryItemId": variant["_inventory_item"]}, None),
            ("get_customer", "staff", {"customerId": "gid://shopify/Customer/1001"}, None),
            ("search_customers", "staff", {"query": "laura"}, None),
            ("fulfill_order (preview)", "staff", {"orderId": "#1001"}, None),
            ("cancel_order (preview)", "staff", {"orderId": "#1002"}, None)]


def run(calls: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_shopify_stand_in() as shopify:
        settings = stand_in_settings(Path(tmp), shopify=shopify,
                                     agent_rate_limit="100000 per minute", log_level="WARNING")
        with running_app(settings, shopify=shopify) as app:
            with app.app.app_context():
                shop = install_seeded_shop(shopify, SHOP)
                keys = {"staff": agent_key(shop, "staff"), "customer": agent_key(shop, "customer")}
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            shopify.faults(latency_ms=latency_ms)
            plan = reads(shopify.store.shop(SHOP))
            timings: dict[str, list[float]] = {}
            for label, mode, arguments, phone in plan:
                _timed(app.url, label, keys[mode], arguments, phone)  # warm-up, not counted
                for _ in range(calls):
                    timings.setdefault(label, []).append(
                        _timed(app.url, label, keys[mode], arguments, phone))
            for label, arguments in (("fulfill_order (confirmed)", {"orderId": "#1001"}),
                                     ("cancel_order (confirmed)", {"orderId": "#1002"})):
                tool = label.split(" ")[0]
                token = _post(app.url, tool, keys["staff"], arguments).json()["confirmationToken"]
                timings[label] = [_timed(app.url, label, keys["staff"],
                                         {**arguments, "confirmationToken": token}, None)]
            with app.app.app_context():
                logged = list(db.session.scalars(select(AgentCall).order_by(AgentCall.id)))
            _report(plan, timings, logged, calls, latency_ms)


def _post(url, tool, key, arguments, phone=None):
    response = requests.post(f"{url}/agent/tools/{tool}", json=arguments,
                             headers=agent_headers(key, phone), timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"{tool} answered {response.status_code}: {response.text[:300]}")
    return response


def _timed(url, label, key, arguments, phone) -> float:
    started = time.perf_counter()
    _post(url, label.split(" ")[0], key, arguments, phone)
    return (time.perf_counter() - started) * 1000


def _report(plan, timings, logged, calls, latency_ms) -> None:
    # the audit log holds the calls in the order they were made: the plan's, then the writes
    costs: dict[str, list[int]] = {}
    order = [label for label, *_ in plan for _ in range(calls + 1)]
    order += [label for label in timings if label.endswith("(confirmed)") for _ in (0, 1)]
    for label, call in zip(order, logged):
        if call.outcome == "preview" and label.endswith("(confirmed)"):
            continue
        costs.setdefault(label, []).append(call.shopify_cost)
    print(f"Agent tools over HTTP, Shopify stand-in answering in {latency_ms} ms, "
          f"{calls} calls per read tool")
    print(f"{'tool':28} {'calls':>5} {'p50 ms':>8} {'p95 ms':>8} {'cost points/call':>17}")
    for label, values in timings.items():
        spent = costs.get(label) or [0]
        print(f"{label:28} {len(values):5d} {statistics.median(values):8.0f} "
              f"{percentile(values, 0.95):8.0f} {statistics.mean(spent):17.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=150,
                        help="Shopify's answer latency (the Admin API typically answers in "
                             "100-300 ms)")
    options = parser.parse_args()
    run(options.calls, options.latency_ms)
