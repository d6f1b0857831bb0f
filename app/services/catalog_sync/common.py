"""Shared by Get prices and Get products: which associations a run covers, one product at a
time with its failures reported in the merchant's words, and variant writes with
productVariantsBulkUpdate (only the variants and fields that change)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import DropiError
from app.clients.dropi_core import (
    DropiAccessDenied,
    DropiAuthError,
    DropiNotFound,
    DropiRateLimited,
    DropiTokenInvalid,
    DropiUnavailable,
)
from app.clients.shopify import ShopifyClient
from app.clients.shopify_errors import (
    ShopifyError,
    ShopifyForbidden,
    ShopifyLocked,
    ShopifyServerError,
    ShopifyShopFrozen,
    ShopifyThrottled,
    ShopifyTransportError,
    ShopifyUnauthorized,
)
from app.extensions import db
from app.models import ProductAssociation
from app.services.catalog_sync.report import ENTITY_PRODUCT, SyncReport
from app.services.product_import.errors import ImportProblem

log = logging.getLogger(__name__)

VARIANTS_PER_CALL = 250  # Shopify's limit of variants per product query page and bulk input
# What stops the whole run (the token, the shop or the service itself, after the clients' own
# retries), reported once by the sync framework rather than once per product.
RUN_STOPPERS = (DropiAuthError, DropiAccessDenied, DropiTokenInvalid, DropiUnavailable,
                DropiRateLimited, ShopifyUnauthorized, ShopifyShopFrozen, ShopifyForbidden,
                ShopifyLocked, ShopifyServerError, ShopifyThrottled, ShopifyTransportError)


def associations_of(shop_id: int, entities: Iterable[str] | None = None
                    ) -> Iterator[ProductAssociation]:
    """The shop's associations in id order (only those named in ``entities`` when given)."""
    query = select(ProductAssociation.id).where(ProductAssociation.shop_id == shop_id)
    if entities is not None:
        ids = [int(e) for e in entities if str(e).isdigit()]
        query = query.where(ProductAssociation.id.in_(ids))
    for association_id in list(db.session.scalars(query.order_by(ProductAssociation.id))):
        association = db.session.get(ProductAssociation, association_id)
        if association is not None and association.shop_id == shop_id:
            yield association


def each_product(shop_id: int, report: SyncReport, entities, work: Callable) -> None:
    """Run ``work(association)`` for every association, reporting what stops one product
    (Dropi or Shopify refusing it, a rule that cannot price it) and going on with the next;
    what stops every product (RUN_STOPPERS) ends the run."""
    for association in associations_of(shop_id, entities):
        report.keep_going()
        entity_id, label = str(association.id), association.shopify_title
        try:
            work(association)
        except RUN_STOPPERS:
            db.session.rollback()
            raise
        except DropiNotFound:
            db.session.rollback()
            report.flagged(ENTITY_PRODUCT, entity_id, label, gone_message(association))
        except (DropiError, ShopifyError, ImportProblem) as exc:
            db.session.rollback()
            log.info("Catalog sync of association %s failed: %s", association.id,
                     type(exc).__name__)
            report.failed(ENTITY_PRODUCT, entity_id, label, str(exc.merchant_message))
        report.checked()


def gone_message(association: ProductAssociation) -> str:
    return _("Dropi product %(id)s is no longer available at Dropi (deleted, or made private). "
             "Its Shopify product was left as it is: decide whether to keep selling it.",
             id=association.dropi_product_id)


def inactive_message(association: ProductAssociation) -> str:
    return _("Dropi product %(id)s is inactive at Dropi (withdrawn from sale). Its Shopify "
             "product was left as it is: decide whether to keep selling it.",
             id=association.dropi_product_id)


def update_variants(shopify: ShopifyClient, product_id: str, variants: list[dict]) -> None:
    """productVariantsBulkUpdate of these variant inputs (each with its id), in chunks.
    Every field is an absolute value, so repeating the call after a lost answer is safe."""
    for start in range(0, len(variants), VARIANTS_PER_CALL):
        shopify.mutate("product_variants_bulk_update",
                       {"productId": product_id,
                        "variants": variants[start:start + VARIANTS_PER_CALL]},
                       idempotent=True)


def store_mappings(association: ProductAssociation, **changes) -> None:
    """Replace top-level keys of ``variant_mappings`` (a new dict, so the JSON is saved)."""
    association.variant_mappings = {**(association.variant_mappings or {}), **changes}
