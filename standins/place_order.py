"""`python -m standins place-order [--shop S] [--cod] [--city C]`: a buyer places an order in
the running Shopify stand-in (`make run` starts it on port 5001), which sends the app its
`orders/create` webhook; the app's Orders page then shows it going through every step."""
from __future__ import annotations

import argparse
import os

from standins.order_command import ask_to_place, run_order_command
from standins.runner import DEMO_SHOP


def place_order(shopify_url: str, shop: str, *, cash_on_delivery: bool,
                city: str | None = None) -> dict:
    """Ask the Shopify stand-in at `shopify_url` to place an order; its answer, or
    RuntimeError saying why not."""
    body = {"cod": cash_on_delivery, **({"city": city} if city else {})}
    return ask_to_place(shopify_url, f"/standin/shops/{shop}/orders", body, stand_in="Shopify",
                        error_field="error")


def _place(args: argparse.Namespace) -> str:
    shop = args.shop if "." in args.shop else f"{args.shop}.myshopify.com"
    placed = place_order(args.shopify_url, shop, cash_on_delivery=args.cod, city=args.city)
    payment = "cash on delivery" if placed["cash_on_delivery"] else "paid online"
    return (f"Placed {placed['name']} in {shop}: {placed['product']}, {placed['total']} "
            f"{placed['currency']}, {payment}, to {placed['city']}. Shopify sends the app "
            f"orders/create; follow it on the app's Orders page.")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins place-order", description=__doc__)
    parser.add_argument("--shop", default=DEMO_SHOP, help=f"the store (default {DEMO_SHOP})")
    parser.add_argument("--cod", action="store_true",
                        help="cash on delivery (default: paid online)")
    parser.add_argument("--city", help="the buyer's city, e.g. Medellín; a name Dropi does not "
                                       "know makes the order wait for a city pick")
    return run_order_command(parser, argv, _place, stand_in="shopify",
                             url_default=os.environ.get("SHOPIFY_ADMIN_ORIGIN"))
