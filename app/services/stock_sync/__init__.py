"""Stock sync: Dropi's stock per warehouse onto the mapped Shopify locations, writing only what
changed, with each imported product's out-of-stock policy."""
from app.services.stock_sync.policy import (
    POLICY_LABELS,
    PolicyInvalid,
    apply_out_of_stock_policy,
    set_out_of_stock_policy,
)
from app.services.stock_sync.runner import NothingToSync, StockRunReport, sync_shop_stock

__all__ = ["POLICY_LABELS", "NothingToSync", "PolicyInvalid", "StockRunReport",
           "apply_out_of_stock_policy", "set_out_of_stock_policy", "sync_shop_stock"]
from app.services.stock_sync.option import sync_stock  # noqa: E402  (registers the option)

__all__ += ["sync_stock"]
