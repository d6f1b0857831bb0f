"""What the Sync page shows: every registered sync option with its switch, interval, last and
next run and what the last run did, and each option's log per entity (latest first)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.models.sync import OUTCOME_FAILED, RUN_RUNNING, SyncLogEntry, SyncRun, SyncState
from app.services.sync import (
    INTERVAL_CHOICES,
    SyncOption,
    SyncRefused,
    UnknownSyncOption,
    get_option,
    option_enabled,
    registered_options,
    request_run,
    set_interval,
)
from app.services.sync.schedule import interval_minutes

LOG_PER_PAGE = 50
MAX_LOG_PAGE = 100_000


class SyncOptionNotFound(LookupError):
    """No sync option by that name (the page answers 404)."""


@dataclass(frozen=True)
class OptionStatus:
    option: SyncOption
    enabled: bool
    interval_minutes: int | None
    next_run_at: datetime | None
    requested: bool
    current: SyncRun | None  # the run going on now
    last: SyncRun | None  # the last finished run

    @property
    def busy(self) -> bool:
        """A run is going on or asked for: the page keeps polling."""
        return self.enabled and (self.requested or self.current is not None)


@dataclass(frozen=True)
class LogPage:
    entries: list[SyncLogEntry]
    page: int
    pages: int
    failures_only: bool


def find_option(name: str) -> SyncOption:
    try:
        return get_option(str(name)[:64])
    except UnknownSyncOption:
        raise SyncOptionNotFound(name) from None


def sync_overview(shop: Shop) -> list[OptionStatus]:
    """Every registered option for the shop, in the registry's order."""
    config = db.session.scalar(select(ShopConfiguration)
                               .where(ShopConfiguration.shop_id == shop.id))
    states = {s.option: s for s in db.session.scalars(
        select(SyncState).where(SyncState.shop_id == shop.id))}
    run_ids = [i for s in states.values() for i in (s.current_run_id, s.last_run_id) if i]
    runs = {r.id: r for r in db.session.scalars(
        select(SyncRun).where(SyncRun.shop_id == shop.id, SyncRun.id.in_(run_ids)))}
    return [_status(option, config, states.get(option.name), runs)
            for option in registered_options()]


def option_status(shop: Shop, name: str) -> OptionStatus:
    option = find_option(name)
    return next(s for s in sync_overview(shop) if s.option.name == option.name)


def _status(option, config, state, runs) -> OptionStatus:
    current = runs.get(state.current_run_id) if state and state.current_run_id else None
    if current is not None and current.status != RUN_RUNNING:
        current = None
    enabled = option_enabled(option, config)
    return OptionStatus(
        option=option, enabled=enabled, interval_minutes=interval_minutes(option, state),
        next_run_at=state.next_run_at if state and enabled and option.scheduled else None,
        requested=bool(state and state.requested_at), current=current,
        last=runs.get(state.last_run_id) if state and state.last_run_id else None)


def option_log(shop: Shop, name: str, *, failures_only: bool = False, page: int = 1) -> LogPage:
    """The option's log entries for the shop, latest first, a page at a time."""
    option = find_option(name)
    conditions = [SyncLogEntry.shop_id == shop.id, SyncLogEntry.option == option.name]
    if failures_only:
        conditions.append(SyncLogEntry.outcome == OUTCOME_FAILED)
    total = db.session.scalar(select(func.count(SyncLogEntry.id)).where(*conditions)) or 0
    pages = max(1, math.ceil(total / LOG_PER_PAGE))
    page = max(1, min(int(page), pages))
    entries = list(db.session.scalars(
        select(SyncLogEntry).where(*conditions).order_by(SyncLogEntry.id.desc())
        .limit(LOG_PER_PAGE).offset((page - 1) * LOG_PER_PAGE)))
    return LogPage(entries, page, pages, failures_only)


def run_now(shop: Shop, name: str) -> None:
    """Queue a run of the option now (SyncRefused says why not)."""
    request_run(shop, find_option(name).name)


def retry_entity(shop: Shop, name: str, entry_id) -> SyncLogEntry:
    """Run the option again for just the entity of one of its failed log entries."""
    option = find_option(name)
    entry = db.session.scalar(select(SyncLogEntry).where(
        SyncLogEntry.id == _number(entry_id), SyncLogEntry.shop_id == shop.id,
        SyncLogEntry.option == option.name))
    if entry is None:
        raise SyncRefused(_("That log entry no longer exists; reload the page."))
    request_run(shop, option.name, entities=[entry.entity_id])
    return entry


def choose_interval(shop: Shop, name: str, minutes) -> None:
    """Save how often the option runs (SyncRefused for anything but the offered choices)."""
    set_interval(shop, find_option(name).name, _number(minutes) or 0)


def page_number(raw) -> int:
    number = _number(raw)
    return number if number and number <= MAX_LOG_PAGE else 1


def _number(raw) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


__all__ = ["INTERVAL_CHOICES", "LogPage", "OptionStatus", "SyncOptionNotFound",
           "choose_interval", "find_option", "option_log", "option_status", "page_number",
           "retry_entity", "run_now", "sync_overview"]
