"""Every webhook delivery we accepted, deduplicated on Shopify's event id."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class WebhookStatus(str, enum.Enum):
    RECEIVED = "received"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"


class WebhookEvent(db.Model):
    """Keyed on the shop's domain, not its row, so deliveries for a shop we erased still dedupe."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("shop_domain", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    event_id: Mapped[str] = mapped_column(String(255))
    webhook_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(100), index=True)
    api_version: Mapped[str] = mapped_column(String(16))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[WebhookStatus] = mapped_column(
        Enum(
            WebhookStatus,
            name="webhook_status",
            native_enum=False,
            length=16,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        default=WebhookStatus.RECEIVED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While PROCESSING: the worker that claimed the event renews this; once it has passed, the
    # worker is presumed dead and the periodic sweep queues the event again.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
