"""Every Dropi product matching a catalog search, collected page by page for a bulk import."""
from __future__ import annotations

from dataclasses import dataclass

from app.clients.dropi import DropiClient
from app.models import Shop
from app.services.catalog.browse import dropi_configuration, web_dropi_client
from app.services.catalog.filters import CatalogFilters

DROPI_PAGE_LIMIT = 100  # the most Dropi returns per product-list call
BULK_CAP = 1000  # products a "select every match" bulk import collects at most


@dataclass(frozen=True)
class MatchingProducts:
    """Ids of the products matching a search, for a bulk import; `capped` when more matched."""

    ids: list[str]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.ids)


def matching_product_ids(settings, shop: Shop, filters: CatalogFilters, *,
                         cap: int = BULK_CAP, client: DropiClient | None = None
                         ) -> MatchingProducts:
    """Ids of every product matching the filters (paging Dropi's search), at most `cap`."""
    dropi = client or web_dropi_client(settings, dropi_configuration(shop))
    ids: list[str] = []
    start, total = 0, 0
    while len(ids) < cap:
        page = dropi.list_products(
            start=start, page_size=DROPI_PAGE_LIMIT, keywords=filters.search or None,
            favorites=filters.favorites, private=filters.private, in_stock=filters.in_stock,
            category=filters.category, warehouse=filters.warehouse)
        total = page.total
        ids.extend(str(p.id) for p in page.items if str(p.id) not in ids)
        start += DROPI_PAGE_LIMIT
        if not page.items or start >= page.total:
            break
    return MatchingProducts(ids=ids[:cap], total=max(total, len(ids)))
