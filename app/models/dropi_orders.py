"""Dropi orders placed outside the Shopify integration (Dropi's panel, an Ecomdrop flow) that the
connector creates in Shopify: one row per Dropi order, written before Shopify is asked, so a
retry after a lost answer looks the order up instead of creating it twice; and each shop's
cursor over Dropi's order list."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# Where one Dropi order stands: SENDING until it is created or refused (sent_at says whether an
# orderCreate went out whose answer is unknown: the next attempt first looks the order up by its
# source identifier), CREATED with the Shopify order, REFUSED when Shopify (or our own check)
# refused it (the reason in last_error; a merchant's retry sends it again).
IMPORT_SENDING = "sending"
IMPORT_CREATED = "created"
IMPORT_REFUSED = "refused"
SOURCE_PREFIX = "dropi-"


def source_identifier(dropi_order_id: int) -> str:
    """What a Shopify order created from a Dropi order carries as its sourceIdentifier (and
    what the connector searches by)."""
    return f"{SOURCE_PREFIX}{int(dropi_order_id)}"


def dropi_id_of(source: str | None) -> int | None:
    """The Dropi order id in a source identifier the connector wrote, else None."""
    text = str(source or "")
    digits = text[len(SOURCE_PREFIX):]
    return int(digits) if text.startswith(SOURCE_PREFIX) and digits.isdigit() else None


class DropiOrderImport(db.Model):
    """One Dropi order the connector creates in Shopify."""

    __tablename__ = "dropi_order_imports"
    __table_args__ = (UniqueConstraint("shop_id", "dropi_order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    dropi_order_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=IMPORT_SENDING)
    # When the last orderCreate went out: a retry sooner than Shopify's search index can be
    # trusted to show the order waits instead of sending again.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    shopify_order_id: Mapped[str | None] = mapped_column(String(64))
    shopify_order_name: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_records.id", ondelete="SET NULL"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DropiOrderScan(db.Model):
    """A shop's cursor over Dropi's orders by creation date: when the last complete scan
    started, and where a scan cut short by the page cap stopped."""

    __tablename__ = "dropi_order_scans"
    __table_args__ = (UniqueConstraint("shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resume_start: Mapped[int] = mapped_column(Integer, default=0)
    resume_from: Mapped[str | None] = mapped_column(String(10))  # the date a cut scan read from
