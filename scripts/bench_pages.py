"""Server time of every admin page and fragment, warm, for a shop with 10,000 imported products.

Runs the real app in-process against the Shopify, Dropi and Ecomdrop stand-ins (served over
HTTP on free ports), on SQLite and on PostgreSQL, and times each request from the moment the
app receives it until its answer is complete (no network between client and app), and the CPU
time of the thread running the app (less sensitive to other processes on a shared machine; the
stand-ins answer from other threads). Each page is requested a few times first (warm: caches
filled, statements prepared), then `--repeats` times.

    .venv/bin/python scripts/bench_pages.py
    .venv/bin/python scripts/bench_pages.py --postgresql postgresql://postgres@127.0.0.1:5432/bench_x
"""
from __future__ import annotations

import argparse
import gc
import logging
import math
import os
import warnings
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import cache, db, queue  # noqa: E402
from app.services.product_import import import_product, start_bulk_import  # noqa: E402
from tests.factories import (  # noqa: E402
    build_world,
    find_dropi_product,
    many_imports,
    prefs,
)
from tests.live_standins import (  # noqa: E402
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import reset_database  # noqa: E402

TARGET_MS = 50.0
ASSOCIATIONS = 10_000


def pages(world, ids: dict) -> list[tuple[str, str, str, dict]]:
    """(name, kind, path, query) of every GET page (document load) and fragment (htmx)."""
    dropi_id, association_id, job_id = ids["dropi"], ids["association"], ids["job"]
    return [
        ("home", "page", "/app", {}),
        ("catalog", "page", "/app/products", {}),
        ("catalog search", "htmx", "/app/products", {"q": "set"}),
        ("product detail", "page", f"/app/products/{dropi_id}", {}),
        ("import form", "page", f"/app/products/{dropi_id}/import", {}),
        ("link form", "page", f"/app/products/{dropi_id}/import", {"mode": "link"}),
        ("link search", "htmx", f"/app/products/{dropi_id}/link/search", {"q": "Producto"}),
        ("link mapping", "htmx", f"/app/products/{dropi_id}/link/mapping",
         {"shopify_product_id": ids["shopify_product"]}),
        ("imported", "page", "/app/products/imported", {}),
        ("imported search", "htmx", "/app/products/imported", {"q": "producto 04321"}),
        ("imported page 200", "htmx", "/app/products/imported", {"page": "200"}),
        ("delete confirm", "htmx", f"/app/products/imported/{association_id}/delete", {}),
        ("import job", "htmx", f"/app/products/jobs/{job_id}", {}),
        ("orders", "page", "/app/orders", {}),
        ("orders pulse", "htmx", "/app/orders/pulse", {}),
        ("abandoned checkouts", "page", "/app/orders/abandoned-checkouts", {}),
        ("sync", "page", "/app/sync", {}),
        ("sync log", "htmx", "/app/sync/stock/log", {}),
        ("price approvals", "page", "/app/sync/prices/pending", {}),
        ("dropi carriers", "htmx", "/app/settings/orders/carriers", {}),
        ("settings", "page", "/app/settings", {}),
        ("settings locations", "htmx", "/app/settings/locations", {}),
        ("ecomdrop flows", "htmx", "/app/settings/ecomdrop/flows", {}),
        ("ai agent", "page", "/app/ai-agent", {}),
        ("ai agent faq row", "htmx", "/app/ai-agent/faq-row", {"list": "faq_pre_sale"}),
        ("agent tools", "page", "/app/ai-agent/tools", {}),
        ("agent tools audit", "htmx", "/app/ai-agent/tools/audit", {}),
        ("profile versions", "htmx", "/app/ai-agent/profile/versions", {}),
        ("profile alerts", "htmx", "/app/ai-agent/profile/alerts", {}),
    ]


def prepare(world) -> dict:
    """10,000 imported products plus a few real ones, and a bulk job."""
    many_imports(world.shop.id, ASSOCIATIONS)
    real = find_dropi_product(world, variable=True)
    result = import_product(world.ctx(), real["id"], prefs())
    other = find_dropi_product(world, variable=False)
    job = start_bulk_import(world.settings, world.shop, [str(other["id"])], prefs(),
                            enqueue=lambda *args: None)
    return {"dropi": other["id"], "association": result.association.id, "job": job.id,
            "shopify_product": result.shopify_product_id}


def timed(world, kind: str, path: str, query: dict) -> tuple[float, float, int]:
    """Wall time and the CPU time of the thread that runs the app (the stand-ins answer from
    other threads), in seconds, and the status."""
    request = world.page if kind == "page" else (lambda p, **q: world.htmx("GET", p, **q))
    started, cpu_started = time.perf_counter(), time.thread_time()
    response = request(path, **query)
    return (time.perf_counter() - started, time.thread_time() - cpu_started,
            response.status_code)


def measure(label: str, database_url: str | None, repeats: int, warmup: int) -> list[tuple]:
    with ExitStack() as stack:
        shopify = stack.enter_context(running_shopify_stand_in())
        dropi = stack.enter_context(running_dropi_stand_in())
        ecomdrop = stack.enter_context(running_ecomdrop_stand_in())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        overrides = {"database_url": database_url} if database_url else {}
        settings = stand_in_settings(folder, shopify=shopify, dropi=dropi, ecomdrop=ecomdrop,
                                     log_level="WARNING", **overrides)
        app = create_app(settings)
        with app.app_context():
            db.drop_all()
            db.create_all()
            cache.clear()
            try:
                world = build_world(shopify, dropi, settings, app.test_client())
                ids = prepare(world)
                # As wsgi.py does once the app has started; here it also takes in the stand-ins
                # running in this process, whose objects a production server does not hold.
                gc.collect()
                gc.freeze()
                rows = []
                for name, kind, path, query in pages(world, ids):
                    for _ in range(warmup):
                        timed(world, kind, path, query)
                    samples, cpu, statuses = [], [], set()
                    for _ in range(repeats):
                        seconds, cpu_seconds, status = timed(world, kind, path, query)
                        samples.append(seconds * 1000)
                        cpu.append(cpu_seconds * 1000)
                        statuses.add(status)
                    rows.append((name, kind, path, percentile(samples, 0.5),
                                 percentile(samples, 0.95), percentile(cpu, 0.95), statuses))
                return rows
            finally:
                gc.unfreeze()
                reset_database()
                queue.flush()
                cache.clear()


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at or above `share` of the samples."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(label: str, rows: list[tuple]) -> int:
    print(f"\n{label} ({ASSOCIATIONS:,} imported products), server time in ms "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    print(f"  {'page or fragment':<20} {'kind':<5} {'p50':>7} {'p95':>7} {'cpu p95':>8}  "
          f"status  path")
    over = 0
    for name, kind, path, p50, p95, cpu95, statuses in rows:
        flag = "" if p95 < TARGET_MS else f"  <- over {TARGET_MS:.0f} ms"
        over += p95 >= TARGET_MS
        codes = ",".join(str(s) for s in sorted(statuses))
        print(f"  {name:<20} {kind:<5} {p50:7.1f} {p95:7.1f} {cpu95:8.1f}  {codes:<6}  "
              f"{path}{flag}")
    print(f"  {len(rows) - over} of {len(rows)} under {TARGET_MS:.0f} ms at p95")
    return over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/bench_speed",
                        help="a PostgreSQL database the benchmark may wipe ('' to skip)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", module="jwt")  # the stand-ins' short test secret
    over = report("SQLite", measure("SQLite", None, args.repeats, args.warmup))
    if args.postgresql:
        over += report("PostgreSQL", measure("PostgreSQL", args.postgresql, args.repeats,
                                             args.warmup))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
