"""A worker claims a webhook event with a lease it renews while the handlers run: a dead
worker's event is queued again once its lease runs out, a slow but living worker keeps it, and a
worker whose event was taken over commits nothing."""
from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db, queue
from app.jobs import requeue_stale_webhook_events
from app.models import Shop, WebhookEvent, WebhookStatus
from app.models.types import utcnow
from app.services.uninstall import shop_is_active
from app.services.webhooks import process_event, requeue_stale_events, webhook_handler
from tests.conftest import deliver_webhook, run_pending_jobs

RUNS: list[dict] = []
SLOW = {"seconds": 0.0, "swept_meanwhile": None}


@webhook_handler("tests/counted")
def _counted(settings, shop_domain, payload, event):
    RUNS.append(payload)


@webhook_handler("tests/slow")
def _slow(settings, shop_domain, payload, event):
    time.sleep(SLOW["seconds"])
    SLOW["swept_meanwhile"] = requeue_stale_events(enqueue=lambda event_id: None)
    RUNS.append(payload)


@webhook_handler("tests/taken-over")
def _taken_over(settings, shop_domain, payload, event):
    # While this worker runs, another worker claims the event (as it would once this one's
    # lease had run out), then this one writes.
    with db.engine.begin() as other_worker:
        other_worker.execute(update(WebhookEvent).where(WebhookEvent.id == event.id).values(
            attempts=WebhookEvent.attempts + 1, lease_expires_at=utcnow() + timedelta(minutes=2)))
    db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one().name = "Changed"
    RUNS.append(payload)


def _event() -> WebhookEvent:
    db.session.expire_all()
    return db.session.execute(db.select(WebhookEvent)).scalar_one()


def _claimed_by_a_worker(lease_left: timedelta) -> WebhookEvent:
    """The state a worker leaves when it claims the event: PROCESSING, first attempt, a lease."""
    event = _event()
    event.status, event.attempts = WebhookStatus.PROCESSING, 1
    event.lease_expires_at = utcnow() + lease_left
    db.session.commit()
    return event


def test_an_event_whose_worker_died_is_queued_again_once_its_lease_runs_out(client, shop):
    RUNS.clear()
    deliver_webhook(client, "tests/counted", {"id": 2})
    queue.flush()  # the worker that took the job was killed: the job is gone with it
    _claimed_by_a_worker(lease_left=timedelta(seconds=30))
    assert requeue_stale_webhook_events.call_local() == 0  # its lease has not run out yet

    _claimed_by_a_worker(lease_left=timedelta(seconds=-1))
    assert requeue_stale_webhook_events.call_local() == 1
    run_pending_jobs()
    event = _event()
    assert event.status == WebhookStatus.PROCESSED and RUNS == [{"id": 2}]
    assert event.attempts == 2 and event.lease_expires_at is None


def test_an_event_a_living_worker_holds_is_left_to_it(client, shop):
    RUNS.clear()
    deliver_webhook(client, "tests/counted", {"id": 3})
    _claimed_by_a_worker(lease_left=timedelta(seconds=90))

    assert requeue_stale_webhook_events.call_local() == 0
    assert run_pending_jobs() == 1  # the delivery's own job finds the event taken
    event = _event()
    assert event.status == WebhookStatus.PROCESSING and event.attempts == 1 and RUNS == []


def test_a_slow_worker_renews_its_lease_and_is_not_duplicated(client, shop, app):
    RUNS.clear()
    deliver_webhook(client, "tests/slow", {"id": 4})
    settings = dataclasses.replace(app.config["SETTINGS"], webhook_lease_seconds=0.2)
    SLOW["seconds"] = 0.8  # four leases long: only renewals keep the claim alive

    status = process_event(settings, _event().id, shop_is_active=shop_is_active)
    assert status == WebhookStatus.PROCESSED
    assert SLOW["swept_meanwhile"] == []
    assert RUNS == [{"id": 4}] and _event().attempts == 1


def test_a_worker_whose_event_was_taken_over_commits_nothing(client, shop, app):
    RUNS.clear()
    deliver_webhook(client, "tests/taken-over", {"id": 5})
    event_id = _event().id

    assert process_event(app.config["SETTINGS"], event_id,
                         shop_is_active=shop_is_active) is None
    assert RUNS == [{"id": 5}]
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).name == "Test Shop"
    event = _event()
    assert event.status == WebhookStatus.PROCESSING and event.attempts == 2
