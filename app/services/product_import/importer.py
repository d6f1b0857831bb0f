"""Import a Dropi product as a new Shopify product (or update the one it already became),
and preview exactly what that writes."""
from __future__ import annotations

import logging
from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.clients.dropi_models import DropiProduct
from app.clients.shopify import ShopifyUserErrors
from app.models import ProductAssociation
from app.services.pricing import PriceRuleError
from app.services.product_import.context import ImportContext
from app.services.product_import.errors import ImportRefused, ImportValidationError
from app.services.product_import.plan import ProductPlan, build_plan
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.product_input import (
    ProductWrite,
    create_write,
    match_owned,
    update_write,
)
from app.services.product_import.records import (
    MODE_CREATE,
    MODE_LINK,
    association_mode,
    find_association,
    record_failure,
    save_association,
    variant_links,
)
from app.services.product_import.results import (
    ImportPreview,
    ImportResult,
    describe_user_error,
    preview_from_plan,
)
from app.services.product_import.shopify_reads import (
    ProductSnapshot,
    find_product_by_handle,
    read_media_sources,
    read_snapshot,
)
from app.services.product_import.writer import (
    WriteOutcome,
    set_metafields,
    sync_stock,
    write_product,
)

log = logging.getLogger(__name__)

DROPI_CURRENCIES = {"CO": "COP", "MX": "MXN", "CL": "CLP", "PE": "PEN", "EC": "USD", "PA": "USD",
                    "PY": "PYG", "GT": "GTQ", "AR": "ARS", "ES": "EUR"}


def fetch_product(ctx: ImportContext, dropi_product_id) -> DropiProduct:
    """The Dropi product, fetched live (never trusted from the browser)."""
    try:
        number = int(str(dropi_product_id).strip())
    except ValueError:
        raise ImportRefused(_("“%(id)s” is not a Dropi product id.", id=dropi_product_id)) \
            from None
    return ctx.dropi.get_product(number)


def plan_for(ctx: ImportContext, product: DropiProduct, prefs: ImportPreferences) -> ProductPlan:
    try:
        policy = prefs.policy(ctx.currency)
    except PriceRuleError as exc:
        raise ImportValidationError({"price_rule": str(exc)}) from None
    plan = build_plan(product, prefs, policy, ctx.targets, ctx.handle_for(product.id))
    dropi_currency = DROPI_CURRENCIES.get(ctx.country)
    if dropi_currency and dropi_currency != ctx.currency:
        plan = replace(plan, warnings=plan.warnings + (_(
            "Dropi %(country)s prices are in %(dropi)s and your store sells in %(shop)s; "
            "prices are not converted, so write the price rule in %(shop)s.",
            country=ctx.country, dropi=dropi_currency, shop=ctx.currency),))
    return plan


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
        from app.services.product_import.linking import relink

        return relink(ctx, association, product, plan, prefs)
    snapshot = _existing_product(ctx, association, plan)
    if snapshot is None:
        write = create_write(plan, prefs, ctx.location_ids, ctx.country)
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
    product_id = find_product_by_handle(ctx.shopify, plan.handle)
    if product_id is None:
        return None
    return read_snapshot(ctx.shopify, product_id, expected_variants=expected)


def finish_write(ctx: ImportContext, write: ProductWrite, association, *, plan: ProductPlan,
                 product: DropiProduct, prefs: ImportPreferences, import_type: str, mode: str,
                 snapshot: ProductSnapshot | None) -> ImportResult:
    """productSet, stock, missing metafields, then the association. Shopify's refusal of the
    product leaves everything as it was and is returned as user errors."""
    try:
        outcome = write_product(ctx.shopify, write)
    except ShopifyUserErrors as exc:
        record_failure(association, "; ".join(describe_user_error(e) for e in exc.errors))
        return ImportResult(association, False, association.shopify_product_id
                            if association else None, exc.errors, list(write.warnings),
                            written=False)
    errors = sync_stock(ctx.shopify, outcome.variants)
    errors += set_metafields(ctx.shopify, missing_metafields(outcome, write, snapshot, plan,
                                                             ctx.country))
    text = "; ".join(describe_user_error(e) for e in errors) or None
    record = {"plan": plan, "dropi_name": product.name, "country": ctx.country, "prefs": prefs,
              "outcome": outcome, "import_type": import_type, "mode": mode, "errors": text}
    try:
        saved = save_association(ctx.shop, association, **record)
    except IntegrityError:
        # A simultaneous import of the same product recorded it first: update that record.
        existing = find_association(ctx.shop.id, plan.dropi_product_id, ctx.country)
        saved = save_association(ctx.shop, existing, **record)
    log.info("Dropi %s product %s %s as %s for %s", ctx.country, plan.dropi_product_id,
             "created" if snapshot is None else "updated", outcome.product_id, ctx.shop.domain)
    return ImportResult(saved, snapshot is None, outcome.product_id, errors,
                        list(write.warnings))


def missing_metafields(outcome: WriteOutcome, write: ProductWrite,
                       snapshot: ProductSnapshot | None, plan: ProductPlan, country: str
                       ) -> list[tuple[str, str, str]]:
    """The app's metafields productSet did not already write: the product's when it existed
    without them, and the variation id of existing variants the app now owns."""
    if snapshot is None:
        return []
    entries = []
    if snapshot.dropi_product_id != plan.dropi_product_id:
        entries += [(outcome.product_id, "product_id", plan.dropi_product_id),
                    (outcome.product_id, "country", country)]
    for written in outcome.variants:
        existing = snapshot.variant(written.variant_id)
        if written.key and existing is not None and existing.dropi_variation_id != written.key:
            entries.append((written.variant_id, "variation_id", written.key))
    return entries
