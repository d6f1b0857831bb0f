"""Benchmarks of the automatic sync, one part per subcommand.

    .venv/bin/python scripts/bench_sync.py mapping --variants 50000

mapping: the Shopify and Dropi stand-ins run in a child process (so their memory is not
counted) with a shop of N variants (products of 5 variants; 90 % carry the Dropi plugin's SKU
`DROPI-{id}-DV{variation}`, 5 % carry it as barcode only, 5 % have SKUs Dropi does not know,
among them --unknown distinct ones). This process runs the item mapping exactly as the sync
option does (bulk query, streamed JSONL, Dropi look-ups, variant links in SQLite) and prints
its peak RSS (getrusage), its processing time once Shopify's file is ready (wall and CPU), the
time spent waiting for the stand-in, and the Shopify cost points used against what paging the
same selection 250 variants at a time costs by Shopify's calculator (the stand-in's, which
follows Shopify's documented rules on the 2026-10 schema).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHOP = "bench-mapping.myshopify.com"
API_KEY, API_SECRET, APP_URL = "bench-key", "bench-secret", "http://127.0.0.1:9"
VARIANTS_PER_PRODUCT = 5
PAGE = 250
PAGED_QUERY = """query($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    nodes { id title sku barcode inventoryItem { id } product { id title } }
    pageInfo { hasNextPage endCursor }
  }
}"""


# --- mapping: the stand-ins' process --------------------------------------------------------

def mapping_standins(args) -> None:
    """Serve both stand-ins with the seeded shop; print where, then wait for stdin to close."""
    from werkzeug.serving import make_server

    from app.config import toml_scopes
    from standins.config import ShopifyStandInConfig
    from standins.dropi.server import DropiStandInConfig, create_dropi_stand_in
    from standins.shopify.server import create_shopify_stand_in

    shopify_app = create_shopify_stand_in(ShopifyStandInConfig(
        api_key=API_KEY, api_secret=API_SECRET, app_url=APP_URL, scopes=toml_scopes(),
        webhooks_enabled=False))
    dropi_app = create_dropi_stand_in(DropiStandInConfig(allowed_urls=(APP_URL,),
                                                         requests_per_minute=100000))
    stand_in = shopify_app.extensions["shopify_stand_in"]
    stand_in.create_shop(SHOP, installed=True)
    token = stand_in.tokens.issue_offline(SHOP, frozenset(toml_scopes().split(",")),
                                          expiring=False)["access_token"]
    started = time.perf_counter()
    _seed(stand_in.store, dropi_app, args.variants, args.unknown)
    seeded = time.perf_counter() - started
    servers = [make_server("127.0.0.1", 0, app, threaded=True) for app in (shopify_app,
                                                                           dropi_app)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({
        "shopify_url": f"http://127.0.0.1:{servers[0].server_port}",
        "dropi_url": f"http://127.0.0.1:{servers[1].server_port}", "token": token,
        "dropi_token": dropi_app.extensions["dropi_stand_in"].token_for("CO"),
        "seed_seconds": round(seeded, 1)}), flush=True)
    sys.stdin.read()


def _seed(store, dropi_app, variants: int, unknown: int) -> None:
    catalog = dropi_app.extensions["dropi_stand_in"].state.catalog("CO")
    dropi_ids = sorted(catalog)
    for number in range(variants // VARIANTS_PER_PRODUCT):
        dropi_id = dropi_ids[number % len(dropi_ids)]
        names = [f"M{n}" for n in range(VARIANTS_PER_PRODUCT)]
        rows = []
        for n, name in enumerate(names):
            position = number * VARIANTS_PER_PRODUCT + n
            code = f"DROPI-{dropi_id}-DV{number * 10 + n}"
            if position % 20 == 18:
                row = {"sku": f"TIENDA-{position}", "barcode": code}
            elif position % 20 == 19:
                row = {"sku": f"PROPIO-{(position // 20) % max(1, unknown)}"}
            else:
                row = {"sku": code}
            rows.append({"optionValues": [{"optionName": "Modelo", "name": name}],
                         "price": "1000", **row})
        store.create_product(SHOP, {
            "title": f"Producto {number}", "status": "ACTIVE",
            "productOptions": [{"name": "Modelo", "values": [{"name": n} for n in names]}],
            "variants": rows})


# --- mapping: this process ------------------------------------------------------------------

def mapping(args) -> None:
    child = subprocess.Popen([sys.executable, __file__, "_mapping-standins", "--variants",
                              str(args.variants), "--unknown", str(args.unknown)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        where = json.loads(child.stdout.readline())
        print(f"stand-ins seeded with {args.variants} variants in {where['seed_seconds']} s "
              "(child process)")
        with tempfile.TemporaryDirectory() as workdir:
            result = _run_mapping(where, Path(workdir))
        _report_mapping(result, args.variants)
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def _run_mapping(where: dict, workdir: Path) -> dict:
    from app import create_app
    from app.config import Settings, toml_scopes
    from app.extensions import db
    from app.models import Shop, ShopConfiguration, VariantLink
    from app.models.types import utcnow
    from app.services.item_mapping.dropi_lookup import DropiLookup
    from app.services.item_mapping.mapping import bulk_query_for, map_catalogue
    from app.models.sync import SyncRun
    from app.services.shopify_session import shopify_client_for
    from app.services.sync import SyncContext, get_option
    from app.clients.dropi import DropiClient
    from standins.runner import stand_in_environment

    env = stand_in_environment(APP_URL, where["shopify_url"], where["dropi_url"],
                               "http://127.0.0.1:9")
    env.update({"SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                "INSTANCE_PATH": str(workdir), "SECRET_KEY": "bench", "QUEUE_NAME": "bench",
                "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}", "LOG_LEVEL": "WARNING",
                "DROPI_REQUESTS_PER_MINUTE": "100000"})
    settings = Settings.from_env(env)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        shop = Shop(domain=SHOP, access_token=where["token"], scopes=toml_scopes(),
                    api_version=settings.shopify_api_version, installed_at=utcnow())
        db.session.add(shop)
        db.session.flush()
        db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=where["dropi_token"],
                                         dropi_country="CO", active=True,
                                         map_existing_products=True))
        db.session.commit()
        waited = {"seconds": 0.0}

        def sleep(seconds: float) -> None:
            waited["seconds"] += seconds
            time.sleep(seconds)

        query = bulk_query_for(shopify_client_for(settings, shop), poll_seconds=(0.25,),
                               sleep=sleep)
        lookup = DropiLookup(DropiClient.for_settings(settings, where["dropi_token"], "CO"))
        # The run's log and counts are written as the sync option writes them.
        run = SyncRun(shop_id=shop.id, option="mapping", trigger="manual")
        db.session.add(run)
        db.session.commit()
        context = SyncContext(settings=settings, shop=shop, configuration=db.session.get(
            ShopConfiguration, 1), option=get_option("mapping"), run=run)
        rss_before = _current_rss_mb()
        started, cpu_start = time.monotonic(), time.process_time()
        report = map_catalogue(shop, query, lookup, country="CO", reporter=context)
        db.session.commit()
        ended, cpu_end = time.monotonic(), time.process_time()
        links = db.session.scalar(db.select(db.func.count(VariantLink.id)))
        entries = (run.changed, run.failed)
    return {"report": report, "total": ended - started, "wait": query.ready_at - started,
            "processing": ended - query.ready_at, "cpu": cpu_end - cpu_start,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "links": links, "polled_sleep": waited["seconds"], "rss_before": rss_before,
            "dropi_wait": lookup.seconds, "entries": entries}


def _current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def paging_cost(variants: int) -> tuple[int, int]:
    """(points, requests) to read `variants` variants with PAGED_QUERY, 250 a page, as Shopify's
    calculator prices each full page (the last page for what it holds)."""
    from graphql import parse
    from graphql.execution.values import get_variable_values

    from standins.shopify.cost import CostCalculator
    from standins.shopify.graphql_api import prepared_schema

    admin = prepared_schema()
    document = parse(PAGED_QUERY)
    operation = document.definitions[0]
    pages, rest = divmod(variants, PAGE)

    def page_cost(size: int) -> int:
        variables = get_variable_values(admin.schema, operation.variable_definitions,
                                        {"first": size})
        return CostCalculator(admin, document, variables).requested(operation)

    points = pages * page_cost(PAGE) + (page_cost(rest) if rest else 0)
    return points, pages + (1 if rest else 0)


def _report_mapping(result: dict, variants: int) -> None:
    report = result["report"]
    paged_points, paged_requests = paging_cost(variants)
    print(f"variants read {report.checked} (lines in the file {report.lines}): linked "
          f"{report.linked}, unmatched {report.missed}, left for the next run {report.deferred}; "
          f"{result['links']} variant links stored; Dropi requests {report.dropi_requests}; "
          f"sync log: {result['entries'][0]} products linked, {result['entries'][1]} variants "
          "unmatched")
    print(f"peak RSS of this process: {result['rss_mb']:.1f} MB (target < 150 MB); "
          f"{result['rss_before']:.1f} MB before the mapping started (the app as the worker "
          f"loads it), so the mapping added {result['rss_mb'] - result['rss_before']:.1f} MB")
    own = result["processing"] - result["dropi_wait"]
    print(f"processing once Shopify's file was ready: {own:.2f} s wall without the "
          f"{result['dropi_wait']:.2f} s spent waiting for Dropi's answers "
          f"({result['processing']:.2f} s with them; target < 10 s); CPU time of the whole call "
          f"{result['cpu']:.2f} s")
    print(f"waiting for the stand-in's bulk query: {result['wait']:.2f} s; total "
          f"{result['total']:.2f} s")
    print(f"Shopify cost: bulk query {report.shopify_points} points; paging "
          f"{PAGE} variants at a time: {paged_points} points in {paged_requests} requests "
          f"(ratio {paged_points / max(1, report.shopify_points):.0f}x; at the standard "
          f"restore rate of 100 points/s that is {paged_points / 100 / 60:.1f} min of bucket)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = parser.add_subparsers(dest="part", required=True)
    mapping_parser = parts.add_parser("mapping", help="item mapping through a bulk query")
    internal = parts.add_parser("_mapping-standins")
    for sub in (mapping_parser, internal):
        sub.add_argument("--variants", type=int, default=50000)
        sub.add_argument("--unknown", type=int, default=100,
                         help="distinct SKUs Dropi does not know")
    args = parser.parse_args(argv)
    if args.part == "mapping":
        mapping(args)
    else:
        mapping_standins(args)


if __name__ == "__main__":
    main()
