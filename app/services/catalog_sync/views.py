"""What the price changes page shows besides the changes: the imported products for which
Get products found new or removed Dropi variations."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, cast, select

from app.extensions import db
from app.models import ProductAssociation
from app.services.catalog_sync.products import CHANGES_KEY, catalog_changes


@dataclass(frozen=True)
class DropiChanges:
    association_id: int
    title: str
    dropi_product_id: str
    new: dict[str, str]
    removed: dict[str, str]


def products_with_dropi_changes(shop_id: int) -> list[DropiChanges]:
    """The shop's imported products with Dropi variations to add or that Dropi removed."""
    rows = db.session.execute(
        select(ProductAssociation.id, ProductAssociation.shopify_title,
               ProductAssociation.dropi_product_id, ProductAssociation.variant_mappings)
        .where(ProductAssociation.shop_id == shop_id,
               cast(ProductAssociation.variant_mappings, Text).like(f'%"{CHANGES_KEY}"%'))
        .order_by(ProductAssociation.shopify_title))
    found = []
    for association_id, title, dropi_id, mappings in rows:
        changes = catalog_changes(_Mappings(mappings))
        if changes["new"] or changes["removed"]:
            found.append(DropiChanges(association_id, title, dropi_id, changes["new"],
                                      changes["removed"]))
    return found


@dataclass(frozen=True)
class _Mappings:
    variant_mappings: dict | None
