"""The shop's imported products: paged search for the Imported page, and deleting an import
(optionally archiving its Shopify product)."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.clients.shopify import ShopifyUserErrors
from app.extensions import db
from app.models import ProductAssociation
from app.services.product_import.errors import AssociationNotFound, ImportRefused
from app.services.product_import.results import describe_user_error

log = logging.getLogger(__name__)

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class AssociationPage:
    items: list[ProductAssociation]
    total: int
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_associations(shop_id: int, search: str | None = None, page: int = 1,
                      per_page: int = 50) -> AssociationPage:
    """The shop's imports, newest first (by id), matching ``search`` in the Shopify title, the Dropi
    name or (exactly) the Dropi id."""
    per_page = max(1, min(MAX_PER_PAGE, int(per_page)))
    conditions = [ProductAssociation.shop_id == shop_id]
    text = " ".join((search or "").split())
    if text:
        pattern = f"%{_escape(text.lower())}%"
        conditions.append(or_(
            func.lower(ProductAssociation.shopify_title).like(pattern, escape="\\"),
            func.lower(ProductAssociation.original_dropi_name).like(pattern, escape="\\"),
            ProductAssociation.dropi_product_id == text))
    page = max(1, int(page))
    # A search reads every row of the shop once, counting as it pages; the whole list is
    # counted and paged from the shop's index alone (a window count would sort every row).
    ids, total = _page_ids(conditions, page, per_page) if text else ([], None)
    if total is None:
        total = db.session.scalar(select(func.count(ProductAssociation.id)).where(*conditions))
        page = max(1, min(page, math.ceil(total / per_page)))
        ids = _ids(conditions, page, per_page) if total else []
    pages = max(1, math.ceil(total / per_page))
    loaded = {row.id: row for row in db.session.scalars(
        select(ProductAssociation).where(ProductAssociation.id.in_(ids)))} if ids else {}
    rows = [loaded[i] for i in ids if i in loaded]
    return AssociationPage(list(rows), total, page, pages)


def _ids(conditions, page: int, per_page: int) -> list[int]:
    """The ids of one page, newest first (only ids: no whole rows are read for the rows
    skipped before the page)."""
    return list(db.session.scalars(
        select(ProductAssociation.id).where(*conditions).order_by(ProductAssociation.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))


def _page_ids(conditions, page: int, per_page: int) -> tuple[list[int], int | None]:
    """The ids of one page, newest first, and the number of matches counted by the same
    statement; None when the page is empty (past the end, or nothing matches)."""
    found = db.session.execute(
        select(ProductAssociation.id, func.count().over().label("total")).where(*conditions)
        .order_by(ProductAssociation.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    if not found:
        return [], None
    return [row.id for row in found], found[0].total


def get_association(shop_id: int, association_id) -> ProductAssociation:
    """The shop's association with that id; AssociationNotFound for any other shop's."""
    try:
        number = int(association_id)
    except (TypeError, ValueError):
        number = None
    association = db.session.scalar(select(ProductAssociation).where(
        ProductAssociation.id == number, ProductAssociation.shop_id == shop_id)) \
        if number is not None else None
    if association is None:
        raise AssociationNotFound(_("That imported product does not exist (it may have been "
                                    "deleted)."))
    return association


def delete_association(ctx, association_id, *, archive_product: bool = False) -> None:
    """Forget an import (its variant links go with it). With ``archive_product`` the Shopify
    product is archived first; a product already deleted in Shopify is not an error."""
    association = get_association(ctx.shop.id, association_id)
    if archive_product:
        _archive(ctx, association)
    db.session.delete(association)
    db.session.commit()
    log.info("Association %s (Dropi %s) deleted for %s", association_id,
             association.dropi_product_id, ctx.shop.domain)


def _archive(ctx, association: ProductAssociation) -> None:
    try:
        ctx.shopify.mutate("product_update", {"product": {
            "id": association.shopify_product_id, "status": "ARCHIVED"}}, idempotent=True)
    except ShopifyUserErrors as exc:
        if _product_gone(exc):
            return
        raise ImportRefused(_("Shopify did not archive the product: %(errors)s",
                              errors="; ".join(describe_user_error(e) for e in exc.errors))) \
            from None


def _product_gone(exc: ShopifyUserErrors) -> bool:
    return any("does not exist" in str(e.get("message", "")).lower() for e in exc.errors)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
