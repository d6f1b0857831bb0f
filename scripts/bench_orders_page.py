"""Measure the Orders page with many orders: for the list (first page and a filtered page), an
order's detail and the pulse the list polls while an order moves, print the median answer time
and the SQL statements each answer runs.

    .venv/bin/python scripts/bench_orders_page.py --orders 1000 --requests 20

Orders are recorded through the pipeline's own record_order (SQLite in a temporary folder, or
DATABASE_URL); requests go through the app with real session tokens.
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

from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.models import Shop, ShopConfiguration, StepState
from app.models.types import utcnow
from app.services.order_pipeline import record_order
from tests.factories import shopify_order_payload
from tests.support import htmx_headers, make_settings, mint_session_token

SHOP = "bench-orders.myshopify.com"


def record_orders(shop: Shop, count: int) -> list[int]:
    ids = []
    for n in range(count):
        order, _new = record_order(shop, shopify_order_payload(
            10_000 + n, first_name=f"Cliente{n}", phone=f"+57300{n:07d}"))
        for step in order.steps:  # most orders done, some failed, a few still moving
            step.state = (StepState.FAILED if n % 17 == 0 else
                          StepState.PENDING if n % 50 == 0 else StepState.DONE)
        order.needs_attention = n % 17 == 0
        ids.append(order.id)
    db.session.commit()
    return ids


def measure(client, url: str, requests: int, statements: list[int]) -> tuple[float, float]:
    """(median ms, statements per answer) of GET url as an htmx request."""
    timings, counts = [], []
    for _ in range(requests):
        headers = htmx_headers(mint_session_token(SHOP))
        before = len(statements)
        started = time.perf_counter()
        answer = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        counts.append(len(statements) - before)
        assert answer.status_code in (200, 286), (url, answer.status_code)
    return statistics.median(timings), statistics.median(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(make_settings(Path(folder)))
        with app.app_context():
            db.create_all()
            shop = Shop(domain=SHOP, access_token="shpat_bench", scopes="read_orders",
                        api_version="2026-10", name="Bench", currency="COP",
                        installed_at=utcnow())
            db.session.add(shop)
            db.session.flush()
            db.session.add(ShopConfiguration(shop_id=shop.id, active=True))
            db.session.commit()
            started = time.perf_counter()
            ids = record_orders(shop, args.orders)
            recorded = time.perf_counter() - started
            statements: list[int] = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a, **k: statements.append(1))
        # Each request below opens its own application context and session, as in production.
        client = app.test_client()
        base = f"?shop={SHOP}&embedded=1&locale=en"
        pages = {
            "list, first page": f"/app/orders{base}",
            "list, needs attention": f"/app/orders{base}&attention=1",
            "list, Dropi failed": f"/app/orders{base}&step=dropi&state=failed",
            "list, search": f"/app/orders{base}&q=Cliente{args.orders - 1}",
            "detail": f"/app/orders/{ids[0]}{base}",
            "pulse (25 orders)": f"/app/orders/pulse{base}&ids="
                                 + ",".join(str(i) for i in ids[-25:]) + "&seen=x",
        }
        print(f"{args.orders} orders recorded in {recorded:.1f} s "
              f"({args.orders / recorded:.0f} per second)")
        for label, url in pages.items():
            median_ms, per_answer = measure(client, url, args.requests, statements)
            print(f"{label:24} {median_ms:7.1f} ms median, {per_answer:4.0f} SQL statements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
