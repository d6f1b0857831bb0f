"""Per-shop connector settings and the Shopify location to Dropi warehouse map."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Enum, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import EncryptedText, UTCDateTime, utcnow


class InventoryBehaviour(str, enum.Enum):
    """How Shopify treats stock when the connector creates an order there."""

    BYPASS = "bypass"
    DECREMENT_IGNORING_POLICY = "decrement_ignoring_policy"
    DECREMENT_OBEYING_POLICY = "decrement_obeying_policy"


class ShopConfiguration(db.Model):
    """One row per shop: Ecomdrop and Dropi credentials and the sync switches."""

    __tablename__ = "shop_configurations"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), unique=True
    )
    ecomdrop_api_key: Mapped[str | None] = mapped_column(EncryptedText)
    ecomdrop_new_order_flow_id: Mapped[str | None] = mapped_column(String(255))
    ecomdrop_abandoned_cart_flow_id: Mapped[str | None] = mapped_column(String(255))
    dropi_store_name: Mapped[str | None] = mapped_column(String(255))
    dropi_country: Mapped[str | None] = mapped_column(String(10))
    dropi_token: Mapped[str | None] = mapped_column(EncryptedText)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    create_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    inventory_behaviour: Mapped[InventoryBehaviour] = mapped_column(
        Enum(
            InventoryBehaviour,
            name="inventory_behaviour",
            native_enum=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        default=InventoryBehaviour.BYPASS,
    )
    send_order_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    send_shipping_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    get_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    get_products: Mapped[bool] = mapped_column(Boolean, default=False)
    # Item mapping: the products already in Shopify are matched to Dropi by SKU or barcode (their
    # orders then go to Dropi), so the merchant opts in.
    map_existing_products: Mapped[bool] = mapped_column(Boolean, default=False)
    get_prices: Mapped[bool] = mapped_column(Boolean, default=False)
    get_refunds: Mapped[bool] = mapped_column(Boolean, default=False)
    get_shipments: Mapped[bool] = mapped_column(Boolean, default=False)
    # A Dropi return (DEVOLUCION) creates the Shopify refund of the returned lines.
    refund_dropi_returns: Mapped[bool] = mapped_column(Boolean, default=False)
    prices_update_original_price: Mapped[bool] = mapped_column(Boolean, default=False)
    taxes_included: Mapped[bool] = mapped_column(Boolean, default=False)
    # Get prices: a selling price that would move by more than this percentage waits for the
    # merchant's approval instead of being written.
    price_change_threshold_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 1, asdecimal=True), default=Decimal("20"), server_default="20")
    # What the last live call to each service said, for the status panels.
    dropi_last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dropi_last_error: Mapped[str | None] = mapped_column(Text)
    ecomdrop_last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ecomdrop_last_error: Mapped[str | None] = mapped_column(Text)
    # The IP Dropi last named when it refused this app's server ("Access denied").
    dropi_refused_caller_ip: Mapped[str | None] = mapped_column(String(64))
    # The Ecomdrop bot field that carries the Dropi token to the merchant's flows: the id the
    # merchant entered (None: the country's default id), and the id last written.
    ecomdrop_dropi_token_field_choice: Mapped[str | None] = mapped_column(String(64))
    ecomdrop_dropi_token_field_id: Mapped[str | None] = mapped_column(String(64))
    ecomdrop_dropi_token_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The flow run when a Dropi delivery has an incident (novedad).
    ecomdrop_incident_flow_id: Mapped[str | None] = mapped_column(String(255))
    # Abandoned checkouts: minutes to wait before the flow, and whose checkouts get it
    # ("marketing": only buyers who accepted marketing; "all").
    abandoned_checkout_delay_minutes: Mapped[int] = mapped_column(Integer, default=60)
    abandoned_checkout_audience: Mapped[str] = mapped_column(String(16), default="marketing")
    # Order pipeline: send at once, or hold cash-on-delivery orders until the customer confirms
    # on WhatsApp; after the timeout the order is cancelled, sent anyway or left to the merchant.
    confirmation_policy: Mapped[str] = mapped_column(String(16), default="send_at_once")
    confirmation_timeout_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    confirmation_timeout_action: Mapped[str] = mapped_column(String(16), default="merchant")
    # None: Dropi applies the merchant's own carrier preferences; "cheapest": the cheapest quote;
    # else a Dropi carrier (distribution company) id.
    preferred_carrier: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the per-shop secret the Ecomdrop flows send with the customer's answer; the
    # secret itself is shown once, when it is made.
    callback_secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    callback_secret_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ids of the contact custom fields the new-order flow reads, by name, once created.
    ecomdrop_order_fields: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LocationMapping(db.Model):
    """A Shopify location that receives the stock of one Dropi warehouse."""

    __tablename__ = "location_mappings"
    __table_args__ = (UniqueConstraint("shop_id", "dropi_warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    shopify_location_id: Mapped[str] = mapped_column(String(255))
    shopify_location_name: Mapped[str] = mapped_column(String(255))
    dropi_warehouse_id: Mapped[str] = mapped_column(String(64))
    dropi_warehouse_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
