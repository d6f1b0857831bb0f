"""Abandoned checkouts the connector may win back with the merchant's WhatsApp flow."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class RecoveryStatus(str, enum.Enum):
    WAITING = "waiting"  # the delay has not passed yet
    SENDING = "sending"  # claimed by one worker; the flow may be on its way
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # the flow was requested but the answer was lost: never resent
    RECOVERED = "recovered"  # the checkout became an order
    SKIPPED = "skipped"  # not sent, `skip_reason` says why


class AbandonedCheckout(db.Model):
    """One Shopify checkout, keyed on its id; at most one flow is ever sent for it."""

    __tablename__ = "abandoned_checkouts"
    __table_args__ = (UniqueConstraint("shop_id", "checkout_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    checkout_id: Mapped[str] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(255))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    recovery_url: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2, asdecimal=True))
    currency: Mapped[str | None] = mapped_column(String(3))
    accepts_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[RecoveryStatus] = mapped_column(
        Enum(RecoveryStatus, name="recovery_status", native_enum=False, length=16,
             values_callable=lambda members: [m.value for m in members],
             validate_strings=True),
        default=RecoveryStatus.WAITING, index=True)
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    checkout_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flow_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shopify_order_id: Mapped[str | None] = mapped_column(String(64))
    ecomdrop_contact_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
