"""Get prices: every associated variant's price from its Dropi cost and the product's pricing
rule (the plan the importer builds), compared with Shopify's current price. Changes within
the shop's threshold are written at once, one productVariantsBulkUpdate per product carrying
only the variants that change; larger ones wait for the merchant (PendingPriceChange)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import (PRICE_CHANGE_PENDING, PRICE_CHANGE_REJECTED, PendingPriceChange,
                        ProductAssociation, ShopConfiguration)
from app.services.catalog_sync.approvals import apply_approved
from app.services.catalog_sync.common import (
    each_product,
    inactive_message,
    store_mappings,
    update_variants,
)
from app.services.catalog_sync.report import ENTITY_PRODUCT, SyncReport
from app.services.pricing import round_price
from app.services.product_import.context import ImportContext
from app.services.product_import.pipeline import fetch_product, plan_for
from app.services.product_import.plan import PlannedVariant
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.records import variant_links, variation_prices
from app.services.product_import.sync import current_prices

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD_PERCENT = Decimal("20")
PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class PriceProposal:
    """One variant: Shopify's price now and the price the rule gives for Dropi's cost."""

    key: str  # Dropi variation key
    variant_id: str
    label: str
    old_cost: Decimal | None
    new_cost: Decimal
    suggested: Decimal | None
    old_price: Decimal | None
    new_price: Decimal
    old_compare_at: Decimal | None
    new_compare_at: Decimal | None

    @property
    def changed(self) -> bool:
        return self.old_price != self.new_price or self.old_compare_at != self.new_compare_at

    @property
    def percent(self) -> Decimal | None:
        """Signed change of the selling price, in percent of the current one."""
        if not self.old_price:
            return None
        return ((self.new_price - self.old_price) / self.old_price * 100).quantize(
            PERCENT, rounding=ROUND_HALF_UP)

    def needs_approval(self, threshold: Decimal) -> bool:
        if self.new_price == self.old_price:
            return False
        percent = self.percent
        return percent is None or abs(percent) > threshold

    def variant_input(self) -> dict:
        """Only the fields that change, plus the cost Shopify keeps for margins."""
        data: dict = {"id": self.variant_id, "inventoryItem": {"cost": self.new_cost}}
        if self.new_price != self.old_price:
            data["price"] = self.new_price
        if self.new_compare_at != self.old_compare_at:
            data["compareAtPrice"] = self.new_compare_at
        return data


def sync_prices(ctx: ImportContext, config: ShopConfiguration, report: SyncReport,
                entities=None) -> None:
    """Get prices for every associated product of the shop (or those in ``entities``)."""
    threshold = threshold_of(config)
    apply_approved(ctx)  # approvals a stopped worker left unwritten

    def work(association: ProductAssociation) -> None:
        product = fetch_product(ctx, association.dropi_product_id)
        if not product.active:
            report.flagged(ENTITY_PRODUCT, str(association.id), association.shopify_title,
                           inactive_message(association))
            return
        proposals = propose_prices(ctx, association, product,
                                   update_compare_at=config.prices_update_original_price)
        settle_prices(ctx, association, proposals, threshold, report)

    each_product(ctx.shop.id, report, entities, work)


def threshold_of(config: ShopConfiguration | None) -> Decimal:
    value = getattr(config, "price_change_threshold_percent", None)
    return DEFAULT_THRESHOLD_PERCENT if value is None else Decimal(value)


def propose_prices(ctx: ImportContext, association: ProductAssociation, product, *,
                   update_compare_at: bool) -> list[PriceProposal]:
    """Every linked variant's current and new price from Dropi's cost (nothing written)."""
    prefs = ImportPreferences.from_association(association)
    plan = plan_for(ctx, product, prefs)
    links = variant_links(association)
    current = current_prices(ctx, list(links.values()))
    stored = variation_prices(association)
    ending = prefs.policy(ctx.currency).ending
    proposals = []
    for key, variant_id in sorted(links.items()):
        planned = plan.variant(key)
        if planned is None or variant_id not in current:
            continue  # Get products flags variations Dropi removed
        old_price, old_compare = current[variant_id]
        new_compare = old_compare
        if update_compare_at:
            new_compare = _compare_at(association, planned, old_price, old_compare,
                                      ctx.currency, ending)
        proposals.append(PriceProposal(
            key, variant_id, planned.label, (stored.get(key) or {}).get("cost"),
            planned.quote.cost, planned.suggested, old_price, planned.quote.price,
            old_compare, new_compare))
    return proposals


def _compare_at(association, planned: PlannedVariant, old_price, old_compare, currency,
                ending) -> Decimal | None:
    """The product's compare-at rule when it has one; else the compare-at price moves in
    proportion to the selling price (the same discount stays on show)."""
    if (association.compare_at_rule or "").strip():
        return planned.quote.compare_at_price
    if old_compare is None or not old_price:
        return old_compare
    return round_price(old_compare * planned.quote.price / old_price, currency, ending)


def settle_prices(ctx: ImportContext, association: ProductAssociation,
                  proposals: list[PriceProposal], threshold: Decimal,
                  report: SyncReport) -> None:
    """Write the changes within the threshold, hold the others for approval, then remember
    the Dropi costs the Shopify prices now follow."""
    changed = [p for p in proposals if p.changed]
    held = [p for p in changed if p.needs_approval(threshold)]
    written = [p for p in changed if p not in held]
    if written:
        update_variants(ctx.shopify, association.shopify_product_id,
                        [p.variant_input() for p in written])
    remember_costs(association, [(p.key, p.new_cost, p.suggested) for p in proposals
                                 if p not in held])
    waiting = hold_for_approval(association, held)
    db.session.commit()
    entity, title = str(association.id), association.shopify_title
    if written:
        report.changed(ENTITY_PRODUCT, entity, title, "; ".join(
            _describe(p) for p in written))
    for proposal in waiting:
        report.flagged(ENTITY_PRODUCT, entity, title, _(
            "%(variant)s: the price would change by %(percent)s%%, more than your %(limit)s%% "
            "limit, so it waits for your approval (Imported products, Price changes and Dropi "
            "changes).",
            variant=proposal.label, percent=_signed(proposal.percent),
            limit=format_decimal(threshold)))


def _describe(proposal: PriceProposal) -> str:
    text = _("%(variant)s: %(old)s → %(new)s", variant=proposal.label,
             old=_amount(proposal.old_price), new=_amount(proposal.new_price))
    if proposal.new_compare_at != proposal.old_compare_at:
        text += " " + _("(compare-at %(old)s → %(new)s)", old=_amount(proposal.old_compare_at),
                        new=_amount(proposal.new_compare_at))
    return text


def _amount(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value)


def _signed(percent: Decimal | None) -> str:
    if percent is None:
        return "?"
    return ("+" if percent > 0 else "") + format_decimal(percent)


def remember_costs(association: ProductAssociation, costs) -> None:
    """Store the Dropi cost (and suggested price) each variant's Shopify price now follows."""
    variants = dict((association.variant_mappings or {}).get("variants") or {})
    for key, cost, suggested in costs:
        entry = dict(variants.get(key) or {})
        entry.update(cost=str(cost),
                     suggested_price=None if suggested is None else str(suggested))
        variants[key] = entry
    store_mappings(association, variants=variants)


def hold_for_approval(association: ProductAssociation, held: list[PriceProposal]
                      ) -> list[PriceProposal]:
    """One pending row per held variant (a proposal the merchant rejected is not asked
    again); rows of variants no longer held are dropped. Returns the proposals now waiting."""
    rows = {row.shopify_variant_id: row for row in db.session.scalars(
        select(PendingPriceChange).where(PendingPriceChange.shop_id == association.shop_id,
                                         PendingPriceChange.association_id == association.id))}
    waiting = []
    for proposal in held:
        row = rows.pop(proposal.variant_id, None)
        if row is not None and row.status == PRICE_CHANGE_REJECTED and _same(row, proposal):
            continue
        if row is None:
            row = PendingPriceChange(shop_id=association.shop_id,
                                     association_id=association.id,
                                     shopify_variant_id=proposal.variant_id)
            db.session.add(row)
        _fill(row, association, proposal)
        waiting.append(proposal)
    for row in rows.values():
        if row.status == PRICE_CHANGE_PENDING:
            db.session.delete(row)  # the price moved back within the limit, or was applied
    return waiting


def _same(row: PendingPriceChange, proposal: PriceProposal) -> bool:
    return (row.new_price == proposal.new_price and row.new_compare_at == proposal.new_compare_at
            and row.old_price == proposal.old_price)


def _fill(row: PendingPriceChange, association: ProductAssociation,
          proposal: PriceProposal) -> None:
    row.dropi_variation_id = proposal.key
    row.shopify_product_id = association.shopify_product_id
    row.product_title = association.shopify_title[:500]
    row.variant_label = proposal.label[:500]
    row.old_cost, row.new_cost = proposal.old_cost, proposal.new_cost
    row.old_price, row.new_price = proposal.old_price, proposal.new_price
    row.old_compare_at, row.new_compare_at = proposal.old_compare_at, proposal.new_compare_at
    row.change_percent = proposal.percent
    row.status, row.decided_at, row.last_error = PRICE_CHANGE_PENDING, None, None
