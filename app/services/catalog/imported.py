"""Which catalog products the shop already imported: one query for a page of products."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import ProductAssociation


@dataclass(frozen=True)
class ImportedMark:
    """The shop's association of a catalog product with a Shopify product."""

    association_id: int
    shopify_product_id: str
    shopify_title: str


def imported_marks(shop_id: int, dropi_product_ids: list[str]) -> dict[str, ImportedMark]:
    """{Dropi product id: the shop's (oldest) association} for these ids, in one query."""
    if not dropi_product_ids:
        return {}
    rows = db.session.execute(
        select(ProductAssociation.id, ProductAssociation.dropi_product_id,
               ProductAssociation.shopify_product_id, ProductAssociation.shopify_title)
        .where(ProductAssociation.shop_id == shop_id,
               ProductAssociation.dropi_product_id.in_(dropi_product_ids))
        .order_by(ProductAssociation.id))
    marks: dict[str, ImportedMark] = {}
    for row in rows:
        marks.setdefault(row.dropi_product_id,
                         ImportedMark(row.id, row.shopify_product_id, row.shopify_title))
    return marks
