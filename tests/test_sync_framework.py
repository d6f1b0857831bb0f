"""The sync framework: each shop's options run on their own schedule, one run per shop and
option at a time, a dead worker's run is carried on, switches stop runs, and what a run did is
counted and logged."""
from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from app.clients.dropi import DROPI_HOSTS
from app.extensions import db, queue
from app.jobs import ping
from app.models import Session, ShopConfiguration
from app.models.sync import (RUN_INTERRUPTED, RUN_PARTIAL, RUN_RUNNING, RUN_STOPPED,
                             RUN_SUCCEEDED, SyncLogEntry, SyncRun, SyncState)
from app.models.types import utcnow
from app.services.sync import (SyncRefused, due_runs, queue_due, registry, request_run,
                               run_option, set_interval, state_for)
from tests.conftest import create_shop, run_pending_jobs
from tests.test_settings_dropi import dropi_token

PROBE = "probe"
calls: list[dict] = []


def probe_runner(ctx):
    calls.append({"shop": ctx.shop.domain, "entities": ctx.entities, "run": ctx.run.id})
    behaviour = getattr(probe_runner, "behaviour", None)
    if behaviour:
        behaviour(ctx)


@pytest.fixture
def probe(app, monkeypatch):
    """A scheduled option (every 30 min, switched by get_stock) whose runner records its calls."""
    calls.clear()
    probe_runner.behaviour = None
    registry._discover()
    monkeypatch.setitem(registry._registry, PROBE, registry.SyncOption(
        PROBE, "Probe", probe_runner, "get_stock", 30))
    return registry._registry[PROBE]


def configured(shop, **switches):
    values = dict(active=True, get_stock=True, dropi_token=dropi_token(), dropi_country="CO")
    values.update(switches)
    db.session.add(ShopConfiguration(shop_id=shop.id, **values))
    db.session.commit()
    return shop


def probe_runs(shop) -> list[SyncRun]:
    return list(db.session.scalars(select(SyncRun).where(SyncRun.shop_id == shop.id,
                                                         SyncRun.option == PROBE)
                                   .order_by(SyncRun.id)))


def due_probes(now):
    return [(shop.domain, state.next_run_at) for shop, option, state in due_runs(now)
            if option.name == PROBE]


def test_each_shop_runs_at_its_own_offset_and_then_every_interval(app, probe):
    shops = [configured(create_shop(f"shop-{n}.myshopify.com")) for n in range(6)]
    now = utcnow()
    assert due_probes(now) == []  # first runs are spread over the coming interval
    starts = [state_for(shop.id, probe).next_run_at for shop in shops]
    assert all(now < start <= now + timedelta(minutes=30) for start in starts)
    assert len(set(starts)) > 1
    first = shops[0]
    start = state_for(first.id, probe).next_run_at
    assert first.domain in [domain for domain, _ in due_probes(start + timedelta(seconds=1))]
    run = run_option(app.config["SETTINGS"], first.domain, PROBE, now=start)
    assert run.status == RUN_SUCCEEDED and run.trigger == "schedule"
    state = state_for(first.id, probe)
    assert state.next_run_at - start == timedelta(minutes=30)
    assert state.last_run_id == run.id and state.lease_holder is None


def test_only_active_shops_with_the_option_on_are_due(app, probe, shop, other_shop):
    configured(shop, active=False)
    configured(other_shop, get_stock=False)
    later = utcnow() + timedelta(hours=1)
    assert due_probes(later) == []
    assert run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True) is None
    assert run_option(app.config["SETTINGS"], other_shop.domain, PROBE, force=True) is None
    assert calls == []


def test_queued_runs_are_not_queued_again_and_run_once(app, probe, shop):
    configured(shop)
    state_for(shop.id, probe)  # first seen now: due within 30 minutes
    later = utcnow() + timedelta(hours=1)
    assert queue_due(enqueue=lambda *_: None, now=later) == [(shop.domain, PROBE)]
    assert due_probes(later) == []  # already queued
    assert due_probes(later + timedelta(minutes=16)) != []  # that job was lost: queue again


def test_a_run_in_progress_keeps_others_out(app, probe, shop):
    configured(shop)
    inner = []
    probe_runner.behaviour = lambda ctx: inner.append(
        run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True))
    run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True)
    assert inner == [None] and len(calls) == 1


def test_a_dead_workers_run_is_carried_on_by_the_next(app, probe, shop):
    configured(shop)
    state = state_for(shop.id, probe)
    dead = SyncRun(shop_id=shop.id, option=PROBE, trigger="schedule", status=RUN_RUNNING,
                   checked=40)
    db.session.add(dead)
    db.session.flush()
    state.current_run_id = dead.id
    state.lease_holder, state.lease_until = "gone:1:abc", utcnow() - timedelta(seconds=1)
    state.next_run_at = utcnow() + timedelta(minutes=20)
    db.session.commit()
    assert [domain for domain, _ in due_probes(utcnow())] == [shop.domain]
    run = run_option(app.config["SETTINGS"], shop.domain, PROBE)
    assert run.trigger == "resume" and run.status == RUN_SUCCEEDED
    assert db.session.get(SyncRun, dead.id).status == RUN_INTERRUPTED


def test_switching_active_off_stops_a_running_sync(app, probe, shop):
    configured(shop)

    def switch_off_midway(ctx):
        for number in range(10):
            ctx.checked()
            if number == 3:
                config = db.session.scalar(select(ShopConfiguration))
                config.active = False
                db.session.commit()
                ctx.keep_going(force=True)

    probe_runner.behaviour = switch_off_midway
    run = run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True)
    assert run.status == RUN_STOPPED and run.checked == 4
    assert run.error == "El conector se apagó (Activo)."  # nobody opened the app yet: Spanish
    assert state_for(shop.id, probe).lease_holder is None


def test_a_run_writes_in_the_language_the_staff_last_used(app, probe, shop):
    configured(shop)
    db.session.add(Session(id="offline_x", shop_id=shop.id, locale="en-US"))
    db.session.commit()

    def switch_off(ctx):
        db.session.scalar(select(ShopConfiguration)).active = False
        db.session.commit()
        ctx.keep_going(force=True)

    probe_runner.behaviour = switch_off
    run = run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True)
    assert run.error == "The connector was switched off (Active)."


def test_failures_are_logged_per_entity_and_a_retry_runs_only_those(app, probe, shop):
    configured(shop)

    def fail_two(ctx):
        for item in ("a", "b", "c"):
            if not ctx.wants(item):
                continue
            ctx.checked()
            if item == "b" or (item == "c" and ctx.entities is None):
                ctx.failed("variant", item, f"Item {item}", "Dropi no longer sells it")
            else:
                ctx.changed("variant", item, f"Item {item}", "stock 3 → 5")

    probe_runner.behaviour = fail_two
    run = run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True)
    assert (run.status, run.checked, run.changed, run.failed) == (RUN_PARTIAL, 3, 1, 2)
    reasons = db.session.execute(select(SyncLogEntry.entity_id, SyncLogEntry.reason)
                                 .where(SyncLogEntry.outcome == "failed")).all()
    assert sorted(reasons) == [("b", "Dropi no longer sells it"), ("c", "Dropi no longer sells it")]

    request_run(shop, PROBE, entities=["c"])
    assert run_pending_jobs() == 1
    retry = probe_runs(shop)[-1]
    assert retry.trigger == "retry" and retry.entities == ["c"]
    assert calls[-1]["entities"] == frozenset({"c"})
    assert (retry.status, retry.checked, retry.changed) == (RUN_SUCCEEDED, 1, 1)


def test_run_now_is_refused_while_the_option_is_off_and_queued_when_on(app, probe, shop):
    configured(shop, get_stock=False)
    with pytest.raises(SyncRefused, match="Probe"):
        request_run(shop, PROBE)
    assert len(queue) == 0
    config = db.session.scalar(select(ShopConfiguration))
    config.get_stock = True
    db.session.commit()
    request_run(shop, PROBE)
    request_run(shop, PROBE)  # a double click
    run_pending_jobs()
    runs = probe_runs(shop)
    assert [r.trigger for r in runs] == ["manual"]
    assert state_for(shop.id, probe).requested_at is None


def test_the_interval_is_the_merchants_choice(app, probe, shop):
    configured(shop)
    with pytest.raises(SyncRefused):
        set_interval(shop, PROBE, 7)
    state = set_interval(shop, PROBE, 360)
    assert utcnow() < state.next_run_at <= utcnow() + timedelta(hours=6)
    assert db.session.scalar(select(SyncState.interval_minutes)) == 360


def test_dropi_requests_of_a_run_are_counted(app, probe, shop):
    configured(shop)
    probe_runner.behaviour = lambda ctx: ctx.dropi().warehouses()
    with responses.RequestsMock() as mock:
        mock.get(f"{DROPI_HOSTS['CO']}/warehouses/", json={"isSuccess": True, "objects": []})
        run = run_option(app.config["SETTINGS"], shop.domain, PROBE, force=True)
    assert run.status == RUN_SUCCEEDED and run.dropi_requests == 1


def test_queued_sync_runs_wait_behind_other_jobs(app, probe, shop):
    configured(shop)
    request_run(shop, PROBE)
    ping()
    first = queue.dequeue()
    assert first.name == "ping"
    queue.execute(first)
    assert run_pending_jobs() == 1 and len(calls) == 1
