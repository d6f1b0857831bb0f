"""Get prices and Get products as sync options: the sync framework runs them per shop on
their schedule (or when asked) with clients whose spending is counted into the run."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.catalog_sync.prices import sync_prices
from app.services.catalog_sync.products import sync_products
from app.services.product_import.context import ImportContext, import_context_for
from app.services.product_import.errors import ImportNotReady
from app.services.sync import SyncContext, SyncFailed, sync_option

# Both options hold changes for the merchant on the price approvals page.
PRICE_APPROVALS = {"review_endpoint": "price_changes.pending",
                   "review_label": _l("Price changes and Dropi changes")}


@sync_option("prices", config_flag="get_prices", label=_l("Get prices"),
             default_interval_minutes=60, description=_l(
                 "Shopify prices follow Dropi's costs through each product's pricing rule; a "
                 "change over your limit waits for your approval."), **PRICE_APPROVALS)
def run_get_prices(ctx: SyncContext) -> None:
    sync_prices(_import_context(ctx), ctx.configuration, ctx, ctx.entities)


@sync_option("products", config_flag="get_products", label=_l("Get products"),
             default_interval_minutes=360, description=_l(
                 "Names, descriptions, images and variant codes that changed at Dropi reach "
                 "Shopify (a custom title or description stays); new and removed Dropi "
                 "variations are flagged."), **PRICE_APPROVALS)
def run_get_products(ctx: SyncContext) -> None:
    sync_products(_import_context(ctx), ctx, ctx.entities)


def _import_context(ctx: SyncContext) -> ImportContext:
    try:
        return import_context_for(ctx.settings, ctx.shop, shopify=ctx.shopify(),
                                  dropi=ctx.dropi())
    except ImportNotReady as exc:
        raise SyncFailed(exc.merchant_message) from None
