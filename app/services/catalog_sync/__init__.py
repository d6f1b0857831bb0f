"""Get prices and Get products: keeping imported products in line with Dropi, and the
merchant's approval of price changes over the shop's threshold."""
from app.services.catalog_sync.approvals import (
    ApprovalOutcome,
    apply_approved,
    approve_price_changes,
    count_pending,
    pending_price_changes,
    reject_price_changes,
)
from app.services.catalog_sync.options import run_get_prices, run_get_products
from app.services.catalog_sync.prices import (
    DEFAULT_THRESHOLD_PERCENT,
    PriceProposal,
    propose_prices,
    sync_prices,
    threshold_of,
)
from app.services.catalog_sync.products import (
    add_new_variations,
    catalog_changes,
    sync_product,
    sync_products,
)
from app.services.catalog_sync.report import ENTITY_PRODUCT, SyncReport

__all__ = [
    "DEFAULT_THRESHOLD_PERCENT", "ENTITY_PRODUCT", "ApprovalOutcome", "PriceProposal",
    "SyncReport", "add_new_variations", "apply_approved", "approve_price_changes",
    "catalog_changes", "count_pending", "pending_price_changes", "propose_prices",
    "reject_price_changes", "run_get_prices", "run_get_products", "sync_prices", "sync_product",
    "sync_products", "threshold_of",
]
