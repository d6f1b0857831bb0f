"""`python -m standins place-order [--shop S] [--cod] [--city C]`: a buyer places an order in
the running Shopify stand-in (`make run` starts it on port 5001), which sends the app its
`orders/create` webhook; the app's Orders page then shows it going through every step."""
from __future__ import annotations

import argparse
import os
import sys

import requests

from standins.runner import DEMO_SHOP, STAND_IN_PORTS, local_url

TIMEOUT_SECONDS = 10


def place_order(shopify_url: str, shop: str, *, cash_on_delivery: bool,
                city: str | None = None) -> dict:
    """Ask the Shopify stand-in at `shopify_url` to place an order; its answer, or
    RuntimeError saying why not."""
    body = {"cod": cash_on_delivery, **({"city": city} if city else {})}
    try:
        answer = requests.post(f"{shopify_url.rstrip('/')}/standin/shops/{shop}/orders",
                               json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise RuntimeError(f"the Shopify stand-in at {shopify_url} did not answer ({error}); "
                           f"is `make run` running?") from error
    try:
        payload = answer.json()
    except ValueError:
        payload = {}
    if answer.status_code != 201:
        raise RuntimeError(payload.get("error") or f"the stand-in answered {answer.status_code}")
    return payload


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins place-order", description=__doc__)
    parser.add_argument("--shop", default=DEMO_SHOP, help=f"the store (default {DEMO_SHOP})")
    parser.add_argument("--cod", action="store_true",
                        help="cash on delivery (default: paid online)")
    parser.add_argument("--city", help="the buyer's city, e.g. Medellín; a name Dropi does not "
                                       "know makes the order wait for a city pick")
    parser.add_argument("--shopify-url", default=os.environ.get("SHOPIFY_ADMIN_ORIGIN")
                        or local_url(STAND_IN_PORTS["shopify"]),
                        help="the Shopify stand-in (default http://127.0.0.1:5001)")
    args = parser.parse_args(argv)
    shop = args.shop if "." in args.shop else f"{args.shop}.myshopify.com"
    try:
        placed = place_order(args.shopify_url, shop, cash_on_delivery=args.cod, city=args.city)
    except RuntimeError as error:
        print(f"Order not placed: {error}", file=sys.stderr)
        return 1
    payment = "cash on delivery" if placed["cash_on_delivery"] else "paid online"
    print(f"Placed {placed['name']} in {shop}: {placed['product']}, {placed['total']} "
          f"{placed['currency']}, {payment}, to {placed['city']}. Shopify sends the app "
          f"orders/create; follow it on the app's Orders page.")
    return 0
