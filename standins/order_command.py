"""What `python -m standins place-order` and `dropi-order` share: one POST asking the running
stand-in to place an order, and the command's run: its `--<stand-in>-url` option, then one
line on stdout and 0, or "Order not placed: why" on stderr and 1."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import requests

from standins.runner import STAND_IN_PORTS, local_url

TIMEOUT_SECONDS = 10


def ask_to_place(base_url: str, path: str, body: dict, *, stand_in: str,
                 error_field: str) -> dict:
    """POST `body` to the stand-in at `base_url` + `path`; its answer when it placed the order
    (201), or RuntimeError with the stand-in's `error_field` or why it could not be asked."""
    try:
        answer = requests.post(f"{base_url.rstrip('/')}{path}", json=body,
                               timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise RuntimeError(f"the {stand_in} stand-in at {base_url} did not answer ({error}); "
                           f"is `make run` running?") from error
    try:
        payload = answer.json()
    except ValueError:
        payload = {}
    if answer.status_code != 201:
        raise RuntimeError(payload.get(error_field)
                           or f"the stand-in answered {answer.status_code}")
    return payload


def run_order_command(parser: argparse.ArgumentParser, argv: list[str],
                      place: Callable[[argparse.Namespace], str], *, stand_in: str,
                      url_default: str | None = None) -> int:
    """Add `--<stand_in>-url` (default: the port `make run` uses) to the command's `parser`,
    parse `argv`, then `place(args)`, which places the order and says what it placed."""
    port_url = local_url(STAND_IN_PORTS[stand_in])
    parser.add_argument(f"--{stand_in}-url", default=url_default or port_url,
                        help=f"the {stand_in.capitalize()} stand-in (default {port_url})")
    args = parser.parse_args(argv)
    try:
        placed = place(args)
    except RuntimeError as error:
        print(f"Order not placed: {error}", file=sys.stderr)
        return 1
    print(placed)
    return 0
