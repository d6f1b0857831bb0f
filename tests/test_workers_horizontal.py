"""Two real `flask worker` processes on one Redis queue and one PostgreSQL database, as production
runs them: every job runs once, and a worker SIGKILLed in the middle of a job loses nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.jobs import requeue_stale_webhook_events, run_import_job
from app.models import ComplianceRequest, ImportJob, ImportJobStatus, WebhookEvent, WebhookStatus
from app.services.product_import import start_bulk_import
from tests.conftest import deliver_webhook
from tests.factories import dropi_product_ids, prefs
from tests.live_standins import wait_until, worker_environment

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not (os.environ.get("REDIS_URL") and os.environ.get("TEST_DATABASE_URL")),
                       reason="needs REDIS_URL and TEST_DATABASE_URL (PostgreSQL): workers on "
                              "many machines share Redis and PostgreSQL, as CI's second run does"),
]

PROJECT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
LEASE_SECONDS = 2.0  # short, so a dead worker's lease runs out within the test
DATA_REQUESTS = 24


class Worker:
    """One `flask worker` process, its log in a file of its own."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name, self.log_path = name, log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(FLASK), "--app", "wsgi.py", "worker", "--workers", "2"], cwd=PROJECT, env=env,
            stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@contextmanager
def two_workers(world, tmp_path):
    env = worker_environment(world.settings, LOG_LEVEL="INFO", LOG_FORMAT="json",
                             WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS))
    workers = [Worker(name, env, tmp_path) for name in ("worker-a", "worker-b")]
    try:
        yield workers
    except BaseException:
        for worker in workers:  # shown by pytest with the failure
            print(f"--- {worker.name}\n" + "\n".join(
                line for line in worker.log.splitlines() if "werkzeug" not in line)[-6000:])
        raise
    finally:
        for worker in workers:
            worker.stop()


@contextmanager
def table_locked(name: str):
    """Hold an exclusive lock on a table (reads still pass) until the block ends or the yielded
    transaction is rolled back: a handler writing to it stops half-way."""
    connection = db.engine.connect()
    transaction = connection.begin()
    try:
        connection.execute(text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))
        yield transaction
    finally:
        if transaction.is_active:
            transaction.rollback()
        connection.close()


def _data_request(number: int) -> dict:
    return {"shop_id": 1, "shop_domain": "x", "orders_requested": [],
            "customer": {"id": 1000 + number, "email": f"c{number}@example.com"},
            "data_request": {"id": number}}


def _events() -> list[WebhookEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def _event(event_id: str, status: WebhookStatus) -> WebhookEvent | None:
    db.session.rollback()
    return db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == event_id,
                                                        WebhookEvent.status == status))


def _import_statuses(jobs: list[ImportJob]) -> list[ImportJobStatus]:
    db.session.rollback()
    return [db.session.scalar(select(ImportJob.status).where(ImportJob.id == job.id))
            for job in jobs]


def _sweep() -> int:
    """The periodic sweep, as a worker's scheduler runs it every two minutes (here, in this
    process: Huey keeps no result of a periodic task); what it queues goes to the workers."""
    db.session.rollback()
    return requeue_stale_webhook_events.call_local()


def test_two_workers_run_every_job_once_and_a_killed_one_loses_nothing(world, tmp_path):
    # One pair of workers for both halves: starting a worker is most of the time this takes.
    with two_workers(world, tmp_path) as workers:
        every_job_runs_once(world, workers)
        a_worker_killed_mid_job_loses_nothing(world, workers)


def every_job_runs_once(world, workers: list[Worker]) -> None:
    """Distinct deliveries (each sent three times) and two bulk imports, shared out between the
    workers: each event's handlers run once, each Dropi product becomes one Shopify product."""
    ids = dropi_product_ids(world, 8)
    for number in range(DATA_REQUESTS):
        for _copy in range(3):
            deliver_webhook(world.client, "customers/data_request", _data_request(number),
                            shop=world.domain, event_id=f"data-request-{number}")
    jobs = [start_bulk_import(world.settings, world.shop, half, prefs(), enqueue=run_import_job)
            for half in (ids[:4], ids[4:])]

    wait_until(lambda: all(e.status == WebhookStatus.PROCESSED for e in _events()), 45)
    wait_until(lambda: _import_statuses(jobs) == [ImportJobStatus.COMPLETED] * 2, 45, 0.2)

    events = _events()
    assert len(events) == DATA_REQUESTS
    assert [e.attempts for e in events] == [1] * DATA_REQUESTS, "a handler ran twice"
    reports = db.session.scalars(select(ComplianceRequest.webhook_event_id)).all()
    assert sorted(reports) == [e.id for e in events]
    handles = sorted(p["handle"] for p in world.store_shop.products.values())
    assert handles == sorted(f"dropi-co-{i}" for i in ids), "one Shopify product each"
    # Which worker takes which job is Redis's choice: together they ran each job once.
    assert any("Executing app.jobs.process_webhook_event" in worker.log for worker in workers)


def a_worker_killed_mid_job_loses_nothing(world, workers: list[Worker]) -> None:
    """A worker is SIGKILLed inside a handler: the other worker processes the event once the
    dead one's lease runs out, and only that run's writes remain. While the first worker was
    merely slow, nobody took the event over."""
    # Holding the privacy reports table stops the handler half-way, inside its transaction,
    # after its worker has claimed the event.
    with table_locked("compliance_requests") as lock:
        deliver_webhook(world.client, "customers/data_request", _data_request(99),
                        shop=world.domain, event_id="data-request-killed")
        event = wait_until(lambda: _event("data-request-killed", WebhookStatus.PROCESSING), 20)
        claimed = f"webhook event {event.id} (customers/data_request) for {world.domain} claimed"
        holder = wait_until(lambda: next((w for w in workers if claimed in w.log), None), 20)
        other = workers[1 - workers.index(holder)]

        time.sleep(2 * LEASE_SECONDS)  # slow, but alive: it renews its lease
        assert _sweep() == 0
        assert _event("data-request-killed", WebhookStatus.PROCESSING).attempts == 1

        holder.kill()
        lock.rollback()

    wait_until(lambda: _sweep() == 1, 10 * LEASE_SECONDS, 0.5)  # once the lease has run out
    event = wait_until(lambda: _event("data-request-killed", WebhookStatus.PROCESSED), 20)
    assert event.attempts == 2
    assert f"webhook event {event.id} (customers/data_request) for {world.domain} processed" in (
        other.log)
    reports = db.session.scalars(select(ComplianceRequest).where(
        ComplianceRequest.webhook_event_id == event.id)).all()
    assert [r.shopify_customer_id for r in reports] == ["1099"]
