"""Item mapping: match the variants of products the merchant already sells in Shopify to Dropi
by SKU or barcode, and keep a variant link for each (matched, or the reason it is not).

The whole catalogue is read with one bulk query (products with their variants' SKU, barcode
and inventory item), streamed and handled a batch of products at a time, each batch in one
transaction. A variant whose SKU and barcode are what its link already says is not looked up
again, so a run that stopped halfway (a killed worker) resumes where it was without adding a
link twice; variants our imports linked are left alone."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from app.clients.shopify import ShopifyClient
from app.extensions import db
from app.models import ProductAssociation, Shop, VariantLink
from app.services.bulk_operations import BulkQuery, BulkRecord
from app.services.item_mapping.dropi_lookup import (
    AMBIGUOUS,
    FOUND,
    PLUGIN_SKU,
    DropiLookup,
    LookupBudgetSpent,
)
from app.services.item_mapping.links import (
    MAPPED,
    ProductBatch,
    ShopifyVariant,
    forget_product,
    reason_text,
)
from app.services.merchant_language import merchant_locale

BATCH_PRODUCTS = 200
CATALOGUE_QUERY = "bulk_catalogue_variants"
LINKED, MISSED, KEPT, DEFERRED = "linked", "missed", "kept", "deferred"


class Reporter(Protocol):
    """What a sync run offers (SyncContext): counts, a log per entity and a chance to stop."""

    def checked(self, n: int = 1) -> None: ...
    def changed(self, entity_type: str, entity_id: str, label: str, detail=None) -> None: ...
    def failed(self, entity_type: str, entity_id: str, label: str, reason: str) -> None: ...
    def keep_going(self) -> None: ...


@dataclass
class MappingReport:
    checked: int = 0
    linked: int = 0
    missed: int = 0
    kept: int = 0
    deferred: int = 0
    removed: int = 0
    partial: bool = False
    shopify_points: int = 0
    dropi_requests: int = 0
    lines: int = 0

    def add(self, outcome: str) -> None:
        self.checked += 1
        setattr(self, outcome, getattr(self, outcome) + 1)


def map_catalogue(shop: Shop, query: BulkQuery, lookup: DropiLookup, *,
                  reporter: Reporter | None = None, entities: frozenset[str] | None = None,
                  country: str | None = None, batch_size: int = BATCH_PRODUCTS
                  ) -> MappingReport:
    """Read the catalogue with `query` (a BulkQuery of CATALOGUE_QUERY) and map every variant
    (only `entities`, Shopify variant ids, when given: those are looked up again), committing
    every `batch_size` products."""
    report = MappingReport()
    locale = merchant_locale(shop)
    seen: set[str] = set()
    batch: list[BulkRecord] = []
    for record in query.records():
        seen.add(record.node["id"])
        batch.append(record)
        if len(batch) >= batch_size:
            _map_batch(shop, batch, lookup, report, reporter, entities, country, query.partial,
                       locale)
            batch = []
    if batch:
        _map_batch(shop, batch, lookup, report, reporter, entities, country, query.partial,
                       locale)
    report.partial = query.partial
    if not query.partial and entities is None:
        report.removed += _forget_deleted_products(shop, seen)
        db.session.commit()
    report.shopify_points, report.lines = query.cost_points, query.lines
    report.dropi_requests = lookup.requests
    return report


def map_product_variants(shop: Shop, product_id: str, variants: list[ShopifyVariant],
                         lookup: DropiLookup | None, country: str | None, *,
                         reporter: Reporter | None = None) -> MappingReport:
    """One product's variants as a products/update webhook gives them (no Dropi connection:
    only variants that disappeared are dropped). The caller commits."""
    report = MappingReport()
    products = ProductBatch(shop, [product_id], merchant_locale(shop))
    report.removed += products.forget_variants(product_id, {v.id for v in variants})
    if lookup is not None:
        linked = {_map_variant(products, variant, lookup, report, reporter, False, country)
                  for variant in variants}
        _log_linked(reporter, {"id": product_id, "title": variants[0].product_title
                               if variants else ""}, linked)
        products.flush()
        report.dropi_requests = lookup.requests
    return report


def forget_deleted_product(shop: Shop, product_id: str) -> int:
    """products/delete: the product's mapped links go. The caller commits."""
    return forget_product(shop, product_id)


def catalogue_variants(record: BulkRecord) -> list[ShopifyVariant]:
    """The variants of one line group of CATALOGUE_QUERY."""
    product = record.node
    return [ShopifyVariant(
        id=child["id"], product_id=product["id"], product_title=product.get("title") or "",
        title=child.get("title") or "", sku=(child.get("sku") or "").strip(),
        barcode=(child.get("barcode") or "").strip(),
        inventory_item_id=(child.get("inventoryItem") or {}).get("id"))
        for child in record.children if child.get("__parentId") == product["id"]]


def _map_batch(shop, batch, lookup, report, reporter, entities, country, partial,
               locale) -> None:
    products = ProductBatch(shop, [record.node["id"] for record in batch], locale)
    before = report.checked
    for record in batch:
        variants = catalogue_variants(record)
        # Partial data may miss some of a product's variants: nothing is dropped then.
        if entities is None and not partial:
            report.removed += products.forget_variants(record.node["id"],
                                                       {v.id for v in variants})
        linked = {_map_variant(products, variant, lookup, report, reporter,
                               entities is not None, country)
                  for variant in variants if entities is None or variant.id in entities}
        _log_linked(reporter, record.node, linked)
    products.flush()
    db.session.commit()
    if reporter is not None:
        reporter.checked(report.checked - before)
        reporter.keep_going()


def _map_variant(products: ProductBatch, variant: ShopifyVariant, lookup: DropiLookup,
                 report: MappingReport, reporter: Reporter | None, force: bool,
                 country: str | None) -> str | None:
    """Map one variant; returns the Dropi product id it was linked to now, if any."""
    if products.imported(variant.id) or (not force and products.unchanged(variant)):
        report.add(KEPT)
        return None
    codes = _codes(variant)
    if not codes:
        return _missed(products, variant, "no_code", report, reporter)
    try:
        resolutions = []
        for code in codes:
            resolution = lookup.resolve(code)
            if resolution.outcome == FOUND:
                if not products.link(variant, resolution.match, country):
                    return _missed(products, variant, "taken", report, reporter)
                report.add(LINKED)
                return resolution.match.product_id
            resolutions.append(resolution.outcome)
    except LookupBudgetSpent:
        report.add(DEFERRED)
        return None
    return _missed(products, variant, "ambiguous" if AMBIGUOUS in resolutions else "not_found",
            report, reporter)


def _log_linked(reporter: Reporter | None, product: dict, dropi_ids: set) -> None:
    """One log entry per Shopify product whose variants were linked now (not one per variant:
    a first run links tens of thousands)."""
    dropi_ids = sorted(i for i in dropi_ids if i)
    if reporter is not None and dropi_ids:
        reporter.changed("product", product["id"], product.get("title") or product["id"],
                         "Dropi " + ", ".join(dropi_ids))


def _missed(products, variant, reason, report, reporter) -> None:
    """Keep the reason on the variant's link and in the run's log (per variant: a retry names
    the variants to look up again)."""
    products.miss(variant, reason)
    report.add(MISSED)
    if reporter is not None:
        reporter.failed("variant", variant.id, variant.label, reason_text(products.locale, reason))


def _codes(variant: ShopifyVariant) -> list[str]:
    """SKU, then barcode; the ones the Dropi plugin scheme names first (they cost no request)."""
    codes = list(dict.fromkeys(c for c in (variant.sku, variant.barcode) if c))
    return sorted(codes, key=lambda code: PLUGIN_SKU.match(code) is None)


def _forget_deleted_products(shop: Shop, seen: Iterable[str]) -> int:
    """Products gone from the catalogue (their products/delete webhook was missed)."""
    seen = set(seen)
    mapped = select(ProductAssociation.id).where(ProductAssociation.shop_id == shop.id,
                                                 ProductAssociation.import_type == MAPPED)
    known = set(db.session.scalars(select(VariantLink.shopify_product_id).distinct().where(
        VariantLink.shop_id == shop.id, VariantLink.shopify_product_id.is_not(None),
        VariantLink.association_id.is_(None) | VariantLink.association_id.in_(mapped))))
    return sum(forget_product(shop, product_id) for product_id in known - seen)


def bulk_query_for(shopify: ShopifyClient, **options) -> BulkQuery:
    """The catalogue's bulk query (partial data is used: what it holds is mapped)."""
    return BulkQuery(shopify, CATALOGUE_QUERY, accept_partial=True, **options)

