"""The Sync page: every registered option with its switch, interval, last run, counts and
spending; Run now and Retry queue real runs; the log lists what changed and why something
failed; the panel polls only while a run is going. Spanish and English."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import ShopConfiguration
from app.models.sync import SyncLogEntry, SyncRun, SyncState
from app.services.product_import import import_product
from app.services.sync import registry
from tests.conftest import run_pending_jobs
from tests.factories import find_dropi_product, prefs, text_of


def switch_on(world, **values):
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == world.shop.id))
    for name, value in {"active": True, "get_stock": True, **values}.items():
        setattr(config, name, value)
    db.session.commit()


def stock_row(html: str) -> str:
    return re.search(r'<tr id="sync-option-stock".*?</tr>', html, re.S).group(0)


def runs(world) -> list[SyncRun]:
    return list(db.session.scalars(select(SyncRun).where(SyncRun.shop_id == world.shop.id,
                                                         SyncRun.option == "stock")
                                   .order_by(SyncRun.id)))


def test_the_page_lists_stock_off_with_a_link_to_settings(world):
    response = world.page("/app/sync")
    html = text_of(response)
    assert response.status_code == 200
    row = stock_row(html)
    assert "Stock" in row and "Off" in row and "Turn it on in Settings" in row
    assert "Every 30 minutes" in row and "disabled" in row  # Run now needs the option on
    assert 'hx-trigger="every 2s"' not in html
    assert "/app/sync" in html  # in the app's navigation


def test_run_now_runs_the_sync_and_the_page_shows_counts_and_the_log(world):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = import_product(world.ctx(), raw["id"], prefs()).association
    world.set_dropi_stock(raw["id"], 11, warehouse_id=world.warehouse_id)

    queued = world.htmx("POST", "/app/sync/stock/run")
    assert queued.status_code == 200
    assert json.loads(queued.headers["HX-Trigger"])["toast"]["message"].startswith("Sync queued")
    assert 'hx-trigger="every 2s"' in text_of(queued)  # polls while the run is going
    assert run_pending_jobs() == 1

    polled = world.htmx("GET", "/app/sync")
    assert "sync-ended" in polled.headers["HX-Trigger"]  # the logs load themselves again
    assert 'hx-trigger="every 2s"' not in text_of(polled)
    page = text_of(world.page("/app/sync"))
    row = stock_row(page)
    assert "Finished" in row
    assert re.search(r'data-count="checked">1<.*data-count="changed">1<.*data-count="failed">0<',
                     row, re.S)
    assert re.search(r'data-count="dropi">1<', row)
    assert 'hx-trigger="every 2s"' not in page
    assert association.shopify_title in page and "→ 11" in page
    [run] = runs(world)
    assert run.trigger == "manual" and run.shopify_cost_points > 0


def test_a_failure_shows_its_reason_and_retry_runs_just_that_product(world):
    first, second = [p for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
                     if p["type"] == "SIMPLE" and not p["_private"]
                     and any(r["warehouse_id"] == world.warehouse_id and r["stock"]
                             for r in p["warehouse_product"])][:2]
    switch_on(world)
    gone = import_product(world.ctx(), first["id"], prefs()).association
    import_product(world.ctx(), second["id"], prefs())
    world.dropi_withdraw(first["id"])
    world.htmx("POST", "/app/sync/stock/run")
    run_pending_jobs()

    log = text_of(world.htmx("GET", "/app/sync/stock/log"))
    assert gone.shopify_title in log and f"{first['id']}" in log  # the reason names it
    entry = db.session.scalar(select(SyncLogEntry).where(SyncLogEntry.outcome == "flagged"))

    retried = world.htmx("POST", "/app/sync/stock/retry", data={"entry_id": str(entry.id)})
    assert retried.status_code == 200
    assert run_pending_jobs() == 1
    retry = runs(world)[-1]
    assert retry.trigger == "retry" and retry.entities == [str(gone.id)]
    assert (retry.checked, retry.flagged) == (1, 1)


def test_failures_only_filters_the_log(world):
    switch_on(world)
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs())
    world.set_dropi_stock(raw["id"], 3, warehouse_id=world.warehouse_id)
    world.htmx("POST", "/app/sync/stock/run")
    run_pending_jobs()
    assert "→ 3" in text_of(world.htmx("GET", "/app/sync/stock/log"))
    only_failures = text_of(world.htmx("GET", "/app/sync/stock/log", failures="1"))
    assert "→ 3" not in only_failures and "No failure logged." in only_failures


def test_the_interval_is_saved_and_a_wrong_one_refused(world):
    switch_on(world)
    saved = world.htmx("POST", "/app/sync/stock/interval", data={"interval_minutes": "360"})
    assert saved.status_code == 200 and "selected>Every 6 hours" in text_of(saved)
    assert db.session.scalar(select(SyncState.interval_minutes)) == 360
    refused = world.htmx("POST", "/app/sync/stock/interval", data={"interval_minutes": "7"})
    assert refused.status_code == 422
    assert db.session.scalar(select(SyncState.interval_minutes)) == 360


def test_run_now_is_refused_while_the_connector_is_off(world):
    switch_on(world, active=False)
    refused = world.htmx("POST", "/app/sync/stock/run")
    assert refused.status_code == 409
    assert "Active" in json.loads(refused.headers["HX-Trigger"])["toast"]["message"]
    assert run_pending_jobs() == 0


def test_the_page_speaks_spanish(world):
    switch_on(world)
    html = text_of(world.page("/app/sync", locale="es"))
    row = stock_row(html)
    assert "Inventario" in row and "Cada 30 minutos" in row and "Ejecutar ahora" in row


def test_an_unknown_option_is_a_404(world):
    assert world.page("/app/sync/prices-of-the-moon/log").status_code == 404
    assert world.htmx("POST", "/app/sync/nothing/run").status_code == 404


def option_row(html: str, name: str) -> str:
    return re.search(rf'<tr id="sync-option-{name}".*?</tr>', html, re.S).group(0)


def test_prices_and_products_link_to_the_changes_waiting_for_the_merchant(world):
    html = text_of(world.page("/app/sync"))
    for name in ("prices", "products"):
        row = option_row(html, name)
        assert "/app/sync/prices/pending" in row and "Price changes and Dropi changes" in row
    assert "/app/sync/prices/pending" not in stock_row(html)
    spanish = option_row(text_of(world.page("/app/sync", locale="es")), "products")
    assert "Cambios de precio y cambios en Dropi" in spanish


def test_any_option_that_names_its_review_page_links_to_it(world, monkeypatch):
    registry._discover()
    monkeypatch.setitem(registry._registry, "probe", registry.SyncOption(
        "probe", "Probe", lambda ctx: None, "get_stock", None,
        review_endpoint="products.imported", review_label="Products to look at"))
    row = option_row(text_of(world.page("/app/sync")), "probe")
    assert "/app/products/imported" in row and "Products to look at" in row
