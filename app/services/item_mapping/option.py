"""Item mapping as a sync option, switched by "Match products already in Shopify" (a matched
product's orders go to Dropi, so the merchant opts in). It changes nothing in Shopify: it reads
the catalogue and writes the app's own variant links. It runs when switched on, after Dropi is
connected again, from the Sync page's "Run now", and once a day to pick up what the webhooks
missed and the look-ups a run left for the next one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.bulk_operations import BulkOperationError, finish_signal
from app.services.item_mapping.dropi_lookup import DropiLookup
from app.services.item_mapping.mapping import bulk_query_for, map_catalogue
from app.services.sync import SyncContext, SyncFailed, SyncRefused, request_run, sync_option

OPTION = "mapping"
DAILY = 24 * 60


@sync_option(OPTION, label=_l("Item mapping"), config_flag="map_existing_products",
             default_interval_minutes=DAILY,
             description=_l("Matches the products you already sell in Shopify to Dropi by SKU "
                            "or barcode, so their orders go to Dropi."))
def sync_mapping(ctx: SyncContext) -> None:
    """Read the whole catalogue with a bulk query and map each variant (a retry maps only the
    variants it names, looking them up again)."""
    query = bulk_query_for(ctx.shopify(), finished_signal=finish_signal(ctx.shop.domain),
                           keep_going=ctx.keep_going)
    lookup = DropiLookup(ctx.dropi())
    try:
        map_catalogue(ctx.shop, query, lookup, reporter=ctx, entities=ctx.entities,
                      country=ctx.configuration.dropi_country)
    except BulkOperationError as exc:
        raise SyncFailed(exc.message) from exc


def map_after_connecting(shop) -> bool:
    """Queue a mapping run once Dropi is connected, the connector is Active and the merchant
    switched matching on (Settings calls this); False when the shop is not ready for one."""
    try:
        request_run(shop, OPTION)
    except SyncRefused:
        return False
    return True
