"""Refunds made in Shopify, recorded once each: from the refunds/create webhook (handlers.py)
and from the daily backfill of recent orders (backfill.py). A refunded Dropi line is flagged
on our order record until the merchant settles it with Dropi."""
from app.services.refunds import backfill as _backfill  # noqa: F401  registers the sync option
from app.services.refunds import handlers as _handlers  # noqa: F401  registers webhooks
from app.services.refunds.records import (
    RETURN_NOTE_PREFIX,
    RecordedRefund,
    record_refund,
    refund_from_node,
    refund_from_payload,
    settle_refund,
)

__all__ = ["RETURN_NOTE_PREFIX", "RecordedRefund", "record_refund", "refund_from_node",
           "refund_from_payload", "settle_refund"]
