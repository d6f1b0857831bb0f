"""Stock sync end to end, against the Shopify and Dropi stand-ins over HTTP: Dropi's stock
changes reach Shopify on the next run, only changed quantities are written (one mutation per
batch), each product's out-of-stock policy, a product Dropi no longer shows is flagged and not
zeroed, a conflicting sale is retried once, a dead worker's run resumes without writing twice,
and Active off stops everything."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import ProductAssociation, ShopConfiguration
from app.models.sync import (RUN_FAILED, RUN_INTERRUPTED, RUN_PARTIAL, RUN_RUNNING, RUN_STOPPED,
                             RUN_SUCCEEDED, SyncLogEntry, SyncRun)
from app.models.types import utcnow
from app.services.product_import import import_product
from app.services.sync import context as sync_context
from app.services.sync import due_runs, run_option, state_for
from app.services.sync.registry import get_option
from tests.factories import find_dropi_product, prefs, warehouse_units

STOCK = "stock"


def switch_on(world, **values) -> None:
    config = db.session.scalar(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == world.shop.id))
    for name, value in {"active": True, "get_stock": True, **values}.items():
        setattr(config, name, value)
    db.session.commit()


def imported(world, raw: dict, **preferences) -> ProductAssociation:
    result = import_product(world.ctx(), raw["id"], prefs(**preferences))
    assert result.ok, result.error_text
    return result.association


def run_stock(world) -> SyncRun:
    return run_option(world.settings, world.domain, STOCK, force=True)


def stock_writes(world) -> list[list[dict]]:
    """The quantities of every inventorySetQuantities the Shopify stand-in took, in order."""
    return [[{"item": c["item"]["id"], "location": c["location"]["id"],
              "after": c["quantityAfterChange"]} for c in group["_changes"]
             if c["name"] == "available"]
            for group in world.store_shop.adjustment_groups.values()]


def variant_by_sku(world, association, sku: str) -> dict:
    return next(v for v in world.variants_of(association.shopify_product_id) if v["sku"] == sku)


def log_entries(world, outcome: str | None = None) -> list[SyncLogEntry]:
    query = select(SyncLogEntry).where(SyncLogEntry.shop_id == world.shop.id)
    if outcome:
        query = query.where(SyncLogEntry.outcome == outcome)
    return list(db.session.scalars(query.order_by(SyncLogEntry.id)))


@pytest.fixture
def two_products(world):
    """A simple and a variable product imported (active), Get stock on."""
    simple = find_dropi_product(world, variable=False)
    variable = find_dropi_product(world, variable=True, min_variations=3)
    switch_on(world)
    return (simple, imported(world, simple, status="ACTIVE"),
            variable, imported(world, variable, status="ACTIVE"))


def test_a_stock_change_at_dropi_reaches_shopify_and_only_it_is_written(world, two_products):
    simple, simple_link, variable, variable_link = two_products
    changed = next(v for v in variable["variations"] if any(
        r["warehouse_id"] == world.warehouse_id and r["stock"] != 7
        for r in v["warehouse_product_variation"]))
    world.set_dropi_stock(variable["id"], 7, warehouse_id=world.warehouse_id,
                          variation_id=changed["id"])
    before = len(world.store_shop.adjustment_groups)

    run = run_stock(world)

    assert (run.status, run.checked, run.changed, run.failed) == (RUN_SUCCEEDED, 2, 1, 0)
    variant = variant_by_sku(world, variable_link, changed["sku"])
    assert world.available(variant) == 7
    writes = stock_writes(world)[before:]
    assert writes == [[{"item": variant["_inventory_item"], "location": world.location_id,
                        "after": 7}]]
    [entry] = log_entries(world, "changed")
    assert entry.entity_id == str(variable_link.id) and "→ 7" in entry.reason
    assert run.dropi_requests == 2 and run.shopify_cost_points > 0

    again = run_stock(world)
    assert (again.checked, again.changed) == (2, 0)
    assert len(world.store_shop.adjustment_groups) == before + 1  # nothing written twice


def test_many_changes_go_in_one_mutation(world, two_products):
    _simple, _s, variable, variable_link = two_products
    rows = [v for v in variable["variations"] if any(
        r["warehouse_id"] == world.warehouse_id for r in v["warehouse_product_variation"])]
    for number, variation in enumerate(rows, start=1):
        world.set_dropi_stock(variable["id"], 40 + number, warehouse_id=world.warehouse_id,
                              variation_id=variation["id"])
    before = len(world.store_shop.adjustment_groups)
    run_stock(world)
    writes = stock_writes(world)[before:]
    assert len(writes) == 1 and len(writes[0]) == len(rows)
    for number, variation in enumerate(rows, start=1):
        assert world.available(variant_by_sku(world, variable_link, variation["sku"])) == \
            40 + number


def _sell_out(world, raw: dict) -> None:
    world.set_dropi_stock(raw["id"], 0, warehouse_id=world.warehouse_id)


@pytest.mark.parametrize("policy", ["zero", "draft", "continue"])
def test_out_of_stock_policies(world, policy):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = imported(world, raw, status="ACTIVE")
    association.out_of_stock_policy = policy
    db.session.commit()
    product = world.store_shop.products[association.shopify_product_id]
    [variant] = world.variants_of(product["id"])

    _sell_out(world, raw)
    run_stock(world)

    assert world.available(variant) == 0
    assert product["status"] == ("DRAFT" if policy == "draft" else "ACTIVE")
    assert variant["inventoryPolicy"] == ("CONTINUE" if policy == "continue" else "DENY")

    world.set_dropi_stock(raw["id"], 9, warehouse_id=world.warehouse_id)
    run_stock(world)
    assert world.available(variant) == 9
    assert product["status"] == "ACTIVE" and variant["inventoryPolicy"] == "DENY"


def test_a_product_that_was_already_draft_stays_draft_when_stock_returns(world):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = imported(world, raw, status="DRAFT")
    association.out_of_stock_policy = "draft"
    db.session.commit()
    product = world.store_shop.products[association.shopify_product_id]
    _sell_out(world, raw)
    run_stock(world)
    world.set_dropi_stock(raw["id"], 4, warehouse_id=world.warehouse_id)
    run_stock(world)
    assert product["status"] == "DRAFT"


@pytest.mark.parametrize("reason", ["deleted", "private"])
def test_a_product_dropi_no_longer_shows_is_flagged_not_zeroed(world, reason):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = imported(world, raw, status="ACTIVE")
    [variant] = world.variants_of(association.shopify_product_id)
    units = world.available(variant)
    assert units
    world.dropi_withdraw(raw["id"], reason)

    run = run_stock(world)

    assert (run.status, run.flagged, run.failed) == (RUN_SUCCEEDED, 1, 0)
    assert world.available(variant) == units
    [flag] = log_entries(world, "flagged")
    assert str(raw["id"]) in flag.reason and "quedó como estaba" in flag.reason  # Spanish


class SaleDuringWrite:
    """WSGI middleware on the Shopify stand-in: just before the next `times`
    inventorySetQuantities, a customer buys one unit of the first item it names."""

    def __init__(self, world, times: int) -> None:
        self.world, self.times, self.app = world, times, world.shopify.app.wsgi_app

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.times and b"inventorySetQuantities" in body:
            self.times -= 1
            quantities = json.loads(body)["variables"]["input"]["quantities"]
            level = self.world.store_shop.levels[(quantities[0]["inventoryItemId"],
                                                  quantities[0]["locationId"])]
            level["_q"]["available"] -= 1
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


@pytest.mark.parametrize("sales, status", [(1, RUN_SUCCEEDED), (2, RUN_PARTIAL)])
def test_a_sale_between_read_and_write_is_read_again_once(world, sales, status):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = imported(world, raw)
    [variant] = world.variants_of(association.shopify_product_id)
    world.set_dropi_stock(raw["id"], 25, warehouse_id=world.warehouse_id)
    world.shopify.app.wsgi_app = SaleDuringWrite(world, sales)

    run = run_stock(world)

    assert run.status == status
    if sales == 1:
        assert world.available(variant) == 25
    else:
        [failure] = log_entries(world, "failed")
        assert "cambió el inventario de este producto en Shopify" in failure.reason
        assert world.available(variant) != 25


def test_a_dead_workers_run_resumes_without_writing_twice(world):
    raws = [find_dropi_product(world, variable=False)]
    raws += [p for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
             if p["type"] == "SIMPLE" and not p["_private"] and p["id"] != raws[0]["id"]
             and warehouse_units(p, world.warehouse_id)][:3]
    switch_on(world)
    links = [imported(world, raw) for raw in raws]
    for number, raw in enumerate(raws):
        world.set_dropi_stock(raw["id"], 50 + number, warehouse_id=world.warehouse_id)
    # The dead run got through the first half: those products are already written.
    for link, raw in zip(links[:2], raws[:2]):
        [variant] = world.variants_of(link.shopify_product_id)
        world.store_shop.levels[(variant["_inventory_item"], world.location_id)]["_q"][
            "available"] = warehouse_units(raw, world.warehouse_id)
    state = state_for(world.shop.id, get_option(STOCK))
    dead = SyncRun(shop_id=world.shop.id, option=STOCK, trigger="schedule", status=RUN_RUNNING,
                   checked=2, changed=2)
    db.session.add(dead)
    db.session.flush()
    state.current_run_id = dead.id
    state.lease_holder, state.lease_until = "gone:1:abc", utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = len(world.store_shop.adjustment_groups)

    resumed = run_option(world.settings, world.domain, STOCK)

    assert resumed.trigger == "resume" and resumed.status == RUN_SUCCEEDED
    assert db.session.get(SyncRun, dead.id).status == RUN_INTERRUPTED
    [write] = stock_writes(world)[before:]
    written_items = {w["item"] for w in write}
    later = {world.variants_of(link.shopify_product_id)[0]["_inventory_item"]
             for link in links[2:]}
    assert written_items == later
    for link, raw in zip(links, raws):
        [variant] = world.variants_of(link.shopify_product_id)
        assert world.available(variant) == warehouse_units(raw, world.warehouse_id)


def test_active_off_schedules_nothing_and_stops_a_running_sync(world, monkeypatch):
    raws = [p for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
            if p["type"] == "SIMPLE" and not p["_private"]
            and warehouse_units(p, world.warehouse_id)][:4]
    switch_on(world)
    links = [imported(world, raw) for raw in raws]
    for raw in raws:
        world.set_dropi_stock(raw["id"], 77, warehouse_id=world.warehouse_id)
    monkeypatch.setattr(sync_context, "CHECK_SECONDS", 0.0)  # read the switches every entity
    engine = db.engine
    details = []
    dropi_app = world.dropi.app.wsgi_app

    def merchant_switches_off_after_two(environ, start_response):
        if "/products/v2/" in environ.get("PATH_INFO", ""):
            details.append(environ["PATH_INFO"])
            if len(details) == 2:
                with engine.begin() as connection:
                    connection.execute(update(ShopConfiguration)
                                       .where(ShopConfiguration.shop_id == world.shop.id)
                                       .values(active=False))
        return dropi_app(environ, start_response)

    world.dropi.app.wsgi_app = merchant_switches_off_after_two

    run = run_stock(world)

    assert run.status == RUN_STOPPED and "(Activo)" in run.error  # the shop's language
    assert len(details) == 2
    for link in links:
        [variant] = world.variants_of(link.shopify_product_id)
        assert world.available(variant) != 77
    later = utcnow() + timedelta(days=1)
    assert [o.name for _s, o, _st in due_runs(later)] == []
    assert run_stock(world) is None


def test_without_a_mapped_location_the_run_fails_and_says_why(world):
    from app.models import LocationMapping

    switch_on(world)
    db.session.execute(LocationMapping.__table__.delete())
    db.session.commit()
    run = run_stock(world)
    assert run.status == RUN_FAILED and "Ubicaciones" in run.error  # the shop's language, Spanish


def test_the_out_of_stock_policy_is_chosen_on_the_imported_row(world):
    raw = find_dropi_product(world, variable=False)
    association = imported(world, raw)
    page = world.page("/app/products/imported").get_data(as_text=True)
    assert f'name="out_of_stock_policy_{association.id}"' in page and "Set stock to zero" in page

    saved = world.htmx("POST", f"/app/products/imported/{association.id}/out-of-stock",
                       data={f"out_of_stock_policy_{association.id}": "continue"})
    assert saved.status_code == 200
    assert '<option value="continue" selected>' in saved.get_data(as_text=True)
    db.session.refresh(association)
    assert association.out_of_stock_policy == "continue"

    refused = world.htmx("POST", f"/app/products/imported/{association.id}/out-of-stock",
                         data={f"out_of_stock_policy_{association.id}": "burn-it"})
    assert refused.status_code == 422
    db.session.refresh(association)
    assert association.out_of_stock_policy == "continue"


class AnswerLostOnce:
    """WSGI middleware on the Shopify stand-in: the first inventorySetQuantities is carried
    out, then its answer is lost (503 to the app), as when a connection drops."""

    def __init__(self, world) -> None:
        self.app, self.lost = world.shopify.app.wsgi_app, 0

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if self.lost or b"inventorySetQuantities" not in body:
            return self.app(environ, start_response)
        self.lost += 1
        b"".join(self.app(environ, lambda *args, **kwargs: None))  # done, answer dropped
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [b'{"errors": "Service Unavailable"}']


def test_a_lost_answer_is_retried_with_the_same_key_and_written_once(world):
    raw = find_dropi_product(world, variable=False)
    switch_on(world)
    association = imported(world, raw)
    [variant] = world.variants_of(association.shopify_product_id)
    world.set_dropi_stock(raw["id"], 33, warehouse_id=world.warehouse_id)
    lossy = AnswerLostOnce(world)
    world.shopify.app.wsgi_app = lossy
    before = len(world.store_shop.adjustment_groups)

    run = run_stock(world)

    assert lossy.lost == 1 and run.status == RUN_SUCCEEDED and run.changed == 1
    assert world.available(variant) == 33
    assert len(world.store_shop.adjustment_groups) == before + 1  # the retry changed nothing
