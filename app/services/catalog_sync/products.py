"""Get products: names, descriptions, images and variant codes that changed at Dropi reach
Shopify, following each product's import preferences (a custom title or description stays).
What was last written is kept as fingerprints on the association, so a product Dropi did not
change costs no Shopify request. New Dropi variations are offered and removed ones flagged;
nothing is deleted."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.extensions import db
from app.models import ProductAssociation
from app.models.types import utcnow
from app.services.catalog_sync.common import (
    each_product,
    inactive_message,
    store_mappings,
    update_variants,
)
from app.services.catalog_sync.report import ENTITY_PRODUCT, SyncReport
from app.services.product_import.context import ImportContext
from app.services.product_import.errors import AssociationNotFound
from app.services.product_import.fingerprints import plan_fingerprints
from app.services.product_import.importer import import_product
from app.services.product_import.pipeline import fetch_product, plan_for
from app.services.product_import.plan import ProductPlan
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.records import WRITTEN_KEY, variant_links
from app.services.product_import.results import ImportResult
from app.services.product_import.shopify_reads import read_media_sources

log = logging.getLogger(__name__)

CHANGES_KEY = "dropi_changes"  # variant_mappings: {"new": {key: label}, "removed": {...}}


@dataclass
class ProductChanges:
    """What one product needs written to match Dropi."""

    product_fields: dict = field(default_factory=dict)
    images: bool = False
    variants: list[dict] = field(default_factory=list)
    new: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)

    def parts(self) -> list[str]:
        names = {"title": _("title"), "descriptionHtml": _("description")}
        parts = [names[key] for key in self.product_fields]
        count = len(self.variants)
        if count:
            parts.append(_("%(count)s variant code", count=count) if count == 1
                         else _("%(count)s variant codes", count=count))
        return parts


def sync_products(ctx: ImportContext, report: SyncReport, entities=None) -> None:
    """Get products for every associated product of the shop (or those in ``entities``)."""
    each_product(ctx.shop.id, report, entities,
                 lambda association: sync_product(ctx, association, report))


def sync_product(ctx: ImportContext, association: ProductAssociation,
                 report: SyncReport) -> None:
    entity, title = str(association.id), association.shopify_title
    product = fetch_product(ctx, association.dropi_product_id)
    if not product.active:
        report.flagged(ENTITY_PRODUCT, entity, title, inactive_message(association))
        return
    prefs = ImportPreferences.from_association(association)
    plan = plan_for(ctx, product, prefs)
    wanted = plan_fingerprints(plan)
    changes = compare(association, plan, prefs, wanted)
    added_images = _write(ctx, association, plan, changes)
    _record(association, product.name, plan, changes, wanted)
    db.session.commit()
    parts = changes.parts()
    if added_images:
        parts.append(_("%(count)s image", count=added_images) if added_images == 1
                     else _("%(count)s images", count=added_images))
    if parts:
        report.changed(ENTITY_PRODUCT, entity, association.shopify_title,
                       _("Updated from Dropi: %(parts)s", parts=", ".join(parts)))
    for label in changes.new.values():
        report.flagged(ENTITY_PRODUCT, entity, association.shopify_title, _(
            "New variation %(variation)s at Dropi. Add it from Imported products, Price changes "
            "and Dropi changes.", variation=label))
    for label in changes.removed.values():
        report.flagged(ENTITY_PRODUCT, entity, association.shopify_title, _(
            "Variation %(variation)s no longer at Dropi. Its Shopify variant was kept; remove "
            "it in Shopify if you no longer sell it.", variation=label))


def compare(association: ProductAssociation, plan: ProductPlan, prefs: ImportPreferences,
            wanted: dict) -> ProductChanges:
    """What differs between the plan and what the app last wrote (nothing read from Shopify)."""
    written = (association.variant_mappings or {}).get(WRITTEN_KEY) or {}
    changes = ProductChanges()
    if prefs.title_source == "dropi" and written.get("title") != wanted["title"]:
        changes.product_fields["title"] = plan.title
    if prefs.description_source == "dropi" and \
            written.get("description") != wanted["description"]:
        changes.product_fields["descriptionHtml"] = plan.description_html
    changes.images = prefs.import_images and written.get("images") != wanted["images"]
    links = variant_links(association)
    old_variants = written.get("variants") or {}
    for key, variant_id in sorted(links.items()):
        planned = plan.variant(key)
        if planned is not None and old_variants.get(key) != wanted["variants"][key]:
            data = {"id": variant_id, "inventoryItem": {"sku": planned.sku}}
            if planned.barcode:
                data["barcode"] = planned.barcode
            changes.variants.append(data)
    labels = {key: (entry or {}).get("label") or key for key, entry in
              ((association.variant_mappings or {}).get("variants") or {}).items()}
    changes.new = {pv.key: pv.label for pv in plan.variants if pv.key not in links}
    changes.removed = {key: labels.get(key, key) for key in sorted(links)
                       if plan.variant(key) is None}
    return changes


def _write(ctx: ImportContext, association: ProductAssociation, plan: ProductPlan,
           changes: ProductChanges) -> int:
    """productUpdate (title, description, new images) and productVariantsBulkUpdate (codes),
    each only when there is something to write. Returns the number of images added."""
    media = _new_media(ctx, association, plan) if changes.images else []
    if changes.product_fields or media:
        ctx.shopify.mutate("product_update_details", {
            "product": {"id": association.shopify_product_id, **changes.product_fields},
            "media": media}, idempotent=not media)
    if changes.variants:
        update_variants(ctx.shopify, association.shopify_product_id, changes.variants)
    return len(media)


def _new_media(ctx: ImportContext, association: ProductAssociation, plan: ProductPlan
               ) -> list[dict]:
    """Dropi images the Shopify product does not show yet (the merchant's media stay)."""
    present = {url for _id, url in read_media_sources(ctx.shopify,
                                                      association.shopify_product_id) if url}
    return [{"originalSource": url, "mediaContentType": "IMAGE", "alt": plan.title}
            for url in plan.images if url not in present]


def _record(association: ProductAssociation, dropi_name: str, plan: ProductPlan,
            changes: ProductChanges, wanted: dict) -> None:
    stored = association.variant_mappings or {}
    written = dict(stored.get(WRITTEN_KEY) or {})
    written.update(title=wanted["title"], description=wanted["description"],
                   images=wanted["images"])
    variants = dict(written.get("variants") or {})
    variants.update({key: value for key, value in wanted["variants"].items()
                     if key not in changes.new})
    written["variants"] = variants
    store_mappings(association, **{WRITTEN_KEY: written})
    record_changes(association, changes.new, changes.removed)
    association.original_dropi_name = dropi_name[:500]
    if "title" in changes.product_fields:
        association.shopify_title = plan.title[:500]
    association.last_synced_at = utcnow()


def record_changes(association: ProductAssociation, new: dict, removed: dict) -> None:
    """Keep the new and removed variations on the product only while there are any, so the
    approvals page finds the products to show without reading every product."""
    mappings = {key: value for key, value in (association.variant_mappings or {}).items()
                if key != CHANGES_KEY}
    if new or removed:
        mappings[CHANGES_KEY] = {"new": dict(new), "removed": dict(removed)}
    association.variant_mappings = mappings


def catalog_changes(association: ProductAssociation) -> dict[str, dict[str, str]]:
    """The new and removed Dropi variations Get products last found for this product."""
    changes = (association.variant_mappings or {}).get(CHANGES_KEY) or {}
    return {"new": dict(changes.get("new") or {}), "removed": dict(changes.get("removed") or {})}


def add_new_variations(ctx: ImportContext, association_id: int) -> ImportResult:
    """Add the variations Dropi added to the Shopify product, through the importer (with the
    preferences the product was imported with)."""
    association = db.session.get(ProductAssociation, int(association_id))
    if association is None or association.shop_id != ctx.shop.id:
        raise AssociationNotFound(_("This imported product does not exist (deleted "
                                    "meanwhile?). Reload the page."))
    result = import_product(ctx, association.dropi_product_id,
                            ImportPreferences.from_association(association),
                            import_type=association.import_type)
    if result.association is not None:
        linked = variant_links(result.association)
        changes = catalog_changes(result.association)
        record_changes(result.association,
                       {k: v for k, v in changes["new"].items() if k not in linked},
                       changes["removed"])
        db.session.commit()
    return result
