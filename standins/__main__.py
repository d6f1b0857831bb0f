"""`python -m standins {shopify|dropi|ecomdrop} --port N`: serve one stand-in in its own
process. The Shopify stand-in takes the app's key, secret, URL and scopes from the same
settings the app reads (SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL...).

`python -m standins place-order [--shop S] [--cod] [--city C]` places an order in the running
Shopify stand-in (standins/place_order.py).

`python -m standins dropi-drift --stock 0.05 --prices 0.02 [--url U] [--country co]
[--seed N]` changes stock and prices in the running Dropi stand-in (standins/dropi/drift.py).

`python -m standins demo-connect ...` runs the app's CLI with the demo's commands added; the
product's own `flask` CLI never has them."""
from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

from flask import Flask
from werkzeug.serving import make_server

DEFAULT_PORTS = {"shopify": 5001, "dropi": 5002, "ecomdrop": 5003}
FACTORIES = {
    "dropi": ("standins.dropi.server", "create_dropi_stand_in"),
    "ecomdrop": ("standins.ecomdrop.server", "create_ecomdrop_stand_in"),
}
# Config classes that know how to read the app's settings (e.g. Dropi's demo tokens
# allow-list SHOPIFY_APP_URL); a stand-in without one starts with its own defaults.
CONFIGS = {"dropi": "DropiStandInConfig", "ecomdrop": "EcomdropStandInConfig"}


def build_stand_in(name: str, *, seed: int | None = None, shops: list[str] | None = None) -> Flask:
    """The named stand-in as a Flask app; the Shopify one gets `shops` created and seeded."""
    from app.config import Settings

    settings = Settings.from_env()
    if name == "shopify":
        return _shopify(settings, seed, shops or [])
    module_name, factory = FACTORIES[name]
    module = importlib.import_module(module_name)
    config_class = getattr(module, CONFIGS[name], None)
    if config_class is not None and hasattr(config_class, "from_settings"):
        return getattr(module, factory)(config_class.from_settings(settings))
    return getattr(module, factory)()


def _shopify(settings, seed: int | None, shops: list[str]) -> Flask:
    from standins.config import ShopifyStandInConfig
    from standins.shopify.server import create_shopify_stand_in

    config = ShopifyStandInConfig.from_settings(settings, seed=seed)
    app = create_shopify_stand_in(config)
    for shop in shops:
        app.extensions["shopify_stand_in"].create_shop(shop, seed=True)
    return app


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "place-order":
        from standins.place_order import main as place_order_main

        return place_order_main(argv[1:])
    if argv and argv[0] == "dropi-drift":
        return _drift(argv[1:])
    if argv and argv[0] not in DEFAULT_PORTS and not argv[0].startswith("-"):
        return _app_command(argv)
    parser = argparse.ArgumentParser(prog="python -m standins", description=__doc__)
    parser.add_argument("name", choices=sorted(DEFAULT_PORTS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--seed", type=int, help="Shopify only: random seed of the fault knobs")
    parser.add_argument("--shop", action="append", default=[],
                        help="Shopify only: create and seed this shop (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"[{args.name}] %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the demo
    app = build_stand_in(args.name, seed=args.seed, shops=args.shop)
    port = args.port or DEFAULT_PORTS[args.name]
    # A busy port makes werkzeug say so and exit with status 1.
    server = make_server(args.host, port, app, threaded=True)
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"{args.name} stand-in listening on http://{args.host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _drift(argv: list[str]) -> int:
    """Ask the running Dropi stand-in to move stock and prices; prints what changed."""
    import requests

    parser = argparse.ArgumentParser(prog="python -m standins dropi-drift")
    parser.add_argument("--url", default=f"http://127.0.0.1:{DEFAULT_PORTS['dropi']}")
    parser.add_argument("--country", default="co")
    parser.add_argument("--stock", type=float, default=0.05,
                        help="share of products whose stock changes (0-1)")
    parser.add_argument("--prices", type=float, default=0.0,
                        help="share of products whose price changes (0-1)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    response = requests.post(f"{args.url.rstrip('/')}/standin/drift", timeout=30, json={
        "country": args.country, "stock": args.stock, "prices": args.prices, "seed": args.seed})
    response.raise_for_status()
    changed = response.json()
    print(f"stock changed on {len(changed['stock'])} products, prices on "
          f"{len(changed['prices'])} products", flush=True)
    return 0


def _app_command(argv: list[str]) -> int:
    """`python -m standins dropi-drift --stock 0.05 --prices 0.02 [--url U] [--country co]
[--seed N]` changes stock and prices in the running Dropi stand-in (standins/dropi/drift.py).

`python -m standins demo-connect ...`: the app's Flask CLI with the demo commands."""
    from flask.cli import FlaskGroup

    from standins.demo import create_app_with_demo_commands

    group = FlaskGroup(create_app=create_app_with_demo_commands, add_default_commands=False)
    return group.main(args=argv, prog_name="python -m standins", standalone_mode=True) or 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
