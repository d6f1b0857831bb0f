"""Importing Dropi products into Shopify: create or link, previews, re-sync, re-pricing,
imported-product listing and bulk jobs. The pages import everything from here."""
from app.services.product_import.associations import (
    AssociationPage,
    delete_association,
    get_association,
    list_associations,
)
from app.services.product_import.bulk import (
    MAX_BULK_ITEMS,
    JobProgress,
    cancel_import_job,
    get_job,
    job_progress,
    list_import_jobs,
    resume_stale_import_jobs,
    retry_import_job,
    start_bulk_import,
    start_bulk_import_for_search,
)
from app.services.product_import.bulk_runner import process_import_job
from app.services.product_import.context import ImportContext, LocationTarget, import_context_for
from app.services.product_import.errors import (
    AssociationNotFound,
    ImportJobNotFound,
    ImportNotReady,
    ImportProblem,
    ImportRefused,
    ImportValidationError,
)
from app.services.product_import.importer import import_product, preview_import
from app.services.product_import.linking import (
    ShopifyProductPage,
    ShopifyProductSummary,
    ShopifyVariantSummary,
    VariantLinkSuggestion,
    link_product,
    search_shopify_products,
    suggest_variant_links,
)
from app.services.product_import.preferences import (
    DEFAULT_PRICE_RULE,
    ImportPreferences,
    parse_preferences,
)
from app.services.product_import.results import ImportPreview, ImportResult, VariantPreview
from app.services.product_import.sync import (
    RepriceChange,
    apply_reprice,
    preview_reprice,
    resync_association,
)

__all__ = [
    "DEFAULT_PRICE_RULE", "MAX_BULK_ITEMS", "AssociationNotFound", "AssociationPage",
    "ImportContext", "ImportJobNotFound", "ImportNotReady", "ImportPreferences", "ImportPreview",
    "ImportProblem", "ImportRefused", "ImportResult", "ImportValidationError", "JobProgress",
    "LocationTarget", "RepriceChange", "ShopifyProductPage", "ShopifyProductSummary",
    "ShopifyVariantSummary", "VariantLinkSuggestion", "VariantPreview", "apply_reprice",
    "cancel_import_job", "delete_association", "get_association", "get_job", "import_context_for",
    "import_product", "job_progress", "link_product", "list_associations", "list_import_jobs",
    "parse_preferences", "preview_import", "preview_reprice", "process_import_job",
    "resume_stale_import_jobs", "resync_association", "retry_import_job", "search_shopify_products",
    "start_bulk_import", "start_bulk_import_for_search", "suggest_variant_links",
]
