"""Our record of each Shopify order on its way to WhatsApp (Ecomdrop) and Dropi: the order, the
state of each step, the timeline of what happened, and the Dropi city a merchant picked for an
address."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


def _enum(cls, name: str, length: int = 24) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class StepName(str, enum.Enum):
    """The steps of the pipeline, in the order they run."""

    WHATSAPP = "whatsapp"
    CONFIRMATION = "confirmation"
    DROPI = "dropi"
    CANCELLATION = "cancellation"


class StepState(str, enum.Enum):
    """Where one step of one order stands.

    PENDING: to run (or to run again after a failure, at `next_attempt_at`); RUNNING: a worker
    holds its lease; WAITING: waiting for the customer (confirmation) or the merchant (city
    pick, a decision); DONE; SKIPPED: does not apply (prepaid, no Dropi lines, no phone...);
    FAILED: gave up retrying, the merchant decides; HELD: not sent because the connector was off.
    """

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    HELD = "held"


class ConfirmationPolicy(str, enum.Enum):
    SEND_AT_ONCE = "send_at_once"
    HOLD_COD = "hold_cod"


class TimeoutAction(str, enum.Enum):
    CANCEL = "cancel"
    SEND = "send"
    MERCHANT = "merchant"


class OrderRecord(db.Model):
    """One Shopify order as the connector knows it; steps and events hang off it."""

    __tablename__ = "order_records"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_order_id"),
        UniqueConstraint("confirmation_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    # Shopify's numeric order id (what Dropi gets as shop_order_id) and the order name (#1001).
    shopify_order_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    shopify_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The newest Shopify `updated_at` applied; older deliveries change nothing.
    shopify_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    # E.164 for the shop's (or the address's) country; None when there is none or it is invalid.
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_as_given: Mapped[str | None] = mapped_column(String(64))
    address1: Mapped[str] = mapped_column(String(500), default="")
    address2: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    province: Mapped[str] = mapped_column(String(255), default="")
    zip_code: Mapped[str] = mapped_column(String(32), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    gateway: Mapped[str] = mapped_column(String(255), default="")
    cash_on_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    financial_status: Mapped[str] = mapped_column(String(32), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True), default=Decimal(0))
    shipping_total: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True),
                                                    default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2, asdecimal=True), default=Decimal(0))
    # Every line: {title, quantity, price, sku, variant_id, dropi_product_id, dropi_variation_id,
    # dropi (bool)}; Dropi lines are those whose variant is linked to a Dropi product.
    lines: Mapped[list] = mapped_column(JSON, default=list)
    has_dropi_lines: Mapped[bool] = mapped_column(Boolean, default=False)
    has_other_lines: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sent to the customer's WhatsApp flow and back in the confirmation callback.
    confirmation_code: Mapped[str] = mapped_column(String(32))
    confirmation_answer: Mapped[str | None] = mapped_column(String(16))  # confirmed|cancelled
    confirmation_source: Mapped[str | None] = mapped_column(String(16))  # customer|merchant|timeout
    confirmation_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ecomdrop_contact_id: Mapped[str | None] = mapped_column(String(64))
    # Dropi's department and city names this order goes to (resolved or picked).
    dropi_department: Mapped[str | None] = mapped_column(String(255))
    dropi_city: Mapped[str | None] = mapped_column(String(255))
    dropi_city_id: Mapped[int | None] = mapped_column(Integer)
    dropi_cod_dane: Mapped[str | None] = mapped_column(String(16))
    dropi_carrier_id: Mapped[int | None] = mapped_column(Integer)
    dropi_carrier_name: Mapped[str | None] = mapped_column(String(255))
    dropi_order_id: Mapped[int | None] = mapped_column(Integer)
    dropi_status: Mapped[str | None] = mapped_column(String(64))
    dropi_shipping_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2, asdecimal=True))
    dropi_total_order: Mapped[int | None] = mapped_column(Integer)
    dropi_guide: Mapped[str | None] = mapped_column(String(128))
    dropi_carrier: Mapped[str | None] = mapped_column(String(255))
    # Set when Shopify cancelled the order.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shopify refunded a Dropi line the merchant has not marked as settled with Dropi yet.
    refund_to_settle: Mapped[bool] = mapped_column(Boolean, default=False)
    # True while some step waits for the merchant or gave up, or a refunded Dropi line is to
    # settle: the "needs attention" filter.
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    steps: Mapped[list["OrderStep"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", passive_deletes=True,
        order_by="OrderStep.id",
    )

    def step(self, name: StepName) -> "OrderStep | None":
        return next((s for s in self.steps if s.name == name), None)

    @property
    def customer_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p).strip()

    @property
    def dropi_lines(self) -> list[dict]:
        return [line for line in self.lines or [] if line.get("dropi")]


class OrderStep(db.Model):
    """One step of one order: its state, attempts, the last error in the merchant's words, and
    the lease a worker holds while it runs it."""

    __tablename__ = "order_steps"
    __table_args__ = (UniqueConstraint("order_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_records.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[StepName] = mapped_column(_enum(StepName, "order_step_name", 16))
    state: Mapped[StepState] = mapped_column(_enum(StepState, "order_step_state", 16),
                                             default=StepState.PENDING, index=True)
    # Why it waits, was skipped or held, in a stable code the pages translate (see
    # app.services.order_pipeline.texts); last_error is the service's own words.
    reason: Mapped[str | None] = mapped_column(String(48))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What a retry must know: e.g. {"create_sent_at": ...} once a Dropi order POST went out.
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[OrderRecord] = relationship(back_populates="steps")


class OrderEvent(db.Model):
    """One line of an order's timeline: `kind` is a stable code, `params` fill its text."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_records.id", ondelete="CASCADE"),
                                          index=True)
    step: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CityChoice(db.Model):
    """The Dropi department and city a merchant picked for a Shopify province and city, used
    for every later order to the same place."""

    __tablename__ = "order_city_choices"
    __table_args__ = (UniqueConstraint("shop_id", "country", "address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    # Normalised "province|city" as Shopify wrote them.
    address_key: Mapped[str] = mapped_column(String(500))
    department: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int] = mapped_column(Integer)
    city: Mapped[str] = mapped_column(String(255))
    city_id: Mapped[int] = mapped_column(Integer)
    cod_dane: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
