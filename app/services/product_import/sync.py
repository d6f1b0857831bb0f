"""Re-sync an imported product from Dropi (name, prices and stock, per its stored preferences)
and re-price a selection with a new rule, previewing every change first."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import DropiError
from app.clients.shopify import ShopifyUserErrors
from app.extensions import db
from app.models import ProductAssociation
from app.services.pricing import PricingError, quote_price
from app.services.product_import.associations import get_association
from app.services.product_import.context import ImportContext
from app.services.product_import.errors import ImportRefused, ImportValidationError
from app.services.product_import.pipeline import fetch_product, finish_write, plan_for
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.product_input import VariantWrite, match_owned, patch_write
from app.services.product_import.records import (
    MODE_LINK,
    association_mode,
    record_failure,
    variant_links,
    variation_prices,
)
from app.services.product_import.results import ImportResult, describe_user_error
from app.services.product_import.shopify_reads import read_snapshot
from app.services.product_import.writer import write_product

NODES_BATCH = 100


@dataclass(frozen=True)
class RepriceChange:
    association_id: int
    title: str
    variant_label: str
    old_price: Decimal | None
    new_price: Decimal
    old_compare_at: Decimal | None
    new_compare_at: Decimal | None
    margin_percent: Decimal | None
    variant_id: str = ""
    cost: Decimal | None = None
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.old_price != self.new_price or self.old_compare_at != self.new_compare_at


def resync_association(ctx: ImportContext, association_id: int) -> ImportResult:
    """Bring name, prices (and cost) and stock up to date with Dropi, per the preferences the
    product was imported with. New Dropi variations are reported, not added (import again)."""
    association = get_association(ctx.shop.id, association_id)
    prefs = ImportPreferences.from_association(association)
    try:
        product = fetch_product(ctx, association.dropi_product_id)
    except DropiError as exc:
        record_failure(association, exc.merchant_message)
        raise
    plan = plan_for(ctx, product, prefs)
    snapshot = read_snapshot(ctx.shopify, association.shopify_product_id,
                             expected_variants=len(plan.variants))
    if snapshot is None:
        return _deleted(association, _("The Shopify product was deleted. Delete this import, "
                                       "or import the Dropi product again to create it anew."))
    owned, orphans = _owned(association, plan, snapshot)
    updates = {vid: _price_write(plan.variant(key), key, vid) for key, vid in owned.items()}
    for orphan in orphans:
        updates[orphan.id] = VariantWrite(orphan.id, (), {},
                                          stock={loc: 0 for loc in ctx.location_ids})
    write = patch_write(snapshot, updates, {"title": plan.title})
    write.warnings = list(plan.warnings) + [
        _("Dropi added the variation %(label)s; import the product again to add it.",
          label=pv.label) for pv in plan.variants if pv.key not in owned]
    return finish_write(ctx, write, association, plan=plan, product=product, prefs=prefs,
                        import_type=association.import_type, mode=association_mode(association),
                        snapshot=snapshot)


def _deleted(association: ProductAssociation, message: str) -> ImportResult:
    record_failure(association, message)
    return ImportResult(association, False, association.shopify_product_id,
                        [{"field": None, "message": message, "code": "PRODUCT_DELETED"}],
                        written=False)


def _owned(association, plan, snapshot):
    links = variant_links(association)
    if association_mode(association) == MODE_LINK:
        owned = {key: vid for key, vid in links.items()
                 if plan.variant(key) is not None and snapshot.variant(vid) is not None}
        return owned, []
    ownership = match_owned(plan, snapshot, links)
    return {key: v.id for key, v in ownership.matched.items()}, ownership.orphans


def _price_write(planned, key: str, variant_id: str) -> VariantWrite:
    fields = {"price": planned.quote.price, "compareAtPrice": planned.quote.compare_at_price,
              "inventoryItem": {"tracked": True, "cost": planned.quote.cost}}
    return VariantWrite(variant_id, (), fields, key=key, stock=planned.stock, sku=planned.sku)


def preview_reprice(ctx: ImportContext, association_ids: list[int], pricing: dict
                    ) -> list[RepriceChange]:
    """Every variant's current and new price and compare-at price under the new rule, from the
    Dropi prices last synced (nothing is written)."""
    ImportPreferences().with_pricing(pricing, ctx.currency)  # refuse a bad rule up front
    associations = _associations(ctx, association_ids)
    current = current_prices(ctx, [vid for a in associations
                                    for vid in variant_links(a).values()])
    changes = []
    for association in associations:
        prefs = ImportPreferences.from_association(association).with_pricing(pricing,
                                                                             ctx.currency)
        policy = prefs.policy(ctx.currency)
        prices = variation_prices(association)
        for key, variant_id in sorted(variant_links(association).items()):
            entry = prices.get(key)
            if entry is None or entry["cost"] is None or variant_id not in current:
                continue
            try:
                quote = quote_price(policy, cost=entry["cost"], suggested=entry["suggested"])
            except PricingError as exc:
                raise ImportRefused(f"{association.shopify_title} – {entry['label']}: {exc}") \
                    from None
            old_price, old_compare = current[variant_id]
            changes.append(RepriceChange(
                association.id, association.shopify_title, entry["label"], old_price,
                quote.price, old_compare, quote.compare_at_price, quote.margin_percent,
                variant_id, quote.cost, quote.notes))
    return changes


def apply_reprice(ctx: ImportContext, association_ids: list[int], pricing: dict
                  ) -> list[ImportResult]:
    """Write exactly what preview_reprice shows and store the new rule on each association."""
    changes = preview_reprice(ctx, association_ids, pricing)
    results = []
    for association in _associations(ctx, association_ids):
        mine = [c for c in changes if c.association_id == association.id]
        results.append(_apply_one(ctx, association, mine, pricing))
    return results


def _apply_one(ctx, association: ProductAssociation, changes: list[RepriceChange], pricing
               ) -> ImportResult:
    snapshot = read_snapshot(ctx.shopify, association.shopify_product_id,
                             expected_variants=len(changes))
    if snapshot is None:
        return _deleted(association, _("The Shopify product was deleted."))
    updates = {c.variant_id: VariantWrite(c.variant_id, (), {
        "price": c.new_price, "compareAtPrice": c.new_compare_at}) for c in changes
        if snapshot.variant(c.variant_id) is not None}
    try:
        write_product(ctx.shopify, patch_write(snapshot, updates, {}))
    except ShopifyUserErrors as exc:
        record_failure(association, "; ".join(describe_user_error(e) for e in exc.errors))
        return ImportResult(association, False, snapshot.id, exc.errors, written=False)
    prefs = ImportPreferences.from_association(association).with_pricing(pricing, ctx.currency)
    prefs.store_pricing_on(association)
    association.last_sync_error = None
    db.session.commit()
    return ImportResult(association, False, snapshot.id)


def _associations(ctx: ImportContext, association_ids) -> list[ProductAssociation]:
    """The shop's associations with these ids; ImportValidationError when any is not one."""
    ids = sorted({int(i) for i in association_ids})
    rows = list(db.session.scalars(select(ProductAssociation).where(
        ProductAssociation.shop_id == ctx.shop.id, ProductAssociation.id.in_(ids))
        .order_by(ProductAssociation.id)))
    missing = len(ids) - len(rows)
    if missing:
        raise ImportValidationError({"ids": _(
            "Some selected products are not imported in this store (%(count)s of them; deleted "
            "meanwhile?). Reload the list and select again. No price was changed.",
            count=missing)})
    return rows


def current_prices(ctx: ImportContext, variant_ids: list[str]
                   ) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Shopify variant id -> (price, compare-at price) as Shopify has them now."""
    found = {}
    for start in range(0, len(variant_ids), NODES_BATCH):
        nodes = ctx.shopify.query("variant_prices",
                                  {"ids": variant_ids[start:start + NODES_BATCH]})["nodes"]
        for node in nodes:
            if node and node.get("id"):
                found[node["id"]] = (_money(node.get("price")), _money(node.get("compareAtPrice")))
    return found


def _money(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
