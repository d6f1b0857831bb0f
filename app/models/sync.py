"""Automatic sync: one state row per shop and option (its schedule and the lease of the run in
progress), one row per run with its counts, and a log of what happened to each entity."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

RUN_RUNNING = "running"
RUN_SUCCEEDED = "succeeded"
RUN_PARTIAL = "partial"  # finished, some entities failed
RUN_FAILED = "failed"  # the run itself could not go on (Dropi down, token refused, ...)
RUN_STOPPED = "stopped"  # Active or the option was switched off, or the shop uninstalled
RUN_INTERRUPTED = "interrupted"  # its worker died; the next run carried on
RUN_STATUSES = (RUN_RUNNING, RUN_SUCCEEDED, RUN_PARTIAL, RUN_FAILED, RUN_STOPPED,
                RUN_INTERRUPTED)

OUTCOME_CHANGED = "changed"
OUTCOME_FAILED = "failed"
OUTCOME_FLAGGED = "flagged"
OUTCOMES = (OUTCOME_CHANGED, OUTCOME_FAILED, OUTCOME_FLAGGED)


class SyncState(db.Model):
    """The schedule of one option for one shop, and who is running it now."""

    __tablename__ = "sync_states"
    __table_args__ = (UniqueConstraint("shop_id", "option"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    option: Mapped[str] = mapped_column(String(32))
    # None: the option's default interval.
    interval_minutes: Mapped[int | None] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A run the merchant asked for ("Run now" or a retry of some entities), not yet started.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_entities: Mapped[list | None] = mapped_column(JSON)
    # When a job for this option was last queued: the sweep does not queue it again meanwhile.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_run_id: Mapped[int | None] = mapped_column(Integer)
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncRun(db.Model):
    """One run of an option for a shop, with what it checked, changed and spent."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_shop_option_started", "shop_id", "option",
                            "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    option: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule, manual, retry, resume
    status: Mapped[str] = mapped_column(String(16), default=RUN_RUNNING)
    entities: Mapped[list | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    shopify_cost_points: Mapped[int] = mapped_column(Integer, default=0)
    shopify_requests: Mapped[int] = mapped_column(Integer, default=0)
    dropi_requests: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class SyncLogEntry(db.Model):
    """What a run (or a webhook) did to one entity: changed it, failed on it, or flagged it for
    the merchant, with the reason in the merchant's language."""

    __tablename__ = "sync_log_entries"
    __table_args__ = (Index("ix_sync_log_entries_shop_option_id", "shop_id", "option", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("sync_runs.id", ondelete="SET NULL"), index=True)
    option: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
