"""The Dropi catalog as the merchant browses it: filters (filters.py), pages and product detail
(browse.py) cached briefly (cache.py), marked when already imported (imported.py), and every
match of a search for a bulk import (bulk_matching.py)."""
from app.services.catalog.browse import (
    CatalogItem,
    CatalogNotConnected,
    CatalogOptions,
    CatalogPage,
    browse_catalog,
    catalog_options,
    catalog_product,
    dropi_configuration,
)
from app.services.catalog.bulk_matching import BULK_CAP, MatchingProducts, matching_product_ids
from app.services.catalog.filters import CatalogFilters
from app.services.catalog.imported import ImportedMark, imported_marks

__all__ = [
    "BULK_CAP", "CatalogFilters", "CatalogItem", "CatalogNotConnected", "CatalogOptions",
    "CatalogPage", "ImportedMark", "MatchingProducts", "browse_catalog", "catalog_options",
    "catalog_product", "dropi_configuration", "imported_marks", "matching_product_ids",
]
