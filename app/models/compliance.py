"""Privacy requests Shopify forwards: customers/data_request, customers/redact, shop/redact."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ComplianceStatus(str, enum.Enum):
    COMPLETED = "completed"
    # A later customers/redact or shop/redact erased the report this request produced.
    ERASED = "erased"


class ComplianceRequest(db.Model):
    """One handled privacy request. Keyed on the shop's domain, not its row, because it must
    outlive a shop/redact; `report` holds a data request's findings until a redact erases them."""

    __tablename__ = "compliance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    webhook_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="SET NULL"), unique=True
    )
    shopify_customer_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ComplianceStatus] = mapped_column(
        Enum(
            ComplianceStatus,
            name="compliance_status",
            native_enum=False,
            length=16,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        default=ComplianceStatus.COMPLETED,
    )
    report: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
