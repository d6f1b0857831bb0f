"""Webhook events: the topic registry, storing each delivery once, and running its handlers.

Features subscribe with `@webhook_handler("orders/create")` on a function in any module of
app/services; those modules are imported the first time a topic is looked up. A topic may have
several handlers; they run in one transaction, and when one fails the whole event is retried, so
every handler must be idempotent (Shopify delivers at least once anyway).
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.extensions import db
from app.logging_setup import redact
from app.metrics import WEBHOOK_EVENTS_REQUEUED
from app.models import WebhookEvent, WebhookStatus
from app.models.types import utcnow
from app.services.leases import renewed_every
from app.services.service_modules import import_service_modules

log = logging.getLogger(__name__)

Handler = Callable[..., None]
Enqueue = Callable[[int], object]
MAX_ERROR_LENGTH = 300
STALE_AFTER = timedelta(minutes=10)


class WebhookProcessingFailed(RuntimeError):
    """A handler raised; carries only the short, secret-free summary stored on the event."""


class ReplayRefused(ValueError):
    """The event cannot be replayed as asked; the message says why."""


@dataclass(frozen=True)
class RegisteredHandler:
    func: Handler
    requires_active_shop: bool

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


@dataclass(frozen=True)
class Receipt:
    """What became of a delivery: stored (and queued or ignored) or a duplicate of one stored."""

    event_id: int | None
    duplicate: bool
    queued: bool


_registry: dict[str, list[RegisteredHandler]] = {}


def webhook_handler(topic: str, *, requires_active_shop: bool = True):
    """Register `func(settings, shop_domain, payload, event)` to run for every event of `topic`.

    With `requires_active_shop` (the default) the handler is skipped once the shop uninstalled
    the app; lifecycle and privacy topics pass False because they arrive after uninstall.
    """

    def decorator(func: Handler) -> Handler:
        entry = RegisteredHandler(func, requires_active_shop)
        handlers = [h for h in _registry.get(topic, []) if h.name != entry.name]
        _registry[topic] = handlers + [entry]
        return func

    return decorator


def handlers_for(topic: str) -> list[RegisteredHandler]:
    """The handlers registered for a topic, after importing every service module once."""
    _discover_handlers()
    return list(_registry.get(topic, ()))


def _discover_handlers() -> None:
    import_service_modules()


def receive_delivery(delivery, *, engine: Engine, enqueue: Enqueue) -> Receipt:
    """Store a verified delivery once and queue its processing.

    One statement on an autocommit connection of `engine` (one round trip, one commit): an
    insert that does nothing when the shop's event id is already stored, returning the new id.
    A repeat of a stored event id (Shopify retries, or two copies racing) changes nothing.
    A topic nobody handles is stored as IGNORED. If queueing fails the stored row is removed
    again, so Shopify's retry of the delivery is processed instead of looking like a duplicate.
    """
    handled = bool(handlers_for(delivery.topic))
    values = {
        "shop_domain": delivery.shop_domain,
        "event_id": delivery.event_id,
        "webhook_id": delivery.webhook_id,
        "topic": delivery.topic,
        "api_version": delivery.api_version,
        "triggered_at": delivery.triggered_at,
        "payload": delivery.payload,
        "status": WebhookStatus.RECEIVED if handled else WebhookStatus.IGNORED,
        "attempts": 0,
        "received_at": utcnow(),
    }
    event_id = _execute_once_reconnecting(engine, _insert_once(engine.dialect.name), values)
    if event_id is None:
        log.info("duplicate webhook %s for %s ignored", delivery.topic, delivery.shop_domain)
        return Receipt(event_id=None, duplicate=True, queued=False)
    if not handled:
        log.info("webhook %s for %s stored as ignored (no handler)", delivery.topic,
                 delivery.shop_domain)
        return Receipt(event_id=event_id, duplicate=False, queued=False)
    try:
        enqueue(event_id)
    except Exception:
        with engine.connect() as connection:
            connection.execute(delete(WebhookEvent).where(WebhookEvent.id == event_id))
        raise
    log.debug("webhook %s for %s stored as event %s and queued", delivery.topic,
              delivery.shop_domain, event_id)
    return Receipt(event_id=event_id, duplicate=False, queued=True)


@functools.cache
def _insert_once(dialect_name: str):
    """INSERT .. ON CONFLICT (shop_domain, event_id) DO NOTHING RETURNING id, built once per
    dialect so that each delivery only binds its values."""
    dialect_insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    return (
        dialect_insert(WebhookEvent)
        .on_conflict_do_nothing(index_elements=["shop_domain", "event_id"])
        .returning(WebhookEvent.id)
    )


def _execute_once_reconnecting(engine: Engine, statement, values: dict) -> int | None:
    """The new row's id, or None for a duplicate. The ingest pool does not ping before each
    use (that would double the round trips), so a connection found dead (database restarted)
    is replaced once; if the lost attempt had committed, the retry sees a duplicate and the
    stale-event sweep queues the row."""
    try:
        return _execute(engine, statement, values)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return _execute(engine, statement, values)


def _execute(engine: Engine, statement, values: dict) -> int | None:
    with engine.connect() as connection:
        return connection.execute(statement, values).scalar_one_or_none()


def process_event(settings, event_row_id: int, *, shop_is_active: Callable[[str], bool]
                  ) -> WebhookStatus | None:
    """Run the handlers of one stored event and record the outcome on it.

    `shop_is_active(domain)` says whether the shop still has the app installed (handlers that
    need an installed shop are skipped otherwise). The worker claims the event with a lease
    it renews while the handlers run; the handlers' writes and the outcome commit together,
    and only while the claim is still this worker's. Returns the final status, or None when
    the event is finished or another worker holds it. Raises WebhookProcessingFailed (after
    marking the event FAILED) so the queue retries it.
    """
    lease = timedelta(seconds=settings.webhook_lease_seconds)
    claim = _claim(event_row_id, lease)
    if claim is None:
        return None
    with renewed_every(lease.total_seconds() / 4, _lease_renewer(claim, lease),
                       name=f"webhook-event-{event_row_id}-lease"):
        return _run_claimed(settings, claim, shop_is_active)


@dataclass(frozen=True)
class _Claim:
    """This worker's hold on an event; `attempt` (the event's attempt count when claimed)
    fences it: once another worker claims the event again, every write of this one is refused."""

    event: WebhookEvent
    attempt: int

    @property
    def held(self):
        return (WebhookEvent.id == self.event.id, WebhookEvent.attempts == self.attempt,
                WebhookEvent.status == WebhookStatus.PROCESSING)


def _run_claimed(settings, claim: _Claim, shop_is_active: Callable[[str], bool]
                 ) -> WebhookStatus | None:
    event = claim.event
    handlers, skipped = _runnable_handlers(event, shop_is_active)
    if not handlers:
        return _finish(claim, WebhookStatus.IGNORED, "shop is not installed" if skipped else None)
    try:
        for handler in handlers:
            handler.func(settings, event.shop_domain, event.payload, event)
        db.session.flush()
    except Exception as exc:
        db.session.rollback()
        summary = summarize_error(exc)
        if not _mark_failed(claim, summary):
            return None
        log.warning("webhook event %s (%s) failed: %s", event.id, event.topic, summary)
        raise WebhookProcessingFailed(f"webhook event {event.id} failed: {summary}") from None
    return _finish(claim, WebhookStatus.PROCESSED, None)


def _claim(event_row_id: int, lease: timedelta) -> _Claim | None:
    """Move an event that waits, or whose worker's lease ran out, to PROCESSING under a new
    lease; only one worker wins when two copies of a job run."""
    now = utcnow()
    claimable = or_(
        WebhookEvent.status.in_([WebhookStatus.RECEIVED, WebhookStatus.FAILED]),
        and_(WebhookEvent.status == WebhookStatus.PROCESSING, _lease_expired(now)),
    )
    result = db.session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_row_id, claimable)
        .values(status=WebhookStatus.PROCESSING, attempts=WebhookEvent.attempts + 1,
                lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.info("webhook event %s is not waiting; nothing to do", event_row_id)
        return None
    event = db.session.get(WebhookEvent, event_row_id)
    log.info("webhook event %s (%s) for %s claimed (attempt %s)", event.id, event.topic,
             event.shop_domain, event.attempts)
    return _Claim(event, event.attempts)


def _lease_expired(now: datetime):
    # Events claimed before leases existed have none: their worker is long gone.
    return or_(WebhookEvent.lease_expires_at.is_(None), WebhookEvent.lease_expires_at < now)


def _lease_renewer(claim: _Claim, lease: timedelta) -> Callable[[], None]:
    """Renewal on a connection of its own: the handlers' transaction stays open meanwhile."""
    engine = db.engine

    def renew() -> None:
        with engine.begin() as connection:
            connection.execute(update(WebhookEvent).where(*claim.held)
                               .values(lease_expires_at=utcnow() + lease))

    return renew


def _runnable_handlers(event: WebhookEvent, shop_is_active: Callable[[str], bool]
                       ) -> tuple[list[RegisteredHandler], bool]:
    """The handlers to run, and whether some were skipped because the shop uninstalled."""
    handlers = handlers_for(event.topic)
    if any(h.requires_active_shop for h in handlers) and not shop_is_active(event.shop_domain):
        return [h for h in handlers if not h.requires_active_shop], True
    return handlers, False


def _finish(claim: _Claim, status: WebhookStatus, note: str | None) -> WebhookStatus | None:
    """Record the outcome with the handlers' writes, if the claim is still this worker's."""
    event = claim.event
    result = db.session.execute(
        update(WebhookEvent)
        .where(*claim.held)
        .values(status=status, processed_at=utcnow(), last_error=note, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("webhook event %s (%s): another worker took it over; this run's changes are "
                    "discarded", event.id, event.topic)
        return None
    db.session.commit()
    log.info(
        "webhook event %s (%s) for %s %s", event.id, event.topic, event.shop_domain, status.value
    )
    return status


def _mark_failed(claim: _Claim, summary: str) -> bool:
    result = db.session.execute(
        update(WebhookEvent)
        .where(*claim.held)
        .values(status=WebhookStatus.FAILED, last_error=summary, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def summarize_error(exc: BaseException) -> str:
    """One short line about a failure, without SQL parameters, payload data or secrets."""
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None)
        text = f"database error ({type(original or exc).__name__})"
    else:
        message = getattr(exc, "merchant_message", None) or str(exc)
        first_line = message.strip().splitlines()[0] if message.strip() else ""
        text = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
    return redact(text)[:MAX_ERROR_LENGTH]


def failed_events(shop_domain: str | None = None, limit: int = 200) -> list[WebhookEvent]:
    """Events whose handlers failed, newest first, for one shop or every shop."""
    query = select(WebhookEvent).where(WebhookEvent.status == WebhookStatus.FAILED)
    if shop_domain:
        query = query.where(WebhookEvent.shop_domain == shop_domain)
    query = query.order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def replay_event(
    event_row_id: int, *, enqueue: Enqueue, shop_domain: str | None = None, force: bool = False
) -> WebhookEvent:
    """Queue a stored event again. Failed or never-run events replay as they are; a processed,
    ignored or stuck one only with `force` (its handlers then run a second time)."""
    event = db.session.get(WebhookEvent, event_row_id)
    if event is None or (shop_domain and event.shop_domain != shop_domain):
        raise ReplayRefused(
            f"There is no webhook event {event_row_id}"
            + (f" for {shop_domain}." if shop_domain else ".")
        )
    waiting = event.status in (WebhookStatus.FAILED, WebhookStatus.RECEIVED)
    if not waiting and not force:
        raise ReplayRefused(
            f"Webhook event {event_row_id} is {event.status.value}; "
            "use --force to run its handlers again."
        )
    if not waiting:
        event.status = WebhookStatus.RECEIVED
        db.session.commit()
    enqueue(event.id)
    log.info("webhook event %s (%s) for %s queued again", event.id, event.topic, event.shop_domain)
    return event


def replay_failed(*, enqueue: Enqueue, shop_domain: str | None = None) -> list[int]:
    """Queue every failed event again (for one shop or all); returns their ids."""
    replayed = []
    for event in failed_events(shop_domain, limit=10_000):
        enqueue(event.id)
        replayed.append(event.id)
    log.info("%d failed webhook events queued again", len(replayed))
    return replayed


def requeue_stale_events(*, enqueue: Enqueue, now: datetime | None = None) -> list[int]:
    """Queue again the events whose job was lost: still waiting well after they arrived (a queue
    lost with a restart), or being processed by a worker whose lease ran out (it died). A worker
    that is slow but alive keeps renewing its lease and is left alone."""
    now = now or utcnow()
    never_ran = and_(WebhookEvent.status == WebhookStatus.RECEIVED,
                     WebhookEvent.received_at < now - STALE_AFTER)
    abandoned = and_(WebhookEvent.status == WebhookStatus.PROCESSING, _lease_expired(now))
    query = select(WebhookEvent.id, WebhookEvent.status).where(or_(never_ran, abandoned))
    stale = db.session.execute(query.order_by(WebhookEvent.id)).all()
    for event_id, _status in stale:
        enqueue(event_id)
    if stale:
        dead = sum(1 for _id, status in stale if status == WebhookStatus.PROCESSING)
        WEBHOOK_EVENTS_REQUEUED.labels(reason="dead_worker").inc(dead)
        WEBHOOK_EVENTS_REQUEUED.labels(reason="no_job").inc(len(stale) - dead)
        log.warning("%d webhook events queued again: %d had no job, %d a dead worker",
                    len(stale), len(stale) - dead, dead)
    return [event_id for event_id, _status in stale]


UNFINISHED = (WebhookStatus.RECEIVED, WebhookStatus.PROCESSING, WebhookStatus.FAILED)


def unfinished_event_counts() -> dict[WebhookStatus, int]:
    """How many events of every shop wait, are being processed, or failed (for monitoring)."""
    rows = db.session.execute(select(WebhookEvent.status, func.count()).where(
        WebhookEvent.status.in_(UNFINISHED)).group_by(WebhookEvent.status)).all()
    counts = dict.fromkeys(UNFINISHED, 0)
    counts.update({WebhookStatus(status): count for status, count in rows})
    return counts


def registered_topics() -> set[str]:
    """Every topic some handler of the app processes (after importing every service module
    once); handlers registered from outside `app` (tests) are not the app's."""
    _discover_handlers()
    return {topic for topic, handlers in _registry.items()
            if any(h.func.__module__.startswith("app.") for h in handlers)}
