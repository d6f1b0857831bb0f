"""The steps every way of writing a Dropi product to Shopify shares (create, link, re-sync):
fetch the product live, plan it with the merchant's preferences, then write it and record
the association."""
from __future__ import annotations

import logging
from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.clients.dropi_models import DropiProduct
from app.clients.shopify import ShopifyUserErrors
from app.extensions import db
from app.services.pricing import PriceRuleError
from app.services.product_import.context import ImportContext
from app.services.product_import.errors import ImportRefused, ImportValidationError
from app.services.product_import.plan import ProductPlan, build_plan
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.product_input import ProductWrite
from app.services.product_import.records import (
    find_association,
    record_failure,
    save_association,
)
from app.services.product_import.results import ImportResult, describe_user_error
from app.services.product_import.shopify_reads import ProductSnapshot
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
    errors = sync_stock(ctx.shopify, [v for v in outcome.variants if not v.created])
    errors += set_metafields(ctx.shopify, missing_metafields(outcome, snapshot, plan))
    text = "; ".join(describe_user_error(e) for e in errors) or None
    record = {"plan": plan, "dropi_name": product.name, "country": ctx.country, "prefs": prefs,
              "outcome": outcome, "import_type": import_type, "mode": mode, "errors": text}
    try:
        saved = save_association(ctx.shop, association, **record)
    except IntegrityError:
        # A simultaneous import of the same product recorded it first: update that record.
        existing = find_association(ctx.shop.id, plan.dropi_product_id, ctx.country)
        saved = save_association(ctx.shop, existing, **record)
    except SQLAlchemyError as exc:
        # The product is in Shopify under its handle; importing again finds it there and
        # records it, so nothing is duplicated and nothing stays unknown to the app.
        db.session.rollback()
        log.error("Dropi %s product %s was written as %s but not recorded: %s", ctx.country,
                  plan.dropi_product_id, outcome.product_id, type(exc).__name__)
        raise ImportRefused(_("The product was saved in Shopify but could not be recorded "
                              "here. Import it again: the app finds it in Shopify and records "
                              "it without creating a second one.")) from None
    log.info("Dropi %s product %s %s as %s for %s", ctx.country, plan.dropi_product_id,
             "created" if snapshot is None else "updated", outcome.product_id, ctx.shop.domain)
    return ImportResult(saved, snapshot is None, outcome.product_id, errors,
                        list(write.warnings))


def missing_metafields(outcome: WriteOutcome, snapshot: ProductSnapshot | None,
                       plan: ProductPlan) -> list[tuple[str, str, str]]:
    """The app's metafields productSet did not already write: the product's Dropi id when it
    existed without it, and the variation id of existing variants the app now owns."""
    if snapshot is None:
        return []
    entries = []
    if snapshot.dropi_product_id != plan.dropi_product_id:
        entries.append((outcome.product_id, "product_id", plan.dropi_product_id))
    for written in outcome.variants:
        existing = snapshot.variant(written.variant_id)
        if written.key and existing is not None and existing.dropi_variation_id != written.key:
            entries.append((written.variant_id, "variation_id", written.key))
    return entries
