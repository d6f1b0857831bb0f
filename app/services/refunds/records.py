"""One Refund row per Shopify refund, however often and by whichever way it is read (the REST
webhook payload or a GraphQL node), and the flag on the order when Dropi lines were refunded."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OrderRecord, Refund, Shop
from app.services.order_pipeline.records import dropi_links, find_order, money, parse_time
from app.services.order_pipeline.steps import add_event, refresh_attention

log = logging.getLogger(__name__)

# The note of every refund the connector creates for a Dropi return: such a refund is the
# connector's own ("to_shopify") and has nothing left to settle with Dropi.
RETURN_NOTE_PREFIX = "Dropi return"


def _tail(value) -> str:
    return str(value or "").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class RefundFacts:
    """A refund as Shopify describes it, whichever API it came from."""

    refund_id: str
    order_id: str
    amount: Decimal
    currency: str
    note: str | None
    refunded_at: datetime | None
    # {line_item_id, variant_id, title, quantity, subtotal} per refunded line
    lines: list[dict] = field(default_factory=list)

    @property
    def ours(self) -> bool:
        return (self.note or "").startswith(RETURN_NOTE_PREFIX)


def refund_from_payload(payload: dict) -> RefundFacts:
    """From a refunds/create webhook (REST shape): money from the successful refund
    transactions, worth from the refund line items' subtotals."""
    transactions = [t for t in payload.get("transactions") or []
                    if str(t.get("kind")).lower() == "refund"
                    and str(t.get("status")).lower() == "success"]
    lines = []
    for entry in payload.get("refund_line_items") or []:
        item = entry.get("line_item") or {}
        subtotal = entry.get("subtotal")
        if subtotal is None:
            subtotal = ((entry.get("subtotal_set") or {}).get("shop_money") or {}).get("amount")
        lines.append({"line_item_id": _tail(entry.get("line_item_id") or item.get("id")),
                      "variant_id": _tail(item.get("variant_id")),
                      "title": str(item.get("name") or item.get("title") or ""),
                      "quantity": int(entry.get("quantity") or 0),
                      "subtotal": str(money(subtotal))})
    currency = next((str(t.get("currency")) for t in transactions if t.get("currency")), "")
    return RefundFacts(
        refund_id=_tail(payload.get("id")), order_id=_tail(payload.get("order_id")),
        amount=sum((money(t.get("amount")) for t in transactions), Decimal(0)),
        currency=currency[:3], note=payload.get("note"),
        refunded_at=parse_time(payload.get("processed_at") or payload.get("created_at")),
        lines=lines)


def refund_from_node(order_id: str, node: dict) -> RefundFacts:
    """From a GraphQL Refund node (order_refunds_page.graphql): totalRefundedSet is the money
    returned, each refund line item's subtotalSet its worth."""
    total = ((node.get("totalRefundedSet") or {}).get("shopMoney") or {})
    lines = []
    for entry in (node.get("refundLineItems") or {}).get("nodes") or []:
        item = entry.get("lineItem") or {}
        subtotal = ((entry.get("subtotalSet") or {}).get("shopMoney") or {}).get("amount")
        lines.append({"line_item_id": _tail(item.get("id")),
                      "variant_id": _tail((item.get("variant") or {}).get("id")),
                      "title": str(item.get("name") or item.get("title") or ""),
                      "quantity": int(entry.get("quantity") or 0),
                      "subtotal": str(money(subtotal))})
    return RefundFacts(
        refund_id=_tail(node.get("id")), order_id=_tail(order_id),
        amount=money(total.get("amount")), currency=str(total.get("currencyCode") or "")[:3],
        note=node.get("note"), refunded_at=parse_time(node.get("createdAt")), lines=lines)


@dataclass(frozen=True)
class RecordedRefund:
    refund: Refund
    new: bool
    order: OrderRecord | None
    dropi_lines: list[dict]


def record_refund(shop: Shop, facts: RefundFacts) -> RecordedRefund:
    """Store the refund once (a repeat changes nothing) in the caller's transaction; a new
    refund of Dropi lines that the connector did not make itself flags our order record.
    Does not commit."""
    if not facts.refund_id or not facts.order_id:
        raise ValueError("refund without id or order id")
    order = find_order(shop.id, facts.order_id)
    lines = _mark_dropi(shop.id, order, facts.lines)
    existing = _find(shop.id, facts.refund_id)
    if existing is not None:
        return RecordedRefund(existing, False, order, [])
    refund = Refund(
        shop_id=shop.id, shopify_refund_id=facts.refund_id, shopify_order_id=facts.order_id,
        direction="to_shopify" if facts.ours else "from_shopify", amount=facts.amount,
        lines_amount=sum((money(line["subtotal"]) for line in lines), Decimal(0)),
        currency=facts.currency or (order.currency if order else "") or shop.currency or "",
        note=facts.note, lines=lines, refunded_at=facts.refunded_at)
    try:
        with db.session.begin_nested():
            db.session.add(refund)
    except IntegrityError:  # another delivery of the same refund stored it first
        return RecordedRefund(_find(shop.id, facts.refund_id), False, order, [])
    dropi = [line for line in lines if line["dropi"]]
    if order is not None:
        _note_on_order(order, refund, dropi, ours=facts.ours)
    log.info("refund %s of order %s recorded for %s (%s Dropi lines)", facts.refund_id,
             facts.order_id, shop.domain, len(dropi))
    return RecordedRefund(refund, True, order, dropi)


def _find(shop_id: int, refund_id: str) -> Refund | None:
    return db.session.scalar(select(Refund).where(Refund.shop_id == shop_id,
                                                  Refund.shopify_refund_id == refund_id))


def _mark_dropi(shop_id: int, order: OrderRecord | None, lines: list[dict]) -> list[dict]:
    """Each refunded line with `dropi`: its variant is a Dropi line of our order record (or,
    for an order the connector never saw, a variant linked to a Dropi product)."""
    if order is not None:
        dropi_variants = {str(line.get("variant_id")) for line in order.dropi_lines}
    else:
        dropi_variants = set(dropi_links(shop_id, [line["variant_id"] for line in lines]))
    return [{**line, "dropi": bool(line["variant_id"]) and line["variant_id"] in dropi_variants}
            for line in lines if line["quantity"] > 0]


def _describe(lines: list[dict]) -> str:
    return ", ".join(f"{line['quantity']} × {line['title']}" for line in lines)


def _note_on_order(order: OrderRecord, refund: Refund, dropi: list[dict], *, ours: bool) -> None:
    if ours:
        add_event(order, "return_refunded", amount=str(refund.amount),
                  currency=refund.currency, lines=_describe(refund.lines))
        return
    if not dropi:
        add_event(order, "refunded", amount=str(refund.amount), currency=refund.currency)
        return
    add_event(order, "refund_dropi_lines", lines=_describe(dropi))
    order.refund_to_settle = True
    order.needs_attention = True


def settle_refund(order: OrderRecord) -> bool:
    """The merchant settled the refunded Dropi lines with Dropi: the flag goes. Commits."""
    if not order.refund_to_settle:
        return False
    order.refund_to_settle = False
    add_event(order, "refund_settled")
    refresh_attention(order)
    db.session.commit()
    return True
