"""Dropi products imported into Shopify and the link of each variant."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# "mapped": a Shopify product the merchant already sold, matched to Dropi by SKU or barcode.
IMPORT_TYPES = ("single", "bulk", "auto", "mapped")
PRODUCT_STATUSES = ("DRAFT", "ACTIVE")
# What stock sync does when every variant of a product is out of stock at Dropi: set the
# quantities to zero, also set the product to draft, or keep selling (inventory policy CONTINUE).
OUT_OF_STOCK_POLICIES = ("zero", "draft", "continue")


class ProductAssociation(db.Model):
    """One Dropi product associated with one Shopify product, with the import preferences."""

    __tablename__ = "product_associations"
    __table_args__ = (UniqueConstraint("shop_id", "dropi_product_id", "shopify_product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    dropi_product_id: Mapped[str] = mapped_column(String(255), index=True)
    shopify_product_id: Mapped[str] = mapped_column(String(255), index=True)
    original_dropi_name: Mapped[str] = mapped_column(String(500))
    shopify_title: Mapped[str] = mapped_column(String(500))
    import_type: Mapped[str] = mapped_column(String(50), default="single")
    variant_mappings: Mapped[dict] = mapped_column(JSON, default=dict)
    save_dropi_name: Mapped[bool] = mapped_column(Boolean, default=True)
    save_dropi_description: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_pricing: Mapped[str | None] = mapped_column(String(50))
    use_suggested_barcode: Mapped[bool] = mapped_column(Boolean, default=False)
    save_dropi_images: Mapped[bool] = mapped_column(Boolean, default=True)
    dropi_country: Mapped[str | None] = mapped_column(String(2))
    custom_title: Mapped[str | None] = mapped_column(String(500))
    custom_description: Mapped[str | None] = mapped_column(Text)
    compare_at_rule: Mapped[str | None] = mapped_column(String(50))
    price_ending: Mapped[str | None] = mapped_column(String(10))
    min_margin_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2, asdecimal=True))
    product_status: Mapped[str] = mapped_column(String(16), default="DRAFT")
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    out_of_stock_policy: Mapped[str] = mapped_column(String(16), default="zero",
                                                     server_default="zero")
    # The out-of-stock action stock sync took ("draft" or "continue"), undone when stock returns.
    out_of_stock_applied: Mapped[str | None] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    variant_links: Mapped[list["VariantLink"]] = relationship(
        back_populates="association", cascade="all, delete-orphan", passive_deletes=True
    )


class VariantLink(db.Model):
    """A Dropi variation (or a simple product) linked to its Shopify variant. Item mapping also
    keeps a link without association for a Shopify variant it could not match, with the reason
    in `details_error`."""

    __tablename__ = "variant_links"
    __table_args__ = (UniqueConstraint("association_id", "dropi_variation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_associations.id", ondelete="CASCADE"), index=True
    )
    # Empty for a simple Dropi product, which has a single implicit variation.
    dropi_variation_id: Mapped[str] = mapped_column(String(255), default="")
    shopify_variant_id: Mapped[str | None] = mapped_column(String(255), index=True)
    shopify_product_id: Mapped[str | None] = mapped_column(String(255))
    shopify_inventory_item_id: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255), index=True)
    barcode: Mapped[str | None] = mapped_column(String(255))
    details_received: Mapped[bool] = mapped_column(Boolean, default=False)
    details_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    association: Mapped[ProductAssociation | None] = relationship(back_populates="variant_links")
