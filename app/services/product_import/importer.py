"""Import a Dropi product as a new Shopify product (or update the one it already became),
and preview exactly what that writes."""
from __future__ import annotations

import logging

from app.models import ProductAssociation
from app.services.product_import.context import ImportContext
from app.services.product_import.linking import relink
from app.services.product_import.pipeline import fetch_product, finish_write, plan_for
from app.services.product_import.plan import ProductPlan
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.product_input import (
    create_write,
    match_owned,
    update_write,
)
from app.services.product_import.records import (
    MODE_CREATE,
    MODE_LINK,
    association_mode,
    find_association,
    variant_links,
)
from app.services.product_import.results import ImportPreview, ImportResult, preview_from_plan
from app.services.product_import.shopify_reads import (
    ProductSnapshot,
    find_product_by_handle,
    read_media_sources,
    read_snapshot,
)

log = logging.getLogger(__name__)


def preview_import(ctx: ImportContext, dropi_product_id, prefs: ImportPreferences
                   ) -> ImportPreview:
    """Per variant: cost, price, compare-at price, margin and stock per location, plus the
    title, sanitized description and warnings, before anything is written."""
    product = fetch_product(ctx, dropi_product_id)
    plan = plan_for(ctx, product, prefs)
    association = find_association(ctx.shop.id, plan.dropi_product_id, ctx.country)
    names = {loc: ctx.location_name(loc) for loc in ctx.location_ids}
    return preview_from_plan(product, plan, names, association.id if association else None)


def import_product(ctx: ImportContext, dropi_product_id, prefs: ImportPreferences, *,
                   import_type: str = "single") -> ImportResult:
    """Create the Shopify product, or update the one this Dropi product already became.

    Never creates a duplicate: the association, then the deterministic handle
    ``dropi-<country>-<id>`` find an earlier product (even one written just before a crash).
    Shopify's userErrors come back in ``user_errors``; Dropi and Shopify failures raise.
    """
    product = fetch_product(ctx, dropi_product_id)
    plan = plan_for(ctx, product, prefs)
    association = find_association(ctx.shop.id, plan.dropi_product_id, ctx.country)
    if association is not None and association_mode(association) == MODE_LINK:
        return relink(ctx, association, product, plan, prefs)
    snapshot = _existing_product(ctx, association, plan)
    if snapshot is None:
        write = create_write(plan, prefs, ctx.location_ids)
    else:
        ownership = match_owned(plan, snapshot, variant_links(association))
        media = read_media_sources(ctx.shopify, snapshot.id) if plan.images else None
        write = update_write(plan, prefs, snapshot, ownership, ctx.location_ids, media)
    return finish_write(ctx, write, association, plan=plan, product=product, prefs=prefs,
                        import_type=import_type, mode=MODE_CREATE, snapshot=snapshot)


def _existing_product(ctx: ImportContext, association: ProductAssociation | None,
                      plan: ProductPlan) -> ProductSnapshot | None:
    expected = len(plan.variants) + len(variant_links(association))
    if association is not None:
        snapshot = read_snapshot(ctx.shopify, association.shopify_product_id,
                                 expected_variants=expected)
        if snapshot is not None:
            return snapshot
        log.info("Shopify product %s of association %s is gone; importing it again",
                 association.shopify_product_id, association.id)
    if plan.handle in ctx.absent_handles:
        return None
    product_id = find_product_by_handle(ctx.shopify, plan.handle)
    if product_id is None:
        return None
    return read_snapshot(ctx.shopify, product_id, expected_variants=expected)
