"""Benchmark the agent profile's tools and bot field against the local Shopify and Ecomdrop
stand-ins with realistic latency, through the real tool runner and services.

Prints p50/p95 latency and Shopify cost points per `get_store_profile` call, p50/p95 per
`notify_merchant` alert (find the contact, set its field, run the flow), and how many times
the bot field was written when one change meets several concurrent writers.

    .venv/bin/python scripts/bench_agent_profile.py --calls 40 --shopify-latency-ms 75 \
        --ecomdrop-latency-ms 120 --writers 5
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

from flask_babel import force_locale  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import cache, db  # noqa: E402
from app.services.agent_profile import (  # noqa: E402
    WriteResult,
    choose_alert_flow,
    choose_profile_field,
    write_profile_field,
)
from app.services.agent_profile.notify import ALERTS_PER_HOUR  # noqa: E402
from app.services.agent_tools import CallerContext  # noqa: E402
from app.services.agent_tools.callers import caller_for_key  # noqa: E402
from app.services.agent_tools.keys import issue_key  # noqa: E402
from app.services.agent_tools.runner import run_tool  # noqa: E402
from app.services.ai_configuration import (  # noqa: E402
    NOTIFICATION_TYPES,
    AgentSettings,
    FaqEntry,
    NotificationContact,
    save_agent_settings,
)
from standins.ecomdrop.server import EcomdropStandInConfig  # noqa: E402
from tests.factories import PROFILE_FIELD_ID, build_profile_world  # noqa: E402
from tests.live_standins import (  # noqa: E402
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def caller(world, key) -> CallerContext:
    """A customer-mode caller as the /agent endpoint builds it (cost points counted)."""
    return caller_for_key(world.settings, key, customer_phone="+573104445566")


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def bench_profile(world, key, calls: int) -> None:
    latencies, costs = [], []
    for _ in range(calls):
        context = caller(world, key)
        elapsed, result = timed(lambda: run_tool(context, "get_store_profile", {}))
        assert result.status == 200, result.body
        latencies.append(elapsed)
        costs.append(context.shopify_cost)
    p50, p95 = percentiles(latencies)
    print(f"get_store_profile: {calls} calls, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"Shopify cost {statistics.mean(costs):.1f} points per call")


def bench_alerts(world, key, calls: int) -> None:
    latencies = []
    kinds = list(NOTIFICATION_TYPES)
    for number in range(calls):
        arguments = {"type": kinds[number % len(kinds)], "message": f"Alerta {number}"}
        elapsed, result = timed(lambda: run_tool(caller(world, key), "notify_merchant", arguments))
        assert result.status == 200, result.body
        latencies.append(elapsed)
    p50, p95 = percentiles(latencies)
    runs = len(world.ecomdrop_account()["flow_runs"])
    print(f"notify_merchant: {calls} alerts, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"{runs} flow runs in Ecomdrop")


def bench_bot_field(world, writers: int) -> None:
    choose_profile_field(world.clients, world.shop, str(PROFILE_FIELD_ID))
    save_agent_settings(world.shop, AgentSettings(agent_name="Andrés", company_name="ClickShop"))
    before = len(world.ecomdrop_calls(method="POST", path_part="bot_fields"))
    started = time.perf_counter()
    results = world.at_once(lambda shop: write_profile_field(world.clients, shop).result,
                            copies=writers)
    elapsed = (time.perf_counter() - started) * 1000
    writes = len(world.ecomdrop_calls(method="POST", path_part="bot_fields")) - before
    print(f"bot field: 1 change, {writers} concurrent writers -> {writes} write(s) to Ecomdrop "
          f"({results.count(WriteResult.WRITTEN)} written, "
          f"{results.count(WriteResult.BUSY)} saw another writer busy) in {elapsed:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--shopify-latency-ms", type=int, default=75)
    parser.add_argument("--ecomdrop-latency-ms", type=int, default=120)
    parser.add_argument("--writers", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    ecomdrop_config = EcomdropStandInConfig(latency_seconds=args.ecomdrop_latency_ms / 1000)
    with tempfile.TemporaryDirectory() as instance, running_shopify_stand_in() as shopify, \
            running_ecomdrop_stand_in(ecomdrop_config) as ecomdrop:
        shopify.stand_in.faults.configure({"latency_ms": args.shopify_latency_ms})
        settings = stand_in_settings(Path(instance), shopify=shopify, ecomdrop=ecomdrop)
        app = create_app(settings)
        with app.app_context(), force_locale("es"):
            db.create_all()
            world = build_profile_world(shopify, ecomdrop.url, settings, app.test_client())
            save_agent_settings(world.shop, AgentSettings(
                agent_name="Sofía", company_name="ClickShop", payment_methods="Contra entrega",
                faq_pre_sale=[FaqEntry("¿Hacen envíos?", "Sí")],
                notifications={kind: NotificationContact("Ana", "+573001112233")
                               for kind in NOTIFICATION_TYPES}))
            flow = next(f for f in world.ecomdrop_account()["flows"] if f["name"] == "Alertas")
            choose_alert_flow(world.clients, world.shop, str(flow["id"]), cache)
            print(f"Shopify latency {args.shopify_latency_ms} ms, Ecomdrop latency "
                  f"{args.ecomdrop_latency_ms} ms")
            key = issue_key(world.shop, label="bench", mode="customer", user_id=None).key
            bench_profile(world, key, args.calls)
            bench_alerts(world, key, min(args.calls, ALERTS_PER_HOUR * len(NOTIFICATION_TYPES)))
            bench_bot_field(world, args.writers)


if __name__ == "__main__":
    main()
