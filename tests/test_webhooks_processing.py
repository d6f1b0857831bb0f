"""The job behind each webhook: outcome on the event, retries with backoff, replay and the CLI."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db, queue
from app.models import WebhookEvent, WebhookStatus
from app.models.types import utcnow
from app.services.webhooks import webhook_handler
from tests.conftest import create_shop, deliver_webhook, run_pending_jobs

FAILURES = {"remaining": 0}
SEEN: list[dict] = []


@webhook_handler("tests/flaky")
def _flaky(settings, shop_domain, payload, event):
    SEEN.append(payload)
    if FAILURES["remaining"] > 0:
        FAILURES["remaining"] -= 1
        raise RuntimeError("Dropi said no (access_token=shpat_secret123 was sent)")


def _reset(failures: int) -> None:
    FAILURES["remaining"] = failures
    SEEN.clear()


def _event() -> WebhookEvent:
    db.session.expire_all()
    return db.session.execute(db.select(WebhookEvent)).scalar_one()


def _run_due_retry() -> float:
    """Run the one scheduled retry as the worker would at its due time; returns its delay (s)."""
    [task] = queue.scheduled()
    delay = (task.eta - queue._get_timestamp()).total_seconds()
    [due] = queue.read_schedule(task.eta)
    queue.execute(due, timestamp=due.eta)
    return delay


def test_a_processed_event_records_its_outcome(client, shop):
    _reset(0)
    deliver_webhook(client, "tests/flaky", {"id": 1})
    run_pending_jobs()

    event = _event()
    assert event.status == WebhookStatus.PROCESSED
    assert event.attempts == 1 and event.last_error is None
    assert event.processed_at is not None and event.processed_at >= event.received_at


def test_a_failing_handler_marks_the_event_failed_and_huey_retries_it_with_growing_delays(
    client, shop
):
    _reset(2)
    deliver_webhook(client, "tests/flaky", {"id": 2})
    run_pending_jobs()

    event = _event()
    assert event.status == WebhookStatus.FAILED and event.attempts == 1
    assert event.last_error.startswith("RuntimeError: Dropi said no")
    assert "shpat_secret123" not in event.last_error

    first_delay = _run_due_retry()
    assert _event().attempts == 2 and _event().status == WebhookStatus.FAILED
    second_delay = _run_due_retry()

    assert 25 <= first_delay <= 31 and second_delay > first_delay * 1.5
    event = _event()
    assert event.status == WebhookStatus.PROCESSED and event.attempts == 3
    assert event.last_error is None and len(SEEN) == 3
    assert queue.scheduled_count() == 0


def test_after_the_last_retry_the_event_stays_failed_until_replayed_from_the_cli(
    client, shop, runner
):
    _reset(100)
    deliver_webhook(client, "tests/flaky", {"id": 3})
    run_pending_jobs()
    while queue.scheduled_count():
        _run_due_retry()
    event = _event()
    assert event.status == WebhookStatus.FAILED and event.attempts == 6

    listing = runner.invoke(args=["webhooks", "failed", "--shop", "test-shop.myshopify.com"])
    assert listing.exit_code == 0
    assert f"{event.id}\ttest-shop.myshopify.com\ttests/flaky\tattempts=6" in listing.output
    assert "shpat_secret123" not in listing.output

    _reset(0)
    replay = runner.invoke(args=["webhooks", "replay", "--failed"])
    assert replay.exit_code == 0 and "Queued 1 failed webhook events again." in replay.output
    assert run_pending_jobs() == 1
    assert _event().status == WebhookStatus.PROCESSED and SEEN == [{"id": 3}]
    assert "No failed webhook events." in runner.invoke(args=["webhooks", "failed"]).output


def test_replaying_one_event_by_id(client, shop, runner):
    _reset(1)
    deliver_webhook(client, "tests/flaky", {"id": 4})
    run_pending_jobs()
    queue.flush()  # as if the automatic retries were lost
    event_id = _event().id

    result = runner.invoke(args=["webhooks", "replay", str(event_id)])
    assert result.exit_code == 0 and f"Queued webhook event {event_id}" in result.output
    run_pending_jobs()
    assert _event().status == WebhookStatus.PROCESSED


def test_a_processed_event_replays_only_with_force(client, shop, runner):
    _reset(0)
    deliver_webhook(client, "tests/flaky", {"id": 5})
    run_pending_jobs()
    event_id = _event().id

    refused = runner.invoke(args=["webhooks", "replay", str(event_id)])
    assert refused.exit_code != 0 and "is processed; use --force" in refused.output
    assert queue.pending_count() == 0

    forced = runner.invoke(args=["webhooks", "replay", str(event_id), "--force"])
    assert forced.exit_code == 0
    run_pending_jobs()
    assert len(SEEN) == 2 and _event().attempts == 2


def test_replay_is_scoped_to_the_shop_given(client, shop, other_shop, runner):
    _reset(1)
    deliver_webhook(client, "tests/flaky", {"id": 6})
    run_pending_jobs()
    event_id = _event().id

    result = runner.invoke(
        args=["webhooks", "replay", str(event_id), "--shop", "other-shop.myshopify.com"]
    )
    assert result.exit_code != 0 and "There is no webhook event" in result.output
    bad = runner.invoke(args=["webhooks", "failed", "--shop", "evil.com"])
    assert bad.exit_code != 0 and "is not a shop domain" in bad.output


def test_replay_needs_an_id_or_failed(runner, app):
    result = runner.invoke(args=["webhooks", "replay"])
    assert result.exit_code != 0 and "Give one event id or --failed" in result.output


def test_a_job_that_runs_twice_processes_the_event_once(client, shop):
    _reset(0)
    deliver_webhook(client, "tests/flaky", {"id": 7})
    [task] = queue.pending()
    queue.enqueue(task)  # a second copy of the same job, e.g. a replay racing the first run

    assert run_pending_jobs() == 2
    assert SEEN == [{"id": 7}] and _event().attempts == 1


def test_queued_events_of_an_uninstalled_shop_exit_without_work(client):
    _reset(0)
    create_shop(uninstalled_at=utcnow())
    deliver_webhook(client, "tests/flaky", {"id": 8})
    run_pending_jobs()

    event = _event()
    assert SEEN == []
    assert event.status == WebhookStatus.IGNORED and event.last_error == "shop is not installed"


def test_events_whose_job_was_lost_are_queued_again_by_the_periodic_sweep(client, shop):
    from app.jobs import requeue_stale_webhook_events

    _reset(0)
    deliver_webhook(client, "tests/flaky", {"id": 9})
    queue.flush()
    event = _event()
    assert requeue_stale_webhook_events.call_local() == 0  # just arrived: not stale yet

    event.received_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    assert requeue_stale_webhook_events.call_local() == 1
    run_pending_jobs()
    assert _event().status == WebhookStatus.PROCESSED and SEEN == [{"id": 9}]
