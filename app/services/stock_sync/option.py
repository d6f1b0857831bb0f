"""The "stock" sync option: every 30 minutes by default, for shops with "Get stock" on."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.stock_sync.runner import NothingToSync, sync_shop_stock
from app.services.sync import SyncContext, SyncFailed, sync_option


@sync_option("stock", config_flag="get_stock", label=_l("Stock"), default_interval_minutes=30,
             description=_l("Dropi's stock per warehouse onto your mapped Shopify locations; "
                            "only quantities that changed are written."))
def sync_stock(ctx: SyncContext) -> None:
    """Stock of every associated product (or of the ones a retry names)."""
    try:
        sync_shop_stock(ctx, ctx.shop.id, ctx.shop.domain, ctx.shopify(), ctx.dropi(),
                        scope=f"run-{ctx.run.id}", entities=ctx.entities)
    except NothingToSync as exc:
        raise SyncFailed(str(exc)) from None
