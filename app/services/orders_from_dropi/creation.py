"""Creating one Dropi order in Shopify, exactly once.

Shopify's orderCreate takes no idempotency key and does not refuse a repeated source identifier,
so the connector keeps its own row per Dropi order (dropi_order_imports), committed before
Shopify is asked. A retry after an answer that never came (a timeout, a 5xx, a killed worker)
first searches Shopify's orders by the source identifier and adopts the order it finds. Shopify's
search index can lag a write, so when that search finds nothing within LOOKUP_GRACE of the last
send the order waits for a later run instead of being sent again."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.clients.dropi import DropiOrder
from app.clients.shopify import ShopifyClient, ShopifyError, ShopifyUserErrors
from app.extensions import db
from app.models import (
    IMPORT_CREATED,
    IMPORT_REFUSED,
    IMPORT_SENDING,
    DropiOrderImport,
    OrderRecord,
    Shop,
    ShopConfiguration,
)
from app.models.types import utcnow
from app.services.orders_from_dropi.records import find_record, new_record
from app.services.orders_from_dropi.shopify_input import (
    PlannedOrder,
    plan_order,
    source_identifier,
)
from app.services.product_import.pipeline import DROPI_CURRENCIES

log = logging.getLogger(__name__)

LOOKUP_GRACE = timedelta(minutes=5)

CREATED = "created"  # created in Shopify now
FOUND = "found"  # an earlier attempt had created it: adopted, not created again
ALREADY = "already"  # created by an earlier run
WAITING = "waiting"  # sent moments ago without an answer: a later run looks again
UNCONFIRMED = "unconfirmed"  # sent, but Shopify's answer never came
REFUSED = "refused"  # Shopify (or our own check) refused it


@dataclass(frozen=True)
class Creation:
    outcome: str
    dropi_order_id: int
    order: OrderRecord | None = None
    reason: str | None = None  # the merchant's words, for every outcome but the good ones
    custom_lines: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.outcome in (CREATED, FOUND, ALREADY)


def import_row(shop_id: int, dropi_order_id: int) -> DropiOrderImport:
    """The Dropi order's row, created (and committed) on first use."""
    query = select(DropiOrderImport).where(DropiOrderImport.shop_id == shop_id,
                                           DropiOrderImport.dropi_order_id == dropi_order_id)
    row = db.session.scalar(query)
    if row is not None:
        return row
    db.session.add(DropiOrderImport(shop_id=shop_id, dropi_order_id=dropi_order_id,
                                    state=IMPORT_SENDING, attempts=0))
    try:
        db.session.commit()
    except IntegrityError:  # another worker made it at the same moment
        db.session.rollback()
    return db.session.scalar(query)


def find_in_shopify(shopify: ShopifyClient, dropi_order_id: int) -> dict | None:
    """The Shopify order carrying this Dropi order's source identifier (the oldest when an
    outside hand made several), checked exactly: a search that ignored the filter finds
    nothing."""
    wanted = source_identifier(dropi_order_id)
    data = shopify.query("orders_by_source_identifier",
                         {"query": f'source_identifier:"{wanted}"'})
    nodes = ((data.get("orders") or {}).get("nodes")) or []
    return next((n for n in nodes if n.get("sourceIdentifier") == wanted), None)


def create_in_shopify(shop: Shop, config: ShopConfiguration, shopify: ShopifyClient,
                      dropi_order: DropiOrder, *, now: datetime | None = None,
                      retry_refused: bool = False) -> Creation:
    """Create the Dropi order in the shop's Shopify, once however often this runs, and record
    it; a refused order is sent again only with `retry_refused` (the merchant asked)."""
    now = now or utcnow()
    row = import_row(shop.id, dropi_order.id)
    if row.state == IMPORT_CREATED:
        return Creation(ALREADY, dropi_order.id, _record_of(row))
    if row.state == IMPORT_REFUSED and not retry_refused:
        return Creation(REFUSED, dropi_order.id, reason=row.last_error)
    plan, problem = _plan(shop, config, dropi_order)
    if row.state == IMPORT_SENDING and row.sent_at is not None:
        found = find_in_shopify(shopify, dropi_order.id)
        if found is not None:
            return _adopt(shop, config, row, dropi_order, plan, found, FOUND)
        if now - row.sent_at < LOOKUP_GRACE:
            return Creation(WAITING, dropi_order.id, reason=_(
                "Sent to Shopify moments ago without an answer; the next run checks whether "
                "Shopify created it before sending it again."))
    if problem is not None:
        _refuse(row, problem)
        return Creation(REFUSED, dropi_order.id, reason=problem)
    if not _take(row, now):
        return Creation(WAITING, dropi_order.id, reason=_(
            "Another run is sending this order to Shopify right now."))
    return _send(shop, config, shopify, row, dropi_order, plan)


def _record_of(row: DropiOrderImport) -> OrderRecord | None:
    return db.session.get(OrderRecord, row.order_id) if row.order_id else None


def _plan(shop: Shop, config: ShopConfiguration, dropi_order: DropiOrder
          ) -> tuple[PlannedOrder | None, str | None]:
    country = (config.dropi_country or "").upper()
    currency = DROPI_CURRENCIES.get(country) or shop.currency or ""
    if shop.currency and currency != shop.currency:
        return None, _("Dropi sells in %(dropi)s and your store in %(shop)s: the order was not "
                       "created in Shopify.", dropi=currency, shop=shop.currency)
    if not dropi_order.lines:
        return None, _("The Dropi order has no products: nothing to create in Shopify.")
    plan = plan_order(shop.id, currency, config, dropi_order,
                      shipping_title=_("Shipping (Dropi)"))
    return plan, None


def _take(row: DropiOrderImport, now: datetime) -> bool:
    """Claim the send: one conditional update on the attempt counter, committed before the
    request goes out, so two workers never both send and a retry knows one went out."""
    result = db.session.execute(
        update(DropiOrderImport)
        .where(DropiOrderImport.id == row.id, DropiOrderImport.attempts == row.attempts)
        .values(state=IMPORT_SENDING, sent_at=now, attempts=row.attempts + 1, last_error=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(row)
    return result.rowcount == 1


def _refuse(row: DropiOrderImport, reason: str) -> None:
    row.state, row.last_error = IMPORT_REFUSED, reason[:1000]
    db.session.commit()


def _send(shop, config, shopify, row, dropi_order, plan) -> Creation:
    try:
        answer = shopify.mutate("order_create", plan.variables)
    except ShopifyUserErrors as refused:
        reason = _("Shopify refused the order: %(errors)s",
                   errors="; ".join(str(e.get("message")) for e in refused.errors))
        log.warning("Dropi order %s of %s refused by Shopify: %s", dropi_order.id, shop.domain,
                    refused.errors)
        _refuse(row, reason)
        return Creation(REFUSED, dropi_order.id, reason=reason)
    except ShopifyError as error:
        # The request may have run: the row stays "sending" and the next attempt looks first.
        log.warning("Dropi order %s of %s: orderCreate unanswered (%s)", dropi_order.id,
                    shop.domain, error.detail[:200])
        row.last_error = error.merchant_message[:1000]
        db.session.commit()
        return Creation(UNCONFIRMED, dropi_order.id, reason=_(
            "Shopify did not confirm the order (%(error)s); the next run checks whether it was "
            "created before sending it again.", error=error.merchant_message))
    return _adopt(shop, config, row, dropi_order, plan, answer.get("order") or {}, CREATED)


def _adopt(shop, config, row, dropi_order, plan, shopify_order: dict, outcome: str) -> Creation:
    """Record the Shopify order and mark the Dropi order created, in one commit."""
    if plan is None:  # our own check would refuse it now, but Shopify already has it
        plan = plan_order(shop.id, shop.currency or "", config, dropi_order,
                          shipping_title=_("Shipping (Dropi)"))
    number = str(shopify_order.get("legacyResourceId")
                 or str(shopify_order.get("id") or "").rsplit("/", 1)[-1])
    name = str(shopify_order.get("name") or "")[:64] or None
    try:
        record = find_record(shop.id, number) or new_record(
            shop.id, config.dropi_country, dropi_order, plan, shopify_order)
        _mark_created(row, number, name, record)
    except IntegrityError:  # another worker recorded it at the same moment: link that record
        db.session.rollback()
        record = find_record(shop.id, number)
        _mark_created(import_row(shop.id, dropi_order.id), number, name, record)
    log.info("Dropi order %s of %s %s in Shopify as %s", dropi_order.id, shop.domain, outcome,
             name)
    return Creation(outcome, dropi_order.id, record,
                    custom_lines=tuple(line.title for line in plan.custom_lines))


def _mark_created(row: DropiOrderImport, number: str, name: str | None,
                  record: OrderRecord) -> None:
    row.state, row.last_error = IMPORT_CREATED, None
    row.shopify_order_id, row.shopify_order_name, row.order_id = number, name, record.id
    db.session.commit()
