"""What Shopify says happened to an order outside the connector's own pipeline: refunds (seen on
Shopify or created there by the connector) and fulfillments (made by anyone, the connector's own
recognised as such)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_refund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    shopify_refund_id: Mapped[str] = mapped_column(String(255))
    shopify_order_id: Mapped[str] = mapped_column(String(255), index=True)
    # "from_shopify" when read from the store, "to_shopify" when the connector created it.
    direction: Mapped[str] = mapped_column(String(16), default="from_shopify")
    # Money that went back to the customer (the refund's successful transactions).
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True))
    # What the refunded lines were worth (subtotals of the refund line items); a refund of a
    # cash-on-delivery order can return lines without moving money.
    lines_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True),
                                                  default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    # Every refunded line: {line_item_id, variant_id, title, quantity, subtotal, dropi (bool)}.
    lines: Mapped[list] = mapped_column(JSON, default=list)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderFulfillment(db.Model):
    """One Shopify fulfillment of one of the shop's orders, as the newest webhook (by Shopify's
    `updated_at`) described it; `ours` when the connector created it from a Dropi guide."""

    __tablename__ = "order_fulfillments"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_fulfillment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    shopify_fulfillment_id: Mapped[str] = mapped_column(String(64))
    shopify_order_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(32), default="")
    shipment_status: Mapped[str | None] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(255))
    tracking_number: Mapped[str | None] = mapped_column(String(255))
    tracking_url: Mapped[str | None] = mapped_column(Text)
    ours: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which state is newest: Shopify's `updated_at` (whole seconds), then, for two states of
    # the same second, when Shopify triggered the webhook that brought it (milliseconds).
    shopify_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
