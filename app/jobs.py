"""Background job entry points. Each job opens an app context and calls one service."""
from __future__ import annotations

import functools
import logging

from flask import Flask, current_app
from huey import crontab

from app.extensions import db, queue
from app.logging_setup import log_context
from app.metrics import WEBHOOK_LAG_SECONDS
from app.models import WebhookEvent
from app.models.types import utcnow
from app.services.product_import import process_import_job
from app.services.product_import import resume_stale_import_jobs as resume_stale_imports
from app.services.uninstall import shop_is_active
from app.services.webhooks import process_event, requeue_stale_events

log = logging.getLogger(__name__)

_bound_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """Remember the app whose context jobs run in (the worker and the web process call this)."""
    global _bound_app
    _bound_app = app


def in_app_context(func):
    """Run a job body inside the bound app's context, with a clean DB session after it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _bound_app is None:
            raise RuntimeError("jobs need create_app() to have run in this process")
        with _bound_app.app_context(), log_context(job=func.__name__):
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def for_active_shop(func):
    """For jobs whose first argument is a shop domain: once the shop has uninstalled the app,
    a run still queued exits without work. Put it under @in_app_context; long jobs also call
    app.services.uninstall.shop_is_active() between steps."""

    @functools.wraps(func)
    def wrapper(shop_domain: str, *args, **kwargs):
        with log_context(shop=shop_domain):
            if not shop_is_active(shop_domain):
                log.info("%s for %s skipped: the shop is not installed", func.__name__,
                         shop_domain)
                return None
            return func(shop_domain, *args, **kwargs)

    return wrapper


@queue.task(name="ping")
@in_app_context
def ping() -> str:
    """A trivial job /healthz and the tests use to prove the queue round-trips."""
    return "pong"


# A failed webhook handler is retried after 30 s, then 1, 2, 4 and 8 min; after that the
# event stays FAILED until `flask webhooks replay`.
WEBHOOK_RETRIES = 5
WEBHOOK_RETRY_DELAY_SECONDS = 30
WEBHOOK_RETRY_BACKOFF = 2


@queue.task(
    name="process_webhook_event",
    retries=WEBHOOK_RETRIES,
    retry_delay=WEBHOOK_RETRY_DELAY_SECONDS,
    retry_backoff=WEBHOOK_RETRY_BACKOFF,
)
@in_app_context
def process_webhook_event(event_row_id: int) -> str | None:
    """Run the handlers of one stored webhook event (retried with backoff when they fail)."""
    status = process_event(current_app.config["SETTINGS"], event_row_id)
    record_webhook_lag(event_row_id)
    return status.value if status else None


def record_webhook_lag(event_row_id: int) -> None:
    """Time from Shopify's trigger to the end of processing, for the webhook lag metric."""
    event = db.session.get(WebhookEvent, event_row_id)
    if event is not None and event.triggered_at is not None:
        lag = (utcnow() - event.triggered_at).total_seconds()
        WEBHOOK_LAG_SECONDS.labels(topic=event.topic).observe(max(lag, 0.0))


@queue.periodic_task(crontab(minute="*/2"), name="requeue_stale_webhook_events")
@in_app_context
def requeue_stale_webhook_events() -> int:
    """Queue webhook events whose job never ran (a queue lost with a restart) or whose worker
    died while processing them (its lease ran out)."""
    return len(requeue_stale_events(enqueue=process_webhook_event))


@queue.task(name="run_import_job")
@in_app_context
@for_active_shop
def run_import_job(shop_domain: str, job_id: int) -> str | None:
    """Run (or resume) a bulk product import; items already done are not imported again."""
    status = process_import_job(current_app.config["SETTINGS"], job_id,
                                app_context=_bound_app.app_context)
    return status.value if status else None


@queue.periodic_task(crontab(minute="*/2"), name="resume_stale_import_jobs")
@in_app_context
def resume_stale_import_jobs() -> int:
    """Queue again bulk imports whose worker died or whose queued task was lost."""
    return len(resume_stale_imports(enqueue=run_import_job))
