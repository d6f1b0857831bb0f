"""Refunds seen on Shopify or created there by the connector."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
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
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True))
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
