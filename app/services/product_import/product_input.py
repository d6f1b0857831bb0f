"""The productSet input for a plan. productSet replaces the variant and file lists, so an
update always carries every existing variant (by id, unchanged unless the app owns it) and,
when images are added, every existing media by id."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.services.product_import.errors import ImportRefused
from app.services.product_import.plan import MAX_OPTIONS, PlannedVariant, ProductPlan, fold
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.shopify_reads import (
    APP_NAMESPACE,
    ProductSnapshot,
    SnapshotVariant,
)

TEXT = "single_line_text_field"
IMPORT_TAG = "Dropi"


@dataclass
class VariantWrite:
    id: str | None  # None: productSet creates it
    options: tuple[tuple[str, str], ...]
    fields: dict[str, Any]
    key: str | None = None  # the Dropi variation the app owns it for
    stock: dict[str, int] | None = None  # target units per location (owned variants only)
    sku: str | None = None


@dataclass
class ProductWrite:
    identifier: dict[str, str]
    input: dict[str, Any]
    variants: list[VariantWrite]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Ownership:
    matched: dict[str, SnapshotVariant]  # Dropi variation key -> existing variant
    orphans: list[SnapshotVariant]  # the app's variants whose Dropi variation is gone
    unowned: list[SnapshotVariant]  # the merchant's own variants


def metafield(key: str, value: str) -> dict[str, str]:
    return {"namespace": APP_NAMESPACE, "key": key, "type": TEXT, "value": str(value)}


def product_metafields(plan: ProductPlan) -> list[dict[str, str]]:
    """The Dropi product id, which a re-import reads to recognise the product. The country is
    not written: nothing reads it, the handle (dropi-<country>-<id>) and the association carry
    it, and each metafield costs 0.4 points of the productSet."""
    return [metafield("product_id", plan.dropi_product_id)]


def planned_fields(variant: PlannedVariant, *, new: bool, location_ids: list[str]) -> dict:
    """What the app writes on a variant it owns (price, cost, SKU, barcode, tracking)."""
    fields: dict[str, Any] = {
        "sku": variant.sku, "price": variant.quote.price,
        "compareAtPrice": variant.quote.compare_at_price,
        "inventoryItem": {"tracked": True, "cost": variant.quote.cost},
    }
    if variant.barcode:
        fields["barcode"] = variant.barcode
    if new:
        fields["inventoryPolicy"] = "DENY"
        # A new variant is stocked at every mapped location with its units in the same call
        # (nobody can have sold one yet); existing ones get inventorySetQuantities, which
        # compares before it sets.
        fields["inventoryQuantities"] = [
            {"locationId": loc, "name": "available", "quantity": (variant.stock or {}).get(loc, 0)}
            for loc in location_ids]
        if variant.key:
            fields["metafields"] = [metafield("variation_id", variant.key)]
    return fields


def unchanged_fields(variant: SnapshotVariant) -> dict[str, Any]:
    """A variant the app does not own, as it is now."""
    return {"sku": variant.sku, "barcode": variant.barcode, "price": variant.price,
            "compareAtPrice": variant.compare_at_price}


def create_write(plan: ProductPlan, prefs: ImportPreferences, location_ids: list[str]
                 ) -> ProductWrite:
    """A new product, identified by its handle so a repeated call cannot create a second one."""
    product = {"title": plan.title, "descriptionHtml": plan.description_html,
               "status": prefs.status, "handle": plan.handle, "productType": plan.product_type,
               "tags": [IMPORT_TAG], "metafields": product_metafields(plan),
               "productOptions": _options_input([(n, list(v)) for n, v in plan.options], None)}
    if plan.images:
        product["files"] = [_image(url, plan.title) for url in plan.images]
    variants = [VariantWrite(None, pv.option_values,
                             planned_fields(pv, new=True, location_ids=location_ids),
                             key=pv.key, stock=pv.stock, sku=pv.sku) for pv in plan.variants]
    product["variants"] = [variant_input(w) for w in variants]
    return ProductWrite({"handle": plan.handle}, product, variants, list(plan.warnings))


def match_owned(plan: ProductPlan, snapshot: ProductSnapshot, links: dict[str, str]
                ) -> Ownership:
    """Which existing variant is which Dropi variation: the stored link first, then the app's
    variant metafield, then the SKU, then the option values."""
    available = {v.id: v for v in snapshot.variants}
    matched: dict[str, SnapshotVariant] = {}
    tests = (lambda pv, v: links.get(pv.key) == v.id,
             lambda pv, v: bool(pv.key) and v.dropi_variation_id == pv.key,
             lambda pv, v: bool(v.sku) and fold(v.sku) == fold(pv.sku),
             lambda pv, v: _combo(v.options) == _combo(pv.option_values))
    for test in tests:
        for pv in plan.variants:
            if pv.key in matched:
                continue
            found = next((v for v in available.values() if test(pv, v)), None)
            if found is not None:
                matched[pv.key] = available.pop(found.id)
    owned_ids = set(links.values()) | {v.id for v in snapshot.variants if v.dropi_variation_id}
    rest = list(available.values())
    return Ownership(matched, [v for v in rest if v.id in owned_ids],
                     [v for v in rest if v.id not in owned_ids])


def update_write(plan: ProductPlan, prefs: ImportPreferences, snapshot: ProductSnapshot,
                 ownership: Ownership, location_ids: list[str],
                 media: list[tuple[str, str | None]] | None) -> ProductWrite:
    """Re-import into an existing product: the plan's structure, the merchant's variants kept."""
    warnings = list(plan.warnings)
    names = [name for name, _values in plan.options]
    kept = _kept_existing(names, ownership, warnings)
    names = _ordered_names(names, snapshot, bool(ownership.unowned))
    variants = []
    for pv in plan.variants:
        existing = ownership.matched.get(pv.key)
        variants.append(VariantWrite(existing.id if existing else None, _in_order(
            pv.option_values, names), planned_fields(pv, new=existing is None,
                                                     location_ids=location_ids),
            key=pv.key, stock=pv.stock, sku=pv.sku))
    for variant, orphan in kept:
        stock = {loc: 0 for loc in location_ids} if orphan else None
        variants.append(VariantWrite(variant.id, _in_order(_renamed(variant.options, names),
                                                             names),
                                     unchanged_fields(variant), stock=stock))
    _refuse_duplicates(variants)
    product = _update_fields(plan, prefs, snapshot)
    product["productOptions"] = _options_input(_used_values(names, variants), snapshot)
    product["variants"] = [variant_input(w) for w in variants]
    files = merged_files(plan, media)
    if files is not None:
        product["files"] = files
    return ProductWrite({"id": snapshot.id}, product, variants, warnings)


def patch_write(snapshot: ProductSnapshot, updates: dict[str, VariantWrite],
                product_fields: dict[str, Any]) -> ProductWrite:
    """Change some variants' fields (and product fields); every variant stays, by id."""
    variants = []
    for variant in snapshot.variants:
        write = VariantWrite(variant.id, variant.options, unchanged_fields(variant))
        update = updates.get(variant.id)
        if update is not None:
            write.fields.update(update.fields)
            write.key, write.stock, write.sku = update.key, update.stock, update.sku
        variants.append(write)
    options = [(o.name, list(o.values)) for o in snapshot.options]
    product = {**product_fields, "productOptions": _options_input(options, snapshot),
               "variants": [variant_input(w) for w in variants]}
    return ProductWrite({"id": snapshot.id}, product, variants)


def variant_input(write: VariantWrite) -> dict[str, Any]:
    data: dict[str, Any] = {"optionValues": [{"optionName": n, "name": v}
                                             for n, v in write.options]}
    if write.id:
        data["id"] = write.id
    data.update(write.fields)
    return data


def merged_files(plan: ProductPlan, media: list[tuple[str, str | None]] | None
                 ) -> list[dict] | None:
    """Every existing media by id plus the Dropi images not there yet (None: nothing to add)."""
    if not plan.images or media is None:
        return None
    present = {url for _id, url in media if url}
    new = [url for url in plan.images if url not in present]
    if not new:
        return None
    return [{"id": media_id} for media_id, _url in media] + [_image(u, plan.title) for u in new]


def _image(url: str, alt: str) -> dict[str, str]:
    return {"originalSource": url, "contentType": "IMAGE", "alt": alt}


def _update_fields(plan: ProductPlan, prefs: ImportPreferences, snapshot: ProductSnapshot
                   ) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": plan.title, "descriptionHtml": plan.description_html}
    # Re-importing may publish a product, never unpublish one the merchant made active.
    if prefs.status == "ACTIVE" and snapshot.status != "ACTIVE":
        fields["status"] = "ACTIVE"
    return fields


def _kept_existing(names, ownership: Ownership, warnings: list[str]):
    """(variant, is_orphan) for existing variants that stay; refuses when the merchant's own
    variants do not fit the Dropi options."""
    wanted = {fold(n) for n in names}
    kept = []
    for variant in ownership.unowned:
        if {fold(n) for n, _v in variant.options} != wanted:
            raise ImportRefused(_(
                "The Shopify product has variants that were not imported from Dropi (such as "
                "“%(title)s”) and whose options differ from Dropi's (%(options)s). Link the "
                "product instead of importing it, or remove those variants in Shopify.",
                title=variant.title, options=", ".join(names)))
        kept.append((variant, False))
    for variant in ownership.orphans:
        if {fold(n) for n, _v in variant.options} == wanted:
            kept.append((variant, True))
        else:
            warnings.append(_("The variant “%(title)s” was removed: Dropi no longer has it.",
                              title=variant.title))
    return kept


def _ordered_names(names: list[str], snapshot: ProductSnapshot, keep_order: bool) -> list[str]:
    if len(names) > MAX_OPTIONS:
        raise ImportRefused(_("Shopify allows at most 3 options per product."))
    if not keep_order:
        return names
    position = {fold(o.name): i for i, o in enumerate(snapshot.options)}
    return sorted(names, key=lambda n: position.get(fold(n), len(position)))


def _renamed(options, names) -> tuple[tuple[str, str], ...]:
    by_fold = {fold(n): n for n in names}
    return tuple((by_fold.get(fold(n), n), v) for n, v in options)


def _in_order(options, names) -> tuple[tuple[str, str], ...]:
    values = {fold(n): (n, v) for n, v in options}
    return tuple(values[fold(n)] for n in names if fold(n) in values)


def _used_values(names: list[str], variants: list[VariantWrite]) -> list[tuple[str, list[str]]]:
    result = []
    for name in names:
        values: dict[str, str] = {}
        for write in variants:
            for option, value in write.options:
                if option == name:
                    values.setdefault(fold(value), value)
        result.append((name, list(values.values())))
    return result


def _refuse_duplicates(variants: list[VariantWrite]) -> None:
    seen: set = set()
    for write in variants:
        combo = _combo(write.options)
        if combo in seen:
            raise ImportRefused(_("Two variants would have the same options (%(values)s); "
                                  "change one of them in Shopify or link the product instead.",
                                  values=" / ".join(v for _n, v in write.options)))
        seen.add(combo)


def _options_input(options: list[tuple[str, list[str]]], snapshot: ProductSnapshot | None
                   ) -> list[dict[str, Any]]:
    existing = {fold(o.name): o.id for o in snapshot.options} if snapshot else {}
    result = []
    for name, values in options:
        entry: dict[str, Any] = {"name": name, "values": [{"name": v} for v in values]}
        if fold(name) in existing:
            entry["id"] = existing[fold(name)]
        result.append(entry)
    return result


def _combo(options) -> tuple:
    return tuple(sorted((fold(n), fold(v)) for n, v in options))
