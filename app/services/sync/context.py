"""What a sync option's runner gets: the shop, its clients (whose spending is counted into the
run), and the calls that record what happened to each entity."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import insert, select

from app.clients.dropi import DropiClient
from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.models.sync import (OUTCOME_CHANGED, OUTCOME_FAILED, OUTCOME_FLAGGED, SyncLogEntry,
                             SyncRun)
from app.services.shopify_session import shopify_client_for
from app.services.sync.registry import SyncOption

# How often keep_going() reads the switches again and saves the run's counts.
CHECK_SECONDS = 5.0
LABEL_LENGTH = 500


class SyncStopped(Exception):
    """The run must stop now: a switch went off, the shop uninstalled, or its lease was lost."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SyncFailed(Exception):
    """The run cannot go on (the message is for the merchant), e.g. Dropi is not connected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SyncContext:
    settings: object
    shop: Shop
    configuration: ShopConfiguration
    option: SyncOption
    run: SyncRun
    # A retry of given entities: only these are processed. None: everything.
    entities: frozenset[str] | None = None
    lease_lost: threading.Event = field(default_factory=threading.Event)
    _shopify: ShopifyClient | None = None
    _dropi: DropiClient | None = None
    _checked_at: float = field(default_factory=time.monotonic)
    # Log entries not yet written: they go in one multi-row insert at each save.
    _entries: list[dict] = field(default_factory=list)

    # --- clients ---------------------------------------------------------------------------

    def shopify(self) -> ShopifyClient:
        if self._shopify is None:
            self._shopify = shopify_client_for(self.settings, self.shop)
        return self._shopify

    def dropi(self) -> DropiClient:
        if self._dropi is None:
            config = self.configuration
            if not (config.dropi_token and config.dropi_country):
                raise SyncFailed(_("Connect your Dropi account in Settings first."))
            self._dropi = DropiClient.for_settings(self.settings, config.dropi_token,
                                                   config.dropi_country)
        return self._dropi

    def wants(self, entity_id) -> bool:
        """Whether this run processes the entity (a retry processes only the ones it names)."""
        return self.entities is None or str(entity_id) in self.entities

    # --- recording -------------------------------------------------------------------------

    def checked(self, count: int = 1) -> None:
        self.run.checked += count

    def changed(self, entity_type: str, entity_id, label: str, detail: str | None = None) -> None:
        self._entry(entity_type, entity_id, label, OUTCOME_CHANGED, detail)
        self.run.changed += 1

    def failed(self, entity_type: str, entity_id, label: str, reason: str) -> None:
        self._entry(entity_type, entity_id, label, OUTCOME_FAILED, reason)
        self.run.failed += 1

    def flagged(self, entity_type: str, entity_id, label: str, reason: str) -> None:
        self._entry(entity_type, entity_id, label, OUTCOME_FLAGGED, reason)
        self.run.flagged += 1

    def _entry(self, entity_type, entity_id, label, outcome, reason) -> None:
        self._entries.append(dict(
            shop_id=self.shop.id, run_id=self.run.id, option=self.option.name,
            entity_type=entity_type, entity_id=str(entity_id),
            label=(label or str(entity_id))[:LABEL_LENGTH], outcome=outcome, reason=reason))

    def save(self) -> None:
        """Put the log entries and what the clients spent so far into the session (the caller
        commits)."""
        if self._entries:
            entries, self._entries = self._entries, []
            db.session.execute(insert(SyncLogEntry), entries)
        self.save_usage()

    def save_usage(self) -> None:
        """Copy what the clients spent so far onto the run."""
        if self._shopify is not None:
            self.run.shopify_requests = self._shopify.requests_made
            self.run.shopify_cost_points = int(round(self._shopify.cost_points_used))
        if self._dropi is not None:
            self.run.dropi_requests = self._dropi.requests_made

    # --- stopping --------------------------------------------------------------------------

    def keep_going(self, *, force: bool = False) -> None:
        """Call between entities: every few seconds it saves the counts (committing the work
        done so far) and raises SyncStopped when the run must stop."""
        if self.lease_lost.is_set():
            raise SyncStopped(_("Another run of this sync took over."))
        if not force and time.monotonic() - self._checked_at < CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        self.save()
        db.session.commit()
        reason = stop_reason(self.shop.id, self.option)
        if reason:
            raise SyncStopped(reason)


def stop_reason(shop_id: int, option: SyncOption) -> str | None:
    """Why a run of `option` for the shop may not go on now, or None."""
    row = db.session.execute(
        select(Shop.uninstalled_at, Shop.installed_at, ShopConfiguration)
        .outerjoin(ShopConfiguration, ShopConfiguration.shop_id == Shop.id)
        .where(Shop.id == shop_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None or row.installed_at is None or row.uninstalled_at is not None:
        return _("The app was uninstalled from the store.")
    config = row.ShopConfiguration
    if config is None or not config.active:
        return _("The connector was switched off (Active).")
    if option.config_flag and not getattr(config, option.config_flag):
        return _("“%(option)s” was switched off in Settings.", option=option.label)
    return None
