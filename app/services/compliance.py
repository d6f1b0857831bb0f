"""Shopify's mandatory privacy webhooks: customers/data_request, customers/redact, shop/redact.

What we hold about a customer lives in "customer data sources". Webhook payloads and refunds are
built in; a feature that stores customer data in its own table registers a source with
`customer_data_source(...)` so requests find and erase it too. Logs carry ids and counts only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import (
    ComplianceRequest,
    ComplianceStatus,
    Refund,
    Shop,
    WebhookEvent,
    WebhookStatus,
)
from app.models.types import utcnow
from app.services.customer_match import CustomerRef, mentions_customer, order_id_forms
from app.services.uninstall import event_time
from app.services.webhooks import webhook_handler

log = logging.getLogger(__name__)

DATA_REQUEST = "customers/data_request"
CUSTOMER_REDACT = "customers/redact"
SHOP_REDACT = "shop/redact"
PRIVACY_TOPICS = (DATA_REQUEST, CUSTOMER_REDACT, SHOP_REDACT)
SCAN_BATCH = 500


@dataclass(frozen=True)
class CustomerDataSource:
    """collect(shop_domain, ref) -> list of JSON-ready records; erase(shop_domain, ref) -> count.
    erase_shop(shop_domain) -> count is for data a shop/redact would not reach by cascade."""

    name: str
    collect: Callable[[str, CustomerRef], list[dict]]
    erase: Callable[[str, CustomerRef], int]
    erase_shop: Callable[[str], int] | None = None


_sources: dict[str, CustomerDataSource] = {}


def customer_data_source(
    name: str,
    *,
    collect: Callable[[str, CustomerRef], list[dict]],
    erase: Callable[[str, CustomerRef], int],
    erase_shop: Callable[[str], int] | None = None,
) -> None:
    """Register where a feature keeps customer data, so privacy requests reach it."""
    _sources[name] = CustomerDataSource(name, collect, erase, erase_shop)


# --- built-in sources ----------------------------------------------------------------------


def _matching_events(shop_domain: str, ref: CustomerRef, *, include_privacy: bool) -> list:
    query = (
        select(WebhookEvent.id, WebhookEvent.topic, WebhookEvent.received_at, WebhookEvent.payload)
        .where(WebhookEvent.shop_domain == shop_domain)
        .order_by(WebhookEvent.id)
        .execution_options(yield_per=SCAN_BATCH)
    )
    rows = db.session.execute(query)
    return [
        row
        for row in rows
        if row.payload
        and (include_privacy or row.topic not in PRIVACY_TOPICS)
        and mentions_customer(row.payload, row.topic, ref)
    ]


def _collect_events(shop_domain: str, ref: CustomerRef) -> list[dict]:
    return [
        {
            "event": row.id,
            "topic": row.topic,
            "received_at": row.received_at.isoformat(),
            "payload": row.payload,
        }
        for row in _matching_events(shop_domain, ref, include_privacy=False)
    ]


def _erase_events(shop_domain: str, ref: CustomerRef) -> int:
    ids = [row.id for row in _matching_events(shop_domain, ref, include_privacy=True)]
    return _blank_payloads(WebhookEvent.id.in_(ids)) if ids else 0


def _erase_shop_events(shop_domain: str) -> int:
    return _blank_payloads(WebhookEvent.shop_domain == shop_domain)


def _blank_payloads(condition) -> int:
    """Empty the payloads but keep the rows: their event ids still dedupe late deliveries."""
    statement = update(WebhookEvent).where(condition).values(payload={})
    return db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount


def _refunds_query(shop_domain: str, ref: CustomerRef):
    shop_id = select(Shop.id).where(Shop.domain == shop_domain).scalar_subquery()
    forms = order_id_forms(ref.order_ids)
    return Refund.shop_id == shop_id, Refund.shopify_order_id.in_(forms)


def _collect_refunds(shop_domain: str, ref: CustomerRef) -> list[dict]:
    if not ref.order_ids:
        return []
    refunds = db.session.execute(select(Refund).where(*_refunds_query(shop_domain, ref))).scalars()
    return [
        {
            "refund": r.shopify_refund_id,
            "order": r.shopify_order_id,
            "amount": str(r.amount),
            "currency": r.currency,
            "note": r.note,
            "refunded_at": r.refunded_at.isoformat() if r.refunded_at else None,
        }
        for r in refunds
    ]


def _erase_refunds(shop_domain: str, ref: CustomerRef) -> int:
    if not ref.order_ids:
        return 0
    return db.session.execute(delete(Refund).where(*_refunds_query(shop_domain, ref))).rowcount


customer_data_source(
    "webhook_events", collect=_collect_events, erase=_erase_events, erase_shop=_erase_shop_events
)
customer_data_source("refunds", collect=_collect_refunds, erase=_erase_refunds)


# --- handlers --------------------------------------------------------------------------------


def _customer_ref(shop_domain: str, payload: dict, orders_key: str) -> CustomerRef:
    """The customer named in the payload, plus the orders of theirs that our events show."""
    ref = CustomerRef.from_payload(payload, orders_key)
    found = {
        str(row.payload.get("id"))
        for row in _matching_events(shop_domain, ref, include_privacy=False)
        if row.topic.startswith("orders/") and row.payload.get("id") is not None
    }
    return ref.with_orders(found)


@webhook_handler(DATA_REQUEST, requires_active_shop=False)
def handle_data_request(settings, shop_domain: str, payload: dict, event: WebhookEvent) -> None:
    """Gather what we hold about the customer into a report the merchant can hand over."""
    ref = _customer_ref(shop_domain, payload, "orders_requested")
    found = {name: source.collect(shop_domain, ref) for name, source in sorted(_sources.items())}
    report = {
        "customer": ref.as_report(),
        "orders_requested": sorted(ref.requested_order_ids),
        "orders_found": sorted(ref.order_ids),
        "data": found,
        "generated_at": utcnow().isoformat(),
    }
    request_id = (payload.get("data_request") or {}).get("id")
    row = _record(shop_domain, event, ref, report, request_id=request_id)
    log.info(
        "data request %s for %s: %s",
        row.id,
        shop_domain,
        ", ".join(f"{len(items)} {name}" for name, items in found.items()),
    )


@webhook_handler(CUSTOMER_REDACT, requires_active_shop=False)
def handle_customer_redact(settings, shop_domain: str, payload: dict, event: WebhookEvent) -> None:
    """Erase what we hold about the customer, including earlier data-request reports."""
    ref = _customer_ref(shop_domain, payload, "orders_to_redact")
    erased = {name: source.erase(shop_domain, ref) for name, source in sorted(_sources.items())}
    erased["reports"] = _erase_reports(shop_domain, ref.customer_id) if ref.customer_id else 0
    row = _record(shop_domain, event, ref, {"erased": erased}, pii_free=True)
    log.info("customer redaction %s for %s: %s", row.id, shop_domain, erased)


@webhook_handler(SHOP_REDACT, requires_active_shop=False)
def handle_shop_redact(settings, shop_domain: str, payload: dict, event: WebhookEvent) -> None:
    """Erase the shop: its row (every table cascades from it), the payloads of its webhook
    events (kept as ids for dedupe) and its privacy reports. A shop that reinstalled after the
    request was made keeps its data."""
    shop = db.session.execute(select(Shop).where(Shop.domain == shop_domain)).scalar_one_or_none()
    if shop is not None and shop.is_installed and shop.installed_at > event_time(event):
        _record(shop_domain, event, None, {"skipped": "the shop installed the app again"})
        log.info("shop/redact for %s skipped: reinstalled since", shop_domain)
        return
    if shop is not None:
        db.session.execute(delete(Shop).where(Shop.id == shop.id))
        db.session.expunge(shop)
    erased = {"shop_deleted": shop is not None}
    for name, source in sorted(_sources.items()):
        if source.erase_shop:
            erased[name] = source.erase_shop(shop_domain)
    erased["reports"] = _erase_reports(shop_domain)
    erased["pending_events_dropped"] = _drop_pending_events(shop_domain, event.id)
    _record(shop_domain, event, None, {"erased": erased})
    log.info("shop/redact for %s done: %s", shop_domain, erased)


def _erase_reports(shop_domain: str, customer_id: str | None = None) -> int:
    """Blank earlier data-request reports: of one customer, or without one, all of the shop."""
    query = update(ComplianceRequest).where(
        ComplianceRequest.shop_domain == shop_domain,
        ComplianceRequest.status == ComplianceStatus.COMPLETED,
        ComplianceRequest.topic == DATA_REQUEST,
    )
    if customer_id is not None:
        query = query.where(ComplianceRequest.shopify_customer_id == customer_id)
    query = query.values(report=None, status=ComplianceStatus.ERASED)
    return db.session.execute(query.execution_options(synchronize_session="fetch")).rowcount


def _drop_pending_events(shop_domain: str, current_event_id: int) -> int:
    """Events of the erased shop still waiting to run have nothing left to act on."""
    query = (
        update(WebhookEvent)
        .where(
            WebhookEvent.shop_domain == shop_domain,
            WebhookEvent.id != current_event_id,
            WebhookEvent.status.in_([WebhookStatus.RECEIVED, WebhookStatus.FAILED]),
        )
        .values(status=WebhookStatus.IGNORED, last_error="shop data erased")
    )
    return db.session.execute(query.execution_options(synchronize_session="fetch")).rowcount


def _record(
    shop_domain, event, ref, report, *, request_id=None, pii_free=False
) -> ComplianceRequest:
    """One ComplianceRequest per webhook event, updated in place when the event is replayed."""
    row = db.session.execute(
        select(ComplianceRequest).where(ComplianceRequest.webhook_event_id == event.id)
    ).scalar_one_or_none() or ComplianceRequest(webhook_event_id=event.id)
    row.shop_domain, row.topic = shop_domain, event.topic
    row.shopify_customer_id = ref.customer_id if ref else None
    row.request_id = str(request_id)[:64] if request_id is not None else None
    row.report, row.status = report, ComplianceStatus.COMPLETED
    row.received_at, row.completed_at = event.received_at, utcnow()
    db.session.add(row)
    if pii_free:
        # The redact request itself names the customer; keep only what proves we acted on it.
        event.payload = {"customer": {"id": ref.customer_id}, "redacted": True}
    db.session.flush()
    return row


def compliance_requests(
    shop_domain: str | None = None, limit: int = 200
) -> list[ComplianceRequest]:
    """Handled privacy requests, newest first, for one shop or all."""
    query = select(ComplianceRequest).order_by(ComplianceRequest.id.desc()).limit(limit)
    if shop_domain:
        query = query.where(ComplianceRequest.shop_domain == shop_domain)
    return list(db.session.execute(query).scalars())


def compliance_request(shop_domain: str, request_row_id: int) -> ComplianceRequest | None:
    """One handled request of that shop (never another shop's), with its report."""
    row = db.session.get(ComplianceRequest, request_row_id)
    return row if row is not None and row.shop_domain == shop_domain else None
