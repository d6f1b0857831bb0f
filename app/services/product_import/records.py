"""The app's record of an import: one ProductAssociation per Dropi product and shop, one
VariantLink per variant. ``variant_mappings`` keeps, per Dropi variation, the Shopify variant
and the Dropi prices last seen, so re-pricing can preview without calling Dropi."""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ProductAssociation, Shop, VariantLink
from app.models.types import utcnow
from app.services.product_import.fingerprints import plan_fingerprints
from app.services.product_import.plan import ProductPlan
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.writer import WriteOutcome

log = logging.getLogger(__name__)

MODE_CREATE = "create"  # the app created the Shopify product
MODE_LINK = "link"  # the merchant linked an existing Shopify product
ERROR_LIMIT = 2000
WRITTEN_KEY = "written"  # variant_mappings: fingerprints of what the app last wrote


def find_association(shop_id: int, dropi_product_id: str, country: str
                     ) -> ProductAssociation | None:
    """The shop's association for a Dropi product of that country (there is at most one)."""
    rows = db.session.scalars(
        select(ProductAssociation)
        .where(ProductAssociation.shop_id == shop_id,
               ProductAssociation.dropi_product_id == str(dropi_product_id))
        .order_by(ProductAssociation.id))
    return next((row for row in rows if (row.dropi_country or country) == country), None)


def association_mode(association: ProductAssociation) -> str:
    return (association.variant_mappings or {}).get("mode") or MODE_CREATE


def variant_links(association: ProductAssociation | None) -> dict[str, str]:
    """Dropi variation key -> Shopify variant id."""
    if association is None:
        return {}
    return {link.dropi_variation_id or "": link.shopify_variant_id
            for link in association.variant_links if link.shopify_variant_id}


def variation_prices(association: ProductAssociation) -> dict[str, dict[str, Any]]:
    """Per Dropi variation key: label, cost and suggested price (Decimal or None)."""
    result = {}
    for key, entry in ((association.variant_mappings or {}).get("variants") or {}).items():
        result[key] = {"label": entry.get("label") or key,
                       "cost": _decimal(entry.get("cost")),
                       "suggested": _decimal(entry.get("suggested_price"))}
    return result


def save_association(shop: Shop, association: ProductAssociation | None, *, plan: ProductPlan,
                     dropi_name: str, country: str, prefs: ImportPreferences,
                     outcome: WriteOutcome, import_type: str, mode: str,
                     errors: str | None) -> ProductAssociation:
    """Create or update the association and its variant links, then commit."""
    if association is None:
        association = ProductAssociation(shop_id=shop.id, dropi_product_id=plan.dropi_product_id,
                                         import_type=import_type, imported_at=utcnow())
        db.session.add(association)
    prefs.store_on(association)
    association.dropi_country = country
    association.original_dropi_name = dropi_name[:500]
    association.shopify_product_id = outcome.product_id
    association.shopify_title = outcome.title[:500]
    association.last_synced_at = utcnow()
    association.last_sync_error = errors[:ERROR_LIMIT] if errors else None
    association.variant_mappings = _mappings(association, plan, outcome, mode)
    _save_links(shop, association, outcome)
    _commit(association)
    return association


def record_failure(association: ProductAssociation | None, message: str) -> None:
    if association is None:
        return
    association.last_sync_error = message[:ERROR_LIMIT]
    db.session.commit()


def _mappings(association, plan: ProductPlan, outcome: WriteOutcome, mode: str) -> dict:
    stored = dict(association.variant_mappings or {})
    previous = (stored.get("variants") or {})
    owned = outcome.owned()
    variants = dict(previous)
    for planned in plan.variants:
        written = owned.get(planned.key)
        if written is None and planned.key not in previous:
            continue
        entry = dict(previous.get(planned.key) or {})
        entry.update(label=planned.label, sku=planned.sku, cost=str(planned.quote.cost),
                     suggested_price=None if planned.suggested is None else str(planned.suggested))
        if written is not None:
            entry["shopify_variant_id"] = written.variant_id
        variants[planned.key] = entry
    # What Get products compares Dropi with: set when the product is first written, then
    # kept up to date by Get products itself (it knows which parts it wrote).
    stored.setdefault(WRITTEN_KEY, plan_fingerprints(plan))
    return {**stored, "mode": mode, "variants": variants}


def _save_links(shop: Shop, association: ProductAssociation, outcome: WriteOutcome) -> None:
    links = {link.dropi_variation_id or "": link for link in association.variant_links}
    for key, written in outcome.owned().items():
        link = links.get(key)
        if link is None:
            link = VariantLink(shop_id=shop.id, dropi_variation_id=key)
            association.variant_links.append(link)
        link.shopify_variant_id = written.variant_id
        link.shopify_product_id = outcome.product_id
        link.shopify_inventory_item_id = written.inventory_item_id
        link.sku = written.sku


def _commit(association: ProductAssociation) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Two imports of the same Dropi product raced; the other one stored it first.
        db.session.rollback()
        log.info("Association for Dropi product %s was saved concurrently",
                 association.dropi_product_id)
        raise


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
