"""Background job entry points. Each job opens an app context and calls one service."""
from __future__ import annotations

import functools
import logging

from flask import Flask, current_app
from flask_babel import force_locale
from huey import crontab

from app.extensions import db, queue
from app.logging_setup import log_context
from app.metrics import WEBHOOK_LAG_SECONDS
from app.i18n import DEFAULT_LOCALE
from app.models import OrderRecord, Shop, WebhookEvent
from app.models.types import utcnow
from app.services.agent_profile import resume_pending_writes, write_profile_field
from app.services.order_pipeline import advance_order, resume_due_orders, use_queue
from app.services.product_import import process_import_job
from app.services.product_import import resume_stale_import_jobs as resume_stale_imports
from app.services.merchant_language import merchant_locale
from app.services.recovery import due_checkouts, release_stale_claims, send_recovery
from app.services.settings.clients import IntegrationClients
from app.services.shipments import confirm_hint, poll_shop, shops_to_poll
from app.services.sync import queue_due, run_option
from app.services.sync import use_queue as use_sync_queue
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
            with force_locale(_shop_language(shop_domain)):
                return func(shop_domain, *args, **kwargs)

    return wrapper


def _shop_language(shop_domain: str) -> str:
    """What a job writes for the merchant (an item's error, a log line's reason) is in the
    language the shop's staff last used the app in."""
    shop = db.session.scalar(db.select(Shop).where(Shop.domain == shop_domain))
    return merchant_locale(shop) if shop is not None else DEFAULT_LOCALE


def _order_language(order_record_id: int) -> str:
    order = db.session.get(OrderRecord, order_record_id)
    shop = db.session.get(Shop, order.shop_id) if order is not None else None
    return merchant_locale(shop) if shop is not None else DEFAULT_LOCALE


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
    status = process_event(current_app.config["SETTINGS"], event_row_id,
                           shop_is_active=shop_is_active)
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


@queue.periodic_task(crontab(minute="*"), name="resume_stale_import_jobs")
@in_app_context
def resume_stale_import_jobs() -> int:
    """Queue again bulk imports whose worker died or whose queued task was lost."""
    return len(resume_stale_imports(enqueue=run_import_job))


@queue.task(name="send_abandoned_checkout")
@in_app_context
@for_active_shop
def send_abandoned_checkout(shop_domain: str, checkout_row_id: int) -> str | None:
    """Send the abandoned-cart flow of one due checkout (a no-op once it was handled)."""
    status = send_recovery(current_app.config["SETTINGS"], checkout_row_id)
    return status.value if status else None


@queue.periodic_task(crontab(minute="*"), name="queue_due_abandoned_checkouts")
@in_app_context
def queue_due_abandoned_checkouts() -> int:
    """Every minute: release claims of dead workers and queue the checkouts now due."""
    release_stale_claims()
    due = due_checkouts()
    for shop_domain, row_id in due:
        send_abandoned_checkout(shop_domain, row_id)
    return len(due)


@queue.task(name="run_order_pipeline")
@in_app_context
def run_order_pipeline(order_record_id: int) -> None:
    """Run the steps of one order that are due (each claimed under a lease, so copies of this
    job running at once do each side effect once)."""
    with log_context(order=order_record_id), force_locale(_order_language(order_record_id)):
        advance_order(current_app.config["SETTINGS"], order_record_id)


def _queue_order(order_record_id: int, delay: float) -> None:
    if delay > 0:
        run_order_pipeline.schedule(args=(order_record_id,), delay=delay)
    else:
        run_order_pipeline(order_record_id)


use_queue(_queue_order)


@queue.periodic_task(crontab(minute="*"), name="resume_order_pipelines")
@in_app_context
def resume_order_pipelines() -> int:
    """Queue orders with a step due: retries whose time came, leases of dead workers, passed
    confirmation deadlines, steps whose job was lost."""
    return resume_due_orders()


@queue.task(name="confirm_dropi_status", retries=3, retry_delay=60)
@in_app_context
def confirm_dropi_status(order_record_id: int) -> str | None:
    """A Dropi status webhook named this order: ask Dropi and apply its answer."""
    with log_context(order=order_record_id), force_locale(_order_language(order_record_id)):
        shipment = confirm_hint(current_app.config["SETTINGS"], order_record_id)
    return shipment.status if shipment else None


@queue.task(name="poll_shop_shipments")
@in_app_context
@for_active_shop
def poll_shop_shipments(shop_domain: str) -> int | None:
    """One poll cycle of a shop's open Dropi orders."""
    shop = db.session.scalar(db.select(Shop).where(Shop.domain == shop_domain))
    result = poll_shop(current_app.config["SETTINGS"], shop) if shop else None
    return result.orders_updated if result else None


@queue.periodic_task(crontab(minute="*/10"), name="poll_dropi_shipments")
@in_app_context
def poll_dropi_shipments() -> int:
    """Every ten minutes: a poll of every shop with open Dropi orders (for shops whose status
    webhook is not registered with Dropi, and deliveries it missed)."""
    domains = shops_to_poll()
    for shop_domain in domains:
        poll_shop_shipments(shop_domain)
    return len(domains)


class ProfileFieldRetry(RuntimeError):
    """The bot field write should run again later (raised so Huey retries the job)."""


@queue.task(name="write_agent_profile_field", retries=5, retry_delay=20)
@in_app_context
@for_active_shop
def write_agent_profile_field(shop_domain: str) -> str:
    """Write the shop's compiled agent profile to its Ecomdrop bot field when it changed."""
    shop = db.session.scalar(db.select(Shop).where(Shop.domain == shop_domain))
    outcome = write_profile_field(IntegrationClients(current_app.config["SETTINGS"]), shop)
    if outcome.retry:
        raise ProfileFieldRetry(outcome.result.value)
    return outcome.result.value


@queue.periodic_task(crontab(minute="*/10"), name="resume_pending_agent_profile_writes")
@in_app_context
def resume_pending_agent_profile_writes() -> int:
    """Queue again bot field writes whose job was lost or whose worker died."""
    return len(resume_pending_writes(enqueue=write_agent_profile_field))


# Below every other job: a queued order, webhook or checkout never waits behind a sync run.
SYNC_PRIORITY = -10


@queue.task(name="run_sync", priority=SYNC_PRIORITY)
@in_app_context
@for_active_shop
def run_sync(shop_domain: str, option: str) -> str | None:
    """One run of a sync option for a shop (nothing when another run of it holds the lease)."""
    run = run_option(current_app.config["SETTINGS"], shop_domain, option)
    return run.status if run else None


use_sync_queue(lambda shop_domain, option: run_sync(shop_domain, option))


@queue.periodic_task(crontab(minute="*"), name="queue_due_syncs")
@in_app_context
def queue_due_syncs() -> int:
    """Every minute: queue the sync options whose time came (each shop at its own offset), the
    runs merchants asked for, and runs whose worker died."""
    return len(queue_due(enqueue=run_sync))
