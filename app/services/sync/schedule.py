"""When each shop's options run: every option at its interval, each shop at its own offset
inside the interval (so a thousand shops do not all start at the same minute), plus the runs the
merchant asks for. The job queue's periodic task calls queue_due() every minute."""
from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.models.sync import SyncLogEntry, SyncState
from app.models.types import utcnow
from app.services.sync.registry import SyncOption, get_option, registered_options

log = logging.getLogger(__name__)

INTERVAL_CHOICES = (15, 30, 60, 360, 1440)
# A queued run that has not started after this long (a lost job) is queued again.
QUEUE_GRACE = timedelta(minutes=15)
LOG_RETENTION = timedelta(days=30)

# enqueue(shop_domain, option_name)
Enqueue = Callable[[str, str], object]
_enqueue: Enqueue | None = None


class SyncRefused(Exception):
    """A run or a setting the merchant asked for cannot be done (the message says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def use_queue(enqueue: Enqueue) -> None:
    """Register the function that queues a run (app/jobs.py hands it down at import)."""
    global _enqueue
    _enqueue = enqueue


def option_enabled(option: SyncOption, config: ShopConfiguration | None) -> bool:
    return bool(config and config.active and
                (option.config_flag is None or getattr(config, option.config_flag)))


def interval_minutes(option: SyncOption, state: SyncState | None) -> int | None:
    if not option.scheduled:
        return None
    return (state.interval_minutes if state and state.interval_minutes
            else option.default_interval_minutes)


def next_slot(shop_id: int, option_name: str, minutes: int, after: datetime) -> datetime:
    """The first start after `after` in the shop's own rhythm for the option: every `minutes`,
    shifted by an offset that depends only on the shop and the option."""
    period = minutes * 60
    offset = zlib.crc32(f"{shop_id}:{option_name}".encode()) % period
    now = int(after.timestamp())
    start = now - ((now - offset) % period) + period
    return datetime.fromtimestamp(start, UTC)


def state_for(shop_id: int, option: SyncOption, now: datetime | None = None) -> SyncState:
    """The shop's state row for the option, made (scheduled at its first slot) when missing."""
    state = db.session.scalar(select(SyncState).where(SyncState.shop_id == shop_id,
                                                      SyncState.option == option.name))
    if state is None:
        state = SyncState(shop_id=shop_id, option=option.name)
        minutes = interval_minutes(option, None)
        if minutes:
            state.next_run_at = next_slot(shop_id, option.name, minutes, now or utcnow())
        db.session.add(state)
        db.session.flush()
    return state


def _is_due(option: SyncOption, state: SyncState, now: datetime) -> bool:
    if state.lease_until is not None and state.lease_until > now:
        return False
    if state.current_run_id is not None:
        return True  # its worker died: carry on
    if state.queued_at is not None and state.queued_at > now - QUEUE_GRACE:
        return False
    if state.requested_at is not None:
        return True
    return option.scheduled and state.next_run_at is not None and state.next_run_at <= now


def due_runs(now: datetime | None = None) -> list[tuple[Shop, SyncOption, SyncState]]:
    """Every (shop, option) that should run now: Active shops, options switched on."""
    now = now or utcnow()
    options = registered_options()
    rows = db.session.execute(
        select(Shop, ShopConfiguration)
        .join(ShopConfiguration, ShopConfiguration.shop_id == Shop.id)
        .where(Shop.installed_at.is_not(None), Shop.uninstalled_at.is_(None),
               ShopConfiguration.active.is_(True))
    ).all()
    if not rows:
        return []
    states = {(s.shop_id, s.option): s for s in db.session.scalars(
        select(SyncState).where(SyncState.shop_id.in_([shop.id for shop, _ in rows])))}
    due = []
    for shop, config in rows:
        for option in options:
            if not option_enabled(option, config):
                continue
            state = states.get((shop.id, option.name)) or state_for(shop.id, option, now)
            if _is_due(option, state, now):
                due.append((shop, option, state))
    return due


def queue_due(*, enqueue: Enqueue, now: datetime | None = None) -> list[tuple[str, str]]:
    """Queue every run that is due; returns (shop domain, option) of each."""
    now = now or utcnow()
    due = due_runs(now)
    for _shop, _option, state in due:
        state.queued_at = now
    db.session.commit()
    queued = []
    for shop, option, _state in due:
        enqueue(shop.domain, option.name)
        queued.append((shop.domain, option.name))
    prune_log(now)
    return queued


def prune_log(now: datetime | None = None) -> None:
    cutoff = (now or utcnow()) - LOG_RETENTION
    db.session.execute(delete(SyncLogEntry).where(SyncLogEntry.created_at < cutoff))
    db.session.commit()


def request_run(shop: Shop, option_name: str, *, entities: Sequence[str] | None = None,
                now: datetime | None = None) -> SyncState:
    """Ask for a run now ("Run now"), or for a run over some entities only (a retry)."""
    option = get_option(option_name)
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    if not option_enabled(option, config):
        if config is None or not config.active:
            raise SyncRefused(_("Turn the connector on (Active in Settings) to run a sync."))
        raise SyncRefused(_("Turn on “%(option)s” in Settings to run it.", option=option.label))
    now = now or utcnow()
    state = state_for(shop.id, option, now)
    full_run_waiting = state.requested_at is not None and state.requested_entities is None
    if entities and not full_run_waiting:
        earlier = set(state.requested_entities or [])
        state.requested_entities = sorted(earlier | {str(e) for e in entities})
    else:
        state.requested_entities = None
    state.requested_at = now
    state.queued_at = now
    db.session.commit()
    enqueue_run(shop.domain, option.name)
    return state


def enqueue_run(shop_domain: str, option_name: str) -> None:
    if _enqueue is None:
        log.warning("no job queue registered; the %s sync of %s waits for the sweep",
                    option_name, shop_domain)
    else:
        _enqueue(shop_domain, option_name)


def set_interval(shop: Shop, option_name: str, minutes: int,
                 now: datetime | None = None) -> SyncState:
    """Change how often a scheduled option runs for the shop."""
    option = get_option(option_name)
    if not option.scheduled:
        raise SyncRefused(_("“%(option)s” runs only when you ask for it.", option=option.label))
    if minutes not in INTERVAL_CHOICES:
        raise SyncRefused(_("Choose one of the intervals offered."))
    now = now or utcnow()
    state = state_for(shop.id, option, now)
    state.interval_minutes = minutes
    state.next_run_at = next_slot(shop.id, option.name, minutes, now)
    db.session.commit()
    return state
