"""Benchmark the order pipeline end to end against the local Shopify, Dropi and Ecomdrop
stand-ins with realistic latency.

A buyer places N cash-on-delivery orders in the simulated store; Shopify's orders/create
webhooks reach the real app over HTTP; its job worker (threads) runs each order's WhatsApp
flow in Ecomdrop, its confirmation (the customer's answer comes back through the callback
when --confirm is given) and its Dropi order. Prints orders per minute from the first order
placed to the last Dropi order made, and the Shopify, Dropi and Ecomdrop API calls per order.

    .venv/bin/python scripts/bench_orders.py --orders 60 --latency-ms 120 --workers 4
    .venv/bin/python scripts/bench_orders.py --orders 30 --confirm

Dropi's client paces itself to 60 requests a minute per integration token (Dropi publishes
no limit and has blocked callers for hours), so one shop's orders per minute are bounded by
the Dropi calls each order needs.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from tests.live_standins import wait_until  # noqa: E402
from tests.order_pipeline_support import (  # noqa: E402
    customers_answer,
    dropi_orders_for,
    dropi_skus,
    new_merchant,
    place_order,
    running_order_stack,
    step_states,
)


class CallCounter:
    """WSGI middleware counting Admin API calls (GraphQL requests) to the Shopify stand-in."""

    def __init__(self, app):
        self.app, self.count, self.lock, self.recording = app, 0, threading.Lock(), False

    def __call__(self, environ, start_response):
        if self.recording and environ.get("PATH_INFO", "").endswith("/graphql.json"):
            with self.lock:
                self.count += 1
        return self.app(environ, start_response)


def api_calls(url: str) -> int:
    calls = requests.get(f"{url}/standin/calls", timeout=10).json()["calls"]
    return sum(1 for c in calls if "/standin/" not in c["path"])


def run(orders: int, latency_ms: int, workers: int, confirm: bool) -> dict:
    latency = latency_ms / 1000
    with tempfile.TemporaryDirectory() as tmp, \
            running_order_stack(Path(tmp), workers=workers, order_retry_seconds="2") as stack:
        domain = new_merchant(stack, products=3)
        if confirm:
            customers_answer(stack, domain, "si", delay_seconds=1.0)
        skus = dropi_skus(stack, domain)
        shopify_calls = CallCounter(stack.shopify.app.wsgi_app)
        stack.shopify.app.wsgi_app = shopify_calls
        stack.shopify.faults(latency_ms=latency_ms)
        requests.post(f"{stack.dropi.url}/standin/faults", json={"latency_seconds": latency},
                      timeout=5)
        requests.post(f"{stack.ecomdrop.url}/standin/faults",
                      json={"latency_seconds": latency}, timeout=5)
        for service in (stack.dropi, stack.ecomdrop):
            requests.delete(f"{service.url}/standin/calls", timeout=5)
        shopify_calls.recording = True

        started = time.monotonic()
        placed = [place_order(stack, domain, [skus[i % len(skus)]]) for i in range(orders)]
        wait_until(lambda: all(dropi_orders_for(stack, o) for o in placed),
                   timeout=60 + orders * 10, interval=0.2)
        elapsed = time.monotonic() - started

        shopify_calls.recording = False
        made = sum(len(dropi_orders_for(stack, o)) for o in placed)
        whatsapp = Counter(step_states(stack, domain, o)["whatsapp"] for o in placed)
        return {"orders": orders, "dropi_orders": made, "seconds": elapsed,
                "per_minute": orders / elapsed * 60, "whatsapp": dict(whatsapp),
                "shopify": shopify_calls.count / orders,
                "dropi": api_calls(stack.dropi.url) / orders,
                "ecomdrop": api_calls(stack.ecomdrop.url) / orders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=120,
                        help="added to every Shopify, Dropi and Ecomdrop API call")
    parser.add_argument("--workers", type=int, default=4, help="job worker threads")
    parser.add_argument("--confirm", action="store_true",
                        help="hold cash-on-delivery orders until the customer answers 'si'")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    result = run(args.orders, args.latency_ms, args.workers, args.confirm)
    mode = "with WhatsApp confirmation" if args.confirm else "sent at once"
    print(f"{result['orders']} cash-on-delivery orders ({mode}), {args.latency_ms} ms per API "
          f"call, {args.workers} worker threads")
    print(f"  Dropi orders made:        {result['dropi_orders']} (one per order expected)")
    print(f"  WhatsApp steps:           {result['whatsapp']}")
    print(f"  time to the last order:   {result['seconds']:.1f} s")
    print(f"  orders per minute:        {result['per_minute']:.1f}")
    print(f"  calls per order:          Shopify {result['shopify']:.2f}, "
          f"Dropi {result['dropi']:.2f}, Ecomdrop {result['ecomdrop']:.2f}")


if __name__ == "__main__":
    main()
