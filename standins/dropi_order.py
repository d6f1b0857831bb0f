"""`python -m standins dropi-order [--product ID] [--variation ID] [--quantity N] [--price P]
[--origin panel|ecomdrop]`: an order placed in the running Dropi stand-in outside the Shopify
integration (typed in Dropi's panel, or placed by an Ecomdrop flow). With "Create orders on
Shopify" on, the app's next run creates it in the store; follow it on the Orders page."""
from __future__ import annotations

import argparse

from standins.order_command import ask_to_place, run_order_command


def place_dropi_order(dropi_url: str, *, country: str = "CO", origin: str = "panel",
                      product: int | None = None, variation: int | None = None,
                      quantity: int = 1, price: str | None = None) -> dict:
    """Ask the Dropi stand-in at `dropi_url` to place an order outside the integration; the
    order as Dropi lists it, or RuntimeError saying why not."""
    body: dict = {"country": country, "origin": origin}
    if product is not None:
        line = {"id": product, "quantity": quantity}
        if variation is not None:
            line["variation_id"] = variation
        if price is not None:
            line["price"] = price
        body["products"] = [line]
    return ask_to_place(dropi_url, "/standin/orders", body, stand_in="Dropi",
                        error_field="message")


def _place(args: argparse.Namespace) -> str:
    order = place_dropi_order(args.dropi_url, country=args.country.upper(), origin=args.origin,
                              product=args.product, variation=args.variation,
                              quantity=args.quantity, price=args.price)
    lines = ", ".join(f"{d['quantity']} x {d['product']['name']}" for d in order["orderdetails"])
    return (f"Placed Dropi order {order['id']} ({args.origin}): {lines}, {order['total_order']} "
            f"cash on delivery, to {order['city']}. With \"Create orders on Shopify\" on, the "
            f"app's next run creates it in the store.")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins dropi-order", description=__doc__)
    parser.add_argument("--country", default="CO", help="the Dropi country (default CO)")
    parser.add_argument("--origin", choices=("panel", "ecomdrop"), default="panel",
                        help="where the order was placed (default: Dropi's panel)")
    parser.add_argument("--product", type=int, help="Dropi product id (default: the first "
                                                    "public simple product in stock)")
    parser.add_argument("--variation", type=int, help="Dropi variation id, for variable products")
    parser.add_argument("--quantity", type=int, default=1)
    parser.add_argument("--price", help="unit price the customer pays (default: Dropi's)")
    return run_order_command(parser, argv, _place, stand_in="dropi")
