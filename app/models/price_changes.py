"""Price changes from Dropi that are larger than the shop's threshold and wait for the
merchant: one row per Shopify variant, holding the latest proposal and what became of it."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

PRICE_CHANGE_PENDING = "pending"
PRICE_CHANGE_APPLIED = "applied"
PRICE_CHANGE_REJECTED = "rejected"
PRICE_CHANGE_APPROVED = "approved"  # the merchant approved it; written next, then applied
PRICE_CHANGE_STATUSES = (PRICE_CHANGE_PENDING, PRICE_CHANGE_APPROVED, PRICE_CHANGE_APPLIED,
                         PRICE_CHANGE_REJECTED)


class PendingPriceChange(db.Model):
    """A variant's proposed price (and compare-at price) from a new Dropi cost."""

    __tablename__ = "pending_price_changes"
    __table_args__ = (UniqueConstraint("association_id", "shopify_variant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("product_associations.id", ondelete="CASCADE"), index=True)
    dropi_variation_id: Mapped[str] = mapped_column(String(255), default="")
    shopify_product_id: Mapped[str] = mapped_column(String(255))
    shopify_variant_id: Mapped[str] = mapped_column(String(255))
    product_title: Mapped[str] = mapped_column(String(500))
    variant_label: Mapped[str] = mapped_column(String(500))
    old_cost: Mapped[Decimal | None] = mapped_column(Numeric(15, 2, asdecimal=True))
    new_cost: Mapped[Decimal] = mapped_column(Numeric(15, 2, asdecimal=True))
    old_price: Mapped[Decimal | None] = mapped_column(Numeric(15, 2, asdecimal=True))
    new_price: Mapped[Decimal] = mapped_column(Numeric(15, 2, asdecimal=True))
    old_compare_at: Mapped[Decimal | None] = mapped_column(Numeric(15, 2, asdecimal=True))
    new_compare_at: Mapped[Decimal | None] = mapped_column(Numeric(15, 2, asdecimal=True))
    # Signed change of the selling price, in percent of the old one.
    change_percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 1, asdecimal=True))
    status: Mapped[str] = mapped_column(String(16), default=PRICE_CHANGE_PENDING, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
