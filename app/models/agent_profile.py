"""What the AI agent profile leaves behind: saved versions, its Ecomdrop bot field and the
alerts sent to the merchant's contacts."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class AgentProfileVersion(db.Model):
    """One saved state of the shop's agent settings (numbered from 1 per shop)."""

    __tablename__ = "agent_profile_versions"
    __table_args__ = (UniqueConstraint("shop_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict] = mapped_column(JSON)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentEcomdropLink(db.Model):
    """Where the agent profile meets Ecomdrop for one shop: the bot field its compiled text is
    written to (with what was last written and when) and the flow that carries alerts."""

    __tablename__ = "agent_ecomdrop_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    profile_field_id: Mapped[str | None] = mapped_column(String(32))
    profile_field_name: Mapped[str | None] = mapped_column(String(255))
    # sha256 of the text (and field id) last written; a write runs only when it differs.
    written_digest: Mapped[str | None] = mapped_column(String(64))
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A writer claims a digest before calling Ecomdrop, so concurrent jobs write once.
    claimed_digest: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the profile changed and its write is queued; cleared once Ecomdrop holds it. A
    # sweep queues again writes pending too long (a lost job, a worker that died).
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_flow_id: Mapped[str | None] = mapped_column(String(64))
    alert_flow_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotificationStatus(str, enum.Enum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MerchantNotification(db.Model):
    """One alert the agent asked to send to a notification contact, and what became of it.
    `request_key` makes a repeated request (a retry, a second delivery) the same alert."""

    __tablename__ = "merchant_notifications"
    __table_args__ = (UniqueConstraint("shop_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    request_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[NotificationStatus] = mapped_column(
        Enum(NotificationStatus, name="notification_status", native_enum=False, length=20,
             values_callable=lambda members: [m.value for m in members],
             validate_strings=True),
        default=NotificationStatus.SENDING,
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
