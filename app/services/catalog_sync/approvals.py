"""The merchant's decision on price changes over the threshold. Approving claims the rows
(pending → approved) in one statement, so a second click or a second tab finds nothing left
to claim; the claimed prices are then written, comparing with Shopify first, and marked
applied. A run of Get prices finishes approvals a stopped worker left behind."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.clients.shopify_errors import ShopifyError
from app.extensions import db
from app.models import (PRICE_CHANGE_APPLIED, PRICE_CHANGE_APPROVED, PRICE_CHANGE_PENDING,
                        PRICE_CHANGE_REJECTED, PendingPriceChange, ProductAssociation)
from app.models.types import utcnow
from app.services.catalog_sync.common import store_mappings, update_variants
from app.services.product_import.context import ImportContext
from app.services.product_import.sync import current_prices

log = logging.getLogger(__name__)


@dataclass
class ApprovalOutcome:
    applied: int = 0
    errors: list[str] = field(default_factory=list)


def pending_price_changes(shop_id: int) -> list[PendingPriceChange]:
    """The shop's price changes that wait for a decision, by product and variant."""
    return list(db.session.scalars(
        select(PendingPriceChange)
        .where(PendingPriceChange.shop_id == shop_id,
               PendingPriceChange.status == PRICE_CHANGE_PENDING)
        .order_by(PendingPriceChange.product_title, PendingPriceChange.association_id,
                  PendingPriceChange.variant_label, PendingPriceChange.id)))


def count_pending(shop_id: int) -> int:
    """How many of the shop's price changes wait for a decision."""
    return db.session.scalar(select(func.count(PendingPriceChange.id)).where(
        PendingPriceChange.shop_id == shop_id,
        PendingPriceChange.status == PRICE_CHANGE_PENDING)) or 0


def approve_price_changes(ctx: ImportContext, ids: list[int] | None) -> ApprovalOutcome:
    """Approve these pending changes (all of the shop's when ``ids`` is None) and write them."""
    claimed = _decide(ctx.shop.id, ids, PRICE_CHANGE_APPROVED)
    if not claimed:
        return ApprovalOutcome()
    return apply_approved(ctx, only=claimed)


def reject_price_changes(shop_id: int, ids: list[int] | None) -> int:
    """Reject these pending changes: the Shopify price stays; the same proposal is not asked
    again (a new Dropi cost makes a new one)."""
    return len(_decide(shop_id, ids, PRICE_CHANGE_REJECTED))


def _decide(shop_id: int, ids: list[int] | None, status: str) -> list[int]:
    """Move pending rows to ``status`` in one statement; the ids this call moved."""
    query = select(PendingPriceChange.id).where(
        PendingPriceChange.shop_id == shop_id, PendingPriceChange.status == PRICE_CHANGE_PENDING)
    if ids is not None:
        query = query.where(PendingPriceChange.id.in_([int(i) for i in ids]))
    candidates = list(db.session.scalars(query))
    moved = []
    for row_id in candidates:
        result = db.session.execute(
            update(PendingPriceChange)
            .where(PendingPriceChange.id == row_id,
                   PendingPriceChange.status == PRICE_CHANGE_PENDING)
            .values(status=status, decided_at=utcnow(), updated_at=utcnow()))
        if result.rowcount == 1:
            moved.append(row_id)
    db.session.commit()
    return moved


def apply_approved(ctx: ImportContext, only: list[int] | None = None) -> ApprovalOutcome:
    """Write approved prices not written yet, one productVariantsBulkUpdate per product with
    the variants whose Shopify price still differs, then mark them applied."""
    query = select(PendingPriceChange).where(PendingPriceChange.shop_id == ctx.shop.id,
                                             PendingPriceChange.status == PRICE_CHANGE_APPROVED)
    if only is not None:
        query = query.where(PendingPriceChange.id.in_(only))
    by_product: dict[int, list[PendingPriceChange]] = defaultdict(list)
    for row in db.session.scalars(query.order_by(PendingPriceChange.id)):
        by_product[row.association_id].append(row)
    outcome = ApprovalOutcome()
    for association_id, rows in by_product.items():
        _apply_product(ctx, association_id, rows, outcome)
    return outcome


def _apply_product(ctx: ImportContext, association_id: int, rows: list[PendingPriceChange],
                   outcome: ApprovalOutcome) -> None:
    association = db.session.get(ProductAssociation, association_id)
    try:
        current = current_prices(ctx, [row.shopify_variant_id for row in rows])
        inputs = [_input(row) for row in rows if row.shopify_variant_id in current
                  and current[row.shopify_variant_id] != (row.new_price, row.new_compare_at)]
        if inputs:
            update_variants(ctx.shopify, rows[0].shopify_product_id, inputs)
    except ShopifyError as exc:
        db.session.rollback()
        for row in rows:
            row.status, row.last_error = PRICE_CHANGE_PENDING, str(exc.merchant_message)
        db.session.commit()
        outcome.errors.append(_("%(product)s: %(problem)s", product=rows[0].product_title,
                                problem=exc.merchant_message))
        return
    for row in rows:
        if row.shopify_variant_id not in current:
            db.session.delete(row)  # the variant was deleted in Shopify meanwhile
            continue
        row.status, row.last_error = PRICE_CHANGE_APPLIED, None
        outcome.applied += 1
    if association is not None:
        _remember_costs(association, rows)
    db.session.commit()
    log.info("Approved prices written for association %s (%s variants)", association_id,
             len(rows))


def _input(row: PendingPriceChange) -> dict:
    return {"id": row.shopify_variant_id, "price": row.new_price,
            "compareAtPrice": row.new_compare_at, "inventoryItem": {"cost": row.new_cost}}


def _remember_costs(association: ProductAssociation, rows: list[PendingPriceChange]) -> None:
    variants = dict((association.variant_mappings or {}).get("variants") or {})
    for row in rows:
        entry = dict(variants.get(row.dropi_variation_id) or {})
        entry["cost"] = str(row.new_cost)
        variants[row.dropi_variation_id] = entry
    store_mappings(association, variants=variants)
