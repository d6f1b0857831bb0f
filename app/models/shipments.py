"""Dropi shipments of the connector's orders: the status history, the Shopify fulfillment made
from it, delivery incidents, and each shop's poll cursor."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# Where a shipment stands, from its last Dropi status.
PHASE_IN_PROGRESS = "in_progress"
PHASE_DELIVERED = "delivered"
PHASE_RETURNED = "returned"
PHASE_CANCELLED = "cancelled"


class Shipment(db.Model):
    """One Dropi order of one OrderRecord, as Dropi last confirmed it."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_records.id", ondelete="CASCADE"))
    dropi_order_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str | None] = mapped_column(String(64))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phase: Mapped[str] = mapped_column(String(16), default=PHASE_IN_PROGRESS, index=True)
    guide: Mapped[str | None] = mapped_column(String(128))
    carrier: Mapped[str | None] = mapped_column(String(255))
    sticker: Mapped[str | None] = mapped_column(String(255))
    # The Shopify side, written under a short lease so a webhook and a poll arriving together
    # make one fulfillment: the fulfillment, the guide it carries, the outcome recorded.
    shopify_fulfillment_id: Mapped[str | None] = mapped_column(String(255))
    fulfilled_guide: Mapped[str | None] = mapped_column(String(128))
    outcome_recorded: Mapped[str | None] = mapped_column(String(16))
    shopify_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shopify_error: Mapped[str | None] = mapped_column(Text)
    # The Shopify refund of a Dropi return: "requested" once refundCreate may have gone out
    # (a retry first looks for it on Shopify), then "done" with the refund, or "failed".
    return_refund_state: Mapped[str | None] = mapped_column(String(16))
    return_refund_id: Mapped[str | None] = mapped_column(String(255))
    return_refund_error: Mapped[str | None] = mapped_column(Text)
    # A delivery incident: its text, whether it is still open, and the incident the flow ran
    # for ("requested" before the send, "sent" after; never sent twice for one incident).
    incident_text: Mapped[str | None] = mapped_column(Text)
    incident_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    incident_flow_key: Mapped[str | None] = mapped_column(String(64))
    incident_flow_state: Mapped[str | None] = mapped_column(String(16))
    incident_flow_error: Mapped[str | None] = mapped_column(Text)
    # The last status webhook that named this order (when, and the status and guide it said),
    # and the one delayed confirmation a burst of different notices gets: floods are not
    # confirmed one by one.
    last_hint_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_hint_key: Mapped[str | None] = mapped_column(String(200))
    hint_confirm_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    history: Mapped[list["ShipmentStatus"]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ShipmentStatus.id")


class ShipmentStatus(db.Model):
    """One status of a shipment, when Dropi says it happened and how we learnt it."""

    __tablename__ = "shipment_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"),
                                             index=True)
    status: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # webhook | poll | pipeline
    guide: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="history")


class ShipmentPoll(db.Model):
    """A shop's poll cursor: when the last complete poll started, and what it cost."""

    __tablename__ = "shipment_polls"
    __table_args__ = (UniqueConstraint("shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_requests: Mapped[int] = mapped_column(Integer, default=0)
    last_orders_seen: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where a cycle cut short by the page cap stopped; the next one goes on from there.
    resume_start: Mapped[int] = mapped_column(Integer, default=0)
