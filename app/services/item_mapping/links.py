"""The variant links item mapping writes, for a batch of Shopify products at a time.

A matched variant is linked under a ProductAssociation of import type "mapped" (one per Dropi
product and Shopify product, in "link" mode, so re-syncing it never rewrites the merchant's
product); a variant that matched nothing keeps a link without association, with the reason in
the merchant's language. Links our imports made are never touched. Every write compares first,
so running a batch again (a retried webhook, a run resumed after a killed worker) changes
nothing and never adds a second link for a variant."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import DEFAULT_LOCALE
from app.models import ProductAssociation, Shop, VariantLink
from app.models.types import utcnow
from app.services.item_mapping.dropi_lookup import DropiMatch
from app.services.product_import.records import MODE_LINK

MAPPED = "mapped"
REASONS = {
    "not_found": _l("SKU not found at Dropi"),
    "ambiguous": _l("Two Dropi variations share this SKU"),
    "no_code": _l("No SKU or barcode"),
    "taken": _l("Another variant of this product is already linked to that Dropi variation"),
}


@dataclass(frozen=True)
class ShopifyVariant:
    """A variant as the catalogue read or a products/update webhook gives it."""

    id: str
    product_id: str
    product_title: str
    title: str
    sku: str
    barcode: str
    inventory_item_id: str | None

    @property
    def label(self) -> str:
        return self.product_title if self.title in ("", "Default Title") else \
            f"{self.product_title} / {self.title}"


def reason_text(locale: str, reason: str) -> str:
    """A reason in the merchant's language."""
    with force_locale(locale):
        return str(REASONS[reason])


class ProductBatch:
    """The links and associations of some Shopify products of one shop, loaded at once."""

    def __init__(self, shop: Shop, product_ids: list[str], locale: str = DEFAULT_LOCALE):
        self.shop, self.locale = shop, locale
        ids = list(dict.fromkeys(product_ids))
        self.links: dict[str, VariantLink] = {}
        self.associations: dict[tuple[str, str], ProductAssociation] = {}
        # Ids of the associations flush() inserted: loaded as objects only if asked for again.
        self._inserted: dict[tuple[str, str], int] = {}
        self._by_product: dict[str, list[str]] = {}
        # New rows are inserted together at flush(): most variants of a first run are new, and
        # one INSERT per table per batch is many times cheaper than the ORM's unit of work.
        self._new_associations: dict[tuple[str, str], dict] = {}
        self._new_links: list[dict] = []
        self._pending_holders: dict[tuple[str, str], dict[str, str]] = {}
        if not ids:
            return
        for link in db.session.scalars(
                select(VariantLink).options(selectinload(VariantLink.association))
                .where(VariantLink.shop_id == shop.id, VariantLink.shopify_product_id.in_(ids))):
            if link.shopify_variant_id not in self.links:
                self.links[link.shopify_variant_id] = link
                self._by_product.setdefault(link.shopify_product_id, []).append(
                    link.shopify_variant_id)
        self._load_associations(select(ProductAssociation).where(
            ProductAssociation.shop_id == shop.id, ProductAssociation.shopify_product_id.in_(ids)))

    def _load_associations(self, statement) -> None:
        for association in db.session.scalars(
                statement.options(selectinload(ProductAssociation.variant_links))):
            self.associations[(association.shopify_product_id,
                               association.dropi_product_id)] = association

    def imported(self, variant_id: str) -> bool:
        """Whether an import of ours linked this variant (mapping leaves it alone)."""
        link = self.links.get(variant_id)
        return link is not None and link.association is not None and \
            link.association.import_type != MAPPED

    def unchanged(self, variant: ShopifyVariant) -> bool:
        link = self.links.get(variant.id)
        return link is not None and (link.sku or "") == variant.sku and \
            (link.barcode or "") == variant.barcode

    def link(self, variant: ShopifyVariant, match: DropiMatch, country: str | None) -> bool:
        """Link the variant to the Dropi variation; False when another variant of the product
        already holds that variation."""
        key = (variant.product_id, match.product_id)
        if variant.id not in self.links:
            return self._link_new(variant, match, country, key)
        if key in self._new_associations:
            self.flush()  # the association the link moves to is made by now
        association = self._association(variant, match, country)
        pending = self._pending_holders.get(key, {}).get(match.variation_key)
        if pending is not None and pending != variant.id:
            return False
        holder = next((link for link in association.variant_links
                       if link.dropi_variation_id == match.variation_key), None)
        if holder is not None and holder.shopify_variant_id != variant.id:
            return False
        link = self.links.get(variant.id)
        if link is None:
            link = VariantLink(shop_id=self.shop.id, shopify_variant_id=variant.id)
            self.links[variant.id] = link
        previous = link.association
        if previous is not association:
            if previous is not None:
                previous.variant_links.remove(link)
            association.variant_links.append(link)
        link.dropi_variation_id = match.variation_key
        self._fill(link, variant, received=True, error=None)
        _remember(association, match.variation_key, variant)
        if previous is not None and previous is not association:
            self._forget_in(previous, link)
        return True

    def miss(self, variant: ShopifyVariant, reason: str) -> None:
        """Keep the variant's link without association, with the reason."""
        link = self.links.get(variant.id)
        if link is None:
            self._new_links.append(self._link_row(variant, None, "", received=False,
                                                  error=reason_text(self.locale, reason)))
            return
        if link is not None and link.association is not None:
            # A link leaves its association by being deleted (the association's links are
            # delete-orphan); the unmatched variant gets a link of its own.
            previous = link.association
            previous.variant_links.remove(link)
            self._forget_in(previous, link)
            link = None
        if link is None:
            link = VariantLink(shop_id=self.shop.id, shopify_variant_id=variant.id,
                               dropi_variation_id="")
            db.session.add(link)
            self.links[variant.id] = link
        self._fill(link, variant, received=False, error=reason_text(self.locale, reason))

    def forget_variants(self, product_id: str, present: set[str]) -> int:
        """Drop the mapping's links of a product's variants that no longer exist."""
        gone = [self.links[vid] for vid in self._by_product.get(product_id, ())
                if vid in self.links and vid not in present and not self.imported(vid)]
        for link in gone:
            previous = link.association
            if previous is not None:
                previous.variant_links.remove(link)
                self._forget_in(previous, link)
            else:
                db.session.delete(link)
            del self.links[link.shopify_variant_id]
        return len(gone)

    def _known_association(self, key: tuple[str, str]) -> ProductAssociation | None:
        association = self.associations.get(key)
        if association is None and key in self._inserted:
            association = self.associations[key] = db.session.get(ProductAssociation,
                                                                  self._inserted[key])
        return association

    def _link_new(self, variant: ShopifyVariant, match: DropiMatch, country: str | None,
                  key: tuple[str, str]) -> bool:
        association = self._known_association(key)
        holders = self._pending_holders.setdefault(key, {})
        taken = holders.get(match.variation_key) or next(
            (link.shopify_variant_id for link in (association.variant_links if association
                                                   else ()) if link.dropi_variation_id ==
             match.variation_key), None)
        if taken is not None and taken != variant.id:
            return False
        holders[match.variation_key] = variant.id
        if association is None:
            row = self._new_associations.get(key)
            if row is None:
                row = self._new_associations[key] = self._association_row(variant, match,
                                                                          country)
            row["variant_mappings"]["variants"][match.variation_key] = {
                "label": variant.title, "sku": variant.sku, "shopify_variant_id": variant.id}
        else:
            _remember(association, match.variation_key, variant)
        self._new_links.append(self._link_row(variant, key, match.variation_key, received=True,
                                              error=None))
        return True

    def flush(self) -> None:
        """Insert the new associations and links gathered so far."""
        if self._new_associations:
            # RETURNING without sort_by_parameter_order lets SQLAlchemy insert many rows per
            # statement on SQLite too; each row says which key it is.
            inserted = db.session.execute(
                insert(ProductAssociation).returning(ProductAssociation.id,
                                                     ProductAssociation.shopify_product_id,
                                                     ProductAssociation.dropi_product_id),
                list(self._new_associations.values())).all()
            self._new_associations.clear()
            self._inserted.update({(shopify_id, dropi_id): row_id
                                   for row_id, shopify_id, dropi_id in inserted})
        if self._new_links:
            rows = []
            for row in self._new_links:
                key = row.pop("_key")
                row["association_id"] = self._association_id(key) if key else None
                rows.append(row)
            db.session.execute(insert(VariantLink), rows)
            self._new_links = []

    def _association_row(self, variant: ShopifyVariant, match: DropiMatch,
                         country: str | None) -> dict:
        now = utcnow()
        return {"shop_id": self.shop.id, "dropi_product_id": match.product_id,
                "shopify_product_id": variant.product_id, "import_type": MAPPED,
                "original_dropi_name": (match.product_name or variant.product_title)[:500],
                "shopify_title": variant.product_title[:500], "dropi_country": country,
                "variant_mappings": {"mode": MODE_LINK, "variants": {}}, "imported_at": now,
                "last_synced_at": now}

    def _link_row(self, variant: ShopifyVariant, key, variation_key: str, *, received: bool,
                  error: str | None) -> dict:
        now = utcnow()
        return {"_key": key, "shop_id": self.shop.id, "shopify_variant_id": variant.id,
                "dropi_variation_id": variation_key, "shopify_product_id": variant.product_id,
                "shopify_inventory_item_id": variant.inventory_item_id,
                "sku": variant.sku[:255] or None, "barcode": variant.barcode[:255] or None,
                "details_received": received, "details_error": error, "created_at": now,
                "updated_at": now}

    def _association_id(self, key: tuple[str, str]) -> int:
        known = self.associations.get(key)
        return known.id if known is not None else self._inserted[key]

    def _association(self, variant: ShopifyVariant, match: DropiMatch,
                     country: str | None) -> ProductAssociation:
        key = (variant.product_id, match.product_id)
        association = self._known_association(key)
        if association is None:
            association = ProductAssociation(
                shop_id=self.shop.id, dropi_product_id=match.product_id,
                shopify_product_id=variant.product_id, import_type=MAPPED,
                original_dropi_name=(match.product_name or variant.product_title)[:500],
                shopify_title=variant.product_title[:500], dropi_country=country,
                variant_mappings={"mode": MODE_LINK, "variants": {}}, imported_at=utcnow(),
                last_synced_at=utcnow())
            db.session.add(association)
            self.associations[key] = association
        elif association.import_type == MAPPED:
            association.shopify_title = variant.product_title[:500]
            association.last_synced_at = utcnow()
        return association

    def _forget_in(self, association: ProductAssociation, link: VariantLink) -> None:
        mappings = dict(association.variant_mappings or {})
        variants = {k: v for k, v in (mappings.get("variants") or {}).items()
                    if v.get("shopify_variant_id") != link.shopify_variant_id}
        association.variant_mappings = {**mappings, "variants": variants}
        key = (association.shopify_product_id, association.dropi_product_id)
        if association.import_type == MAPPED and not association.variant_links and \
                not self._pending_holders.get(key):
            db.session.delete(association)
            self.associations.pop(key, None)
            self._inserted.pop(key, None)

    def _fill(self, link: VariantLink, variant: ShopifyVariant, *, received: bool,
              error: str | None) -> None:
        link.shopify_product_id = variant.product_id
        link.shopify_inventory_item_id = variant.inventory_item_id
        link.sku = variant.sku[:255] or None
        link.barcode = variant.barcode[:255] or None
        link.details_received = received
        link.details_error = error


def _remember(association: ProductAssociation, key: str, variant: ShopifyVariant) -> None:
    mappings = dict(association.variant_mappings or {})
    variants = dict(mappings.get("variants") or {})
    entry = {**(variants.get(key) or {}), "label": variant.title, "sku": variant.sku,
             "shopify_variant_id": variant.id}
    if variants.get(key) != entry:
        variants[key] = entry
        association.variant_mappings = {**mappings, "mode": mappings.get("mode") or MODE_LINK,
                                         "variants": variants}


def forget_product(shop: Shop, product_id: str) -> int:
    """A deleted Shopify product: its mapped associations and unmatched links go (imports of
    ours stay, for the merchant to delete on the Imported page). Returns the links removed."""
    mapped_ids = list(db.session.scalars(select(ProductAssociation.id).where(
        ProductAssociation.shop_id == shop.id, ProductAssociation.shopify_product_id == product_id,
        ProductAssociation.import_type == MAPPED)))
    removed = db.session.execute(delete(VariantLink).where(
        VariantLink.shop_id == shop.id, VariantLink.shopify_product_id == product_id,
        (VariantLink.association_id.is_(None)) | (VariantLink.association_id.in_(mapped_ids))
    ).execution_options(synchronize_session=False)).rowcount or 0
    if mapped_ids:
        db.session.execute(delete(ProductAssociation).where(
            ProductAssociation.id.in_(mapped_ids)).execution_options(synchronize_session=False))
    return removed
