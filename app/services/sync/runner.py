"""Running one option for one shop: claim the option's lease (one run per shop and option at a
time), call the option's runner with a SyncContext, and record how the run ended. A worker that
dies mid-run leaves its lease to expire; the sweep then queues the option again and the new run
carries on (runners compare before they write, so what was done is not done twice)."""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.clients.dropi import DropiError
from app.clients.shopify import ShopifyError
from app.extensions import db
from app.logging_setup import log_context
from app.models import Shop, ShopConfiguration
from app.models.sync import (RUN_FAILED, RUN_INTERRUPTED, RUN_PARTIAL, RUN_RUNNING, RUN_STOPPED,
                             RUN_SUCCEEDED, SyncRun, SyncState)
from app.models.types import utcnow
from app.services.leases import renewed_every
from app.services.merchant_language import merchant_locale
from app.services.sync import schedule
from app.services.sync.context import SyncContext, SyncFailed, SyncStopped, stop_reason
from app.services.sync.registry import SyncOption, get_option

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
RENEW_SECONDS = 60.0


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def run_option(settings, shop_domain: str, option_name: str, *,
               now: datetime | None = None, force: bool = False) -> SyncRun | None:
    """Run the option for the shop if it is switched on, due (its time came, the merchant asked,
    or a dead worker's run is to be carried on; `force` skips this check) and no other run holds
    it. Returns the finished run, or None when nothing ran."""
    option = get_option(option_name)
    shop = db.session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None:
        return None
    # What the run records (reasons, errors) is read by the merchant: write it in their language.
    with log_context(shop=shop_domain, sync=option.name), force_locale(merchant_locale(shop)):
        reason = stop_reason(shop.id, option)
        if reason:
            log.info("%s sync of %s not run: %s", option.name, shop_domain, reason)
            _clear_queued(shop.id, option)
            return None
        holder = _holder()
        now = now or utcnow()
        state = _claim(shop.id, option, holder, now)
        if state is None:
            log.info("%s sync of %s is already running", option.name, shop_domain)
            return None
        if not (force or _due(option, state, now)):
            _release(state, holder)
            log.info("%s sync of %s is not due (it ran already)", option.name, shop_domain)
            return None
        run = _start_run(shop, option, state)
        return _execute(settings, shop, option, run, holder)


def _clear_queued(shop_id: int, option: SyncOption) -> None:
    db.session.execute(update(SyncState)
                       .where(SyncState.shop_id == shop_id, SyncState.option == option.name)
                       .values(queued_at=None))
    db.session.commit()


def _claim(shop_id: int, option: SyncOption, holder: str, now: datetime) -> SyncState | None:
    state = schedule.state_for(shop_id, option, now)
    db.session.commit()
    claimed = db.session.execute(
        update(SyncState)
        .where(SyncState.id == state.id,
               or_(SyncState.lease_until.is_(None), SyncState.lease_until < now))
        .values(lease_holder=holder, lease_until=now + LEASE, queued_at=None)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    db.session.refresh(state)
    return state


def _due(option: SyncOption, state: SyncState, now: datetime) -> bool:
    if state.requested_at is not None or state.current_run_id is not None:
        return True
    return option.scheduled and state.next_run_at is not None and state.next_run_at <= now


def _release(state: SyncState, holder: str) -> None:
    db.session.execute(update(SyncState)
                       .where(SyncState.id == state.id, SyncState.lease_holder == holder)
                       .values(lease_holder=None, lease_until=None))
    db.session.commit()


def _start_run(shop: Shop, option: SyncOption, state: SyncState) -> SyncRun:
    entities = state.requested_entities or None
    trigger = "retry" if entities else "manual" if state.requested_at else "schedule"
    if state.current_run_id is not None:
        earlier = db.session.get(SyncRun, state.current_run_id)
        if earlier is not None and earlier.status == RUN_RUNNING:
            earlier.status = RUN_INTERRUPTED
            earlier.finished_at = utcnow()
            earlier.error = _("Its worker stopped; the next run carried on.")
            if trigger == "schedule":
                trigger = "resume"
                entities = earlier.entities
    run = SyncRun(shop_id=shop.id, option=option.name, trigger=trigger, entities=entities)
    db.session.add(run)
    db.session.flush()
    state.current_run_id = run.id
    state.requested_at = None
    state.requested_entities = None
    db.session.commit()
    return run


def _renewer(state_id: int, holder: str, context: SyncContext):
    engine = db.engine

    def renew() -> None:
        with engine.begin() as connection:
            kept = connection.execute(
                update(SyncState).where(SyncState.id == state_id,
                                        SyncState.lease_holder == holder)
                .values(lease_until=utcnow() + LEASE)).rowcount
        if not kept:
            context.lease_lost.set()

    return renew


def _execute(settings, shop: Shop, option: SyncOption, run: SyncRun, holder: str) -> SyncRun:
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    entities = frozenset(run.entities) if run.entities else None
    context = SyncContext(settings=settings, shop=shop, configuration=config, option=option,
                          run=run, entities=entities)
    state_id = db.session.scalar(select(SyncState.id).where(SyncState.shop_id == shop.id,
                                                            SyncState.option == option.name))
    log.info("%s sync of %s started (%s, run %s)", option.name, shop.domain, run.trigger, run.id)
    status, error = RUN_SUCCEEDED, None
    with renewed_every(RENEW_SECONDS, _renewer(state_id, holder, context),
                       name=f"sync-{option.name}-{run.id}"):
        try:
            option.runner(context)
            context.keep_going(force=True)
        except SyncStopped as stop:
            status, error = RUN_STOPPED, stop.reason
        except SyncFailed as failure:
            status, error = RUN_FAILED, failure.message
        except (DropiError, ShopifyError) as exc:
            status, error = RUN_FAILED, str(exc)
            log.warning("%s sync of %s failed: %s", option.name, shop.domain,
                        type(exc).__name__)
        except Exception:
            log.exception("%s sync of %s failed", option.name, shop.domain)
            status, error = RUN_FAILED, _(
                "The sync stopped on an unexpected error; it runs again at its next time.")
    return _finish(context, state_id, holder, status, error)


def _finish(context: SyncContext, state_id: int, holder: str, status: str,
            error: str | None) -> SyncRun:
    try:
        context.save()
        db.session.commit()
    except Exception:
        log.warning("saving the %s sync's last work failed", context.option.name, exc_info=True)
        db.session.rollback()
    run = db.session.get(SyncRun, context.run.id, populate_existing=True)
    if status == RUN_SUCCEEDED and run.failed:
        status = RUN_PARTIAL
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    state = db.session.get(SyncState, state_id, populate_existing=True)
    requested_again = False
    if state is not None and state.lease_holder == holder:
        state.current_run_id = None
        state.last_run_id = run.id
        state.lease_holder = None
        state.lease_until = None
        minutes = schedule.interval_minutes(context.option, state)
        if minutes and run.trigger in ("schedule", "resume"):
            after = max(utcnow(), state.next_run_at or utcnow())
            state.next_run_at = schedule.next_slot(state.shop_id, context.option.name, minutes,
                                                   after)
        requested_again = state.requested_at is not None
    db.session.commit()
    log.info("%s sync of %s %s: %s checked, %s changed, %s failed, %s flagged", run.option,
             context.shop.domain, run.status, run.checked, run.changed, run.failed, run.flagged)
    if requested_again and status != RUN_STOPPED:
        schedule.enqueue_run(context.shop.domain, context.option.name)
    return run
