"""Bulk imports as background jobs, run by the real Huey task against the stand-ins over HTTP:
progress, per-item results, search-based jobs, cancelling, resuming, Dropi's 429 and Shopify's
throttling absorbed."""
from __future__ import annotations

import threading
import unicodedata
from datetime import timedelta

import requests

from app.extensions import db
from app.jobs import resume_stale_import_jobs, run_import_job
from app.models import (
    ImportItemStatus,
    ImportJob,
    ImportJobItem,
    ImportJobStatus,
    ProductAssociation,
)
from app.models.types import utcnow
from app.services.product_import import (
    cancel_import_job,
    job_progress,
    retry_import_job,
    start_bulk_import,
    start_bulk_import_for_search,
)
from tests.conftest import run_pending_jobs
from tests.factories import dropi_product_ids, prefs, staff_opened_app_in


def _handles(world) -> list[str]:
    return sorted(p["handle"] for p in world.store_shop.products.values())


def test_a_bulk_import_runs_in_the_background_and_reports_each_item(world):
    ids = dropi_product_ids(world, 4) + ["99999999"]
    job = start_bulk_import(world.settings, world.shop, ids + ids[:1], prefs(),
                            enqueue=run_import_job)
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.total, progress.processed) == (ImportJobStatus.QUEUED, 5, 0)
    assert run_pending_jobs() == 1
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded, progress.failed) == (
        ImportJobStatus.COMPLETED, 4, 1)
    assert progress.percent == 100 and progress.current_item is None
    assert [i.dropi_product_id for i in progress.items] == ids
    missing = progress.items[-1]
    assert missing.status == ImportItemStatus.FAILED
    assert "no encontró el producto 99999999" in missing.error
    for item in progress.items[:-1]:
        assert item.status == ImportItemStatus.DONE and item.error is None and item.dropi_name
        [product] = world.products_with_handle(f"dropi-co-{item.dropi_product_id}")
        assert item.shopify_product_id == product["id"]
    assert {a.import_type for a in ProductAssociation.query.all()} == {"bulk"}
    assert len(world.store_shop.products) == 4


def test_an_item_error_is_written_in_the_language_the_staff_uses(world):
    staff_opened_app_in(world.shop, "en")
    job = start_bulk_import(world.settings, world.shop, ["99999999"], prefs(),
                            enqueue=run_import_job)
    assert run_pending_jobs() == 1

    [missing] = job_progress(world.shop.id, job.id).items
    assert missing.status == ImportItemStatus.FAILED
    assert "could not find product 99999999" in missing.error


def test_every_product_matching_a_search_is_imported(world):
    job = start_bulk_import_for_search(world.settings, world.shop, {"keywords": "lampara"},
                                       prefs(), enqueue=run_import_job)
    run_pending_jobs()
    expected = sorted(p["id"] for p in world.dropi_state.catalog("CO").values()
                      if "lampara" in _plain(p["name"]) and not p["_private"])
    progress = job_progress(world.shop.id, job.id)
    assert progress.status == ImportJobStatus.COMPLETED and progress.total == len(expected) > 1
    assert sorted(int(i.dropi_product_id) for i in progress.items) == expected
    assert progress.succeeded == len(expected)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def test_progress_estimates_the_time_left_from_recent_items(world):
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 6), prefs(),
                            enqueue=lambda *args: None)
    now = utcnow()
    items = ImportJobItem.query.filter_by(job_id=job.id).order_by(ImportJobItem.position).all()
    for seconds, item in zip((0, 2, 4, 6), items):
        item.status, item.updated_at = ImportItemStatus.DONE, now + timedelta(seconds=seconds)
    job.status, job.succeeded, job.current_item = ImportJobStatus.RUNNING, 4, "Lámpara"
    db.session.commit()
    progress = job_progress(world.shop.id, job.id)
    assert (progress.eta_seconds, progress.current_item, progress.percent) == (4, "Lámpara", 66)


def test_cancelling_stops_a_running_job_after_the_item_in_progress(world):
    world.shopify.faults(latency_ms=150)
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 24), prefs(),
                            enqueue=run_import_job)
    worker = threading.Thread(target=run_pending_jobs)
    worker.start()
    _wait(lambda: ImportJobItem.query.filter_by(status=ImportItemStatus.DONE).count() >= 1)
    cancel_import_job(world.shop.id, job.id)
    worker.join(timeout=60)
    progress = job_progress(world.shop.id, job.id)
    assert progress.status == ImportJobStatus.CANCELLED
    assert 1 <= progress.succeeded < 24 and progress.failed == 0
    pending = [i for i in progress.items if i.status == ImportItemStatus.PENDING]
    assert len(pending) == 24 - progress.succeeded
    assert len(world.store_shop.products) == progress.succeeded


def _wait(predicate, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see what the worker threads committed
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_dropi_rate_limiting_is_absorbed(world):
    requests.post(f"{world.dropi.url}/standin/config",
                  json={"requests_per_minute": 1, "rate_window_seconds": 1}, timeout=10)
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 5), prefs(),
                            enqueue=run_import_job)
    run_pending_jobs()
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded, progress.failed) == (
        ImportJobStatus.COMPLETED, 5, 0)
    assert all(item.error is None for item in progress.items)
    statuses = [c["status"] for c in world.dropi_calls() if "/products/v2/" in c["path"]]
    assert 429 in statuses and statuses.count(200) >= 5


def test_shopify_throttling_is_absorbed(world):
    world.shopify.faults(sequence=[429, "ok", 429], retry_after=0.2,
                         throttle={"size": 200, "restore_rate": 60})
    world.shopify.store.bucket(world.domain).drain()
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 6), prefs(),
                            enqueue=run_import_job)
    run_pending_jobs()
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded, progress.failed) == (
        ImportJobStatus.COMPLETED, 6, 0)
    assert all(item.error is None for item in progress.items)
    assert requests.get(f"{world.shopify.url}/standin/faults", timeout=10).json()[
        "injected"] == {"429": 2}
    assert len(world.store_shop.products) == 6


def test_a_job_whose_worker_died_is_resumed_by_the_periodic_task(world):
    ids = dropi_product_ids(world, 4)
    job = start_bulk_import(world.settings, world.shop, ids, prefs(),
                            enqueue=lambda *args: None)
    job.status, job.heartbeat_at = ImportJobStatus.RUNNING, utcnow() - timedelta(minutes=10)
    job.started_at = utcnow() - timedelta(minutes=12)
    db.session.commit()
    resume_stale_import_jobs()
    assert run_pending_jobs() == 2  # the periodic task, then the job it queued
    progress = job_progress(world.shop.id, job.id)
    assert (progress.status, progress.succeeded) == (ImportJobStatus.COMPLETED, 4)
    assert _handles(world) == sorted(f"dropi-co-{i}" for i in ids)


def test_a_job_with_a_live_worker_is_left_to_it(world):
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 2), prefs(),
                            enqueue=run_import_job)
    job.status, job.heartbeat_at = ImportJobStatus.RUNNING, utcnow()
    db.session.commit()
    resume_stale_import_jobs()
    run_pending_jobs()  # the periodic task finds nothing stale; the queued run backs off
    db.session.rollback()
    assert ImportJob.query.one().status == ImportJobStatus.RUNNING
    assert ImportJobItem.query.filter_by(status=ImportItemStatus.PENDING).count() == 2
    assert world.store_shop.products == {}


def test_a_job_of_a_shop_that_uninstalled_does_nothing(world):
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 2), prefs(),
                            enqueue=run_import_job)
    world.shop.uninstalled_at = utcnow()
    db.session.commit()
    run_pending_jobs()
    assert job_progress(world.shop.id, job.id).status == ImportJobStatus.QUEUED
    assert world.store_shop.products == {}


def test_lost_shopify_access_stops_the_job_and_it_can_be_retried(world):
    token = world.shop.access_token
    world.shopify.stand_in.tokens.revoke_shop(world.domain)
    job = start_bulk_import(world.settings, world.shop, dropi_product_ids(world, 3), prefs(),
                            enqueue=run_import_job)
    run_pending_jobs()
    progress = job_progress(world.shop.id, job.id)
    assert progress.status == ImportJobStatus.FAILED and progress.last_error
    assert progress.processed == 0 and world.store_shop.products == {}
    db.session.refresh(world.shop)
    assert world.shop.needs_reauthorization
    # The merchant re-authorizes the app; the job is retried and finishes.
    world.shop.access_token = world.shopify.stand_in.tokens.issue_offline(
        world.domain, frozenset(world.shop.scopes.split(",")), expiring=False)["access_token"]
    world.shop.needs_reauthorization, world.shop.reauthorization_reason = False, None
    assert world.shop.access_token != token
    db.session.commit()
    retry_import_job(world.settings, world.shop, job.id, enqueue=run_import_job)
    run_pending_jobs()
    assert job_progress(world.shop.id, job.id).succeeded == 3
