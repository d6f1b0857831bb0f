"""Linking a Dropi product to a Shopify product the merchant already sells: find the product,
suggest which variant is which Dropi variation, then write price, cost, barcode and stock on
the confirmed variants (every other variant is carried over unchanged)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.clients.dropi_models import DropiProduct
from app.clients.shopify import ShopifyGraphQLError
from app.services.product_import.context import ImportContext
from app.services.product_import.errors import ImportRefused, ImportValidationError
from app.services.product_import.pipeline import fetch_product, finish_write, plan_for
from app.services.product_import.plan import SIMPLE_KEY, ProductPlan, fold
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.product_input import (
    VariantWrite,
    merged_files,
    patch_write,
    planned_fields,
)
from app.services.product_import.records import MODE_LINK, find_association, variant_links
from app.services.product_import.results import ImportResult
from app.services.product_import.shopify_reads import (
    ProductSnapshot,
    read_media_sources,
    read_snapshot,
)

SEARCH_PAGE = 10
SEARCH_VARIANTS = 20


@dataclass(frozen=True)
class ShopifyVariantSummary:
    id: str
    title: str
    sku: str
    option_values: dict[str, str]


@dataclass(frozen=True)
class ShopifyProductSummary:
    id: str
    title: str
    status: str
    image_url: str | None
    variants: list[ShopifyVariantSummary] = field(default_factory=list)


@dataclass(frozen=True)
class ShopifyProductPage:
    items: list[ShopifyProductSummary]
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True)
class VariantLinkSuggestion:
    dropi_variation_id: str
    dropi_label: str
    dropi_sku: str
    shopify_variant_id: str | None
    reason: str  # "options", "sku", "only variant" or "" when nothing matched


def search_shopify_products(ctx: ImportContext, query: str | None, after: str | None = None,
                            *, first: int = SEARCH_PAGE) -> ShopifyProductPage:
    """One page of the shop's products matching ``query`` (Shopify search syntax), by title.
    The requested cost grows with `first`: a look-up of one product asks for one."""
    text = " ".join((query or "").split()) or None
    try:
        data = ctx.shopify.query("products_search", {"first": first, "after": after or None,
                                                     "query": text,
                                                     "variantsFirst": SEARCH_VARIANTS})
    except ShopifyGraphQLError as exc:
        if not after:
            raise
        # Shopify refuses a cursor it did not issue (or one from an older search).
        raise ImportRefused(_("That page of results is no longer available. Search again."
                              )) from exc
    connection = data["products"]
    items = [ShopifyProductSummary(
        id=node["id"], title=node["title"], status=node["status"],
        image_url=((((node.get("featuredMedia") or {}).get("preview") or {}).get("image")
                    or {}).get("url")),
        variants=[ShopifyVariantSummary(v["id"], v["title"], v.get("sku") or "",
                                        {o["name"]: o["value"] for o in v["selectedOptions"]})
                  for v in node["variants"]["nodes"]]) for node in connection["nodes"]]
    info = connection["pageInfo"]
    return ShopifyProductPage(items, info.get("endCursor"), bool(info.get("hasNextPage")))


def suggest_variant_links(ctx: ImportContext, dropi_product_id, shopify_product_id: str, *,
                          product: DropiProduct | None = None) -> list[VariantLinkSuggestion]:
    """For each Dropi variation, the Shopify variant with the same option values, else the
    same SKU; each Shopify variant is suggested at most once. The merchant confirms.
    `product` may be a recently fetched copy (the suggestion is only shown; linking fetches
    the product live again)."""
    product = product or fetch_product(ctx, dropi_product_id)
    plan = plan_for(ctx, product, ImportPreferences())
    snapshot = _snapshot(ctx, shopify_product_id, plan)
    free = list(snapshot.variants)
    chosen: dict[str, tuple[str, str]] = {}
    if len(plan.variants) == 1 and len(free) == 1:
        chosen[plan.variants[0].key] = (free[0].id, "only variant")
    rules = (("options", lambda pv, v: _values(v.options) == _values(pv.option_values)),
             ("sku", lambda pv, v: bool(v.sku) and fold(v.sku) == fold(pv.sku)))
    for reason, test in rules:
        for pv in plan.variants:
            if pv.key in chosen:
                continue
            match = next((v for v in free if v.id not in _taken(chosen) and test(pv, v)), None)
            if match is not None:
                chosen[pv.key] = (match.id, reason)
    return [VariantLinkSuggestion(pv.key, pv.label, pv.sku, *chosen.get(pv.key, (None, "")))
            for pv in plan.variants]


def link_product(ctx: ImportContext, dropi_product_id, shopify_product_id: str,
                 variant_map: dict[str, str], prefs: ImportPreferences) -> ImportResult:
    """Link a Dropi product to an existing Shopify product with the confirmed variant map
    (Dropi variation id -> Shopify variant id; "" is a simple product's only variation)."""
    product = fetch_product(ctx, dropi_product_id)
    plan = plan_for(ctx, product, prefs)
    association = find_association(ctx.shop.id, plan.dropi_product_id, ctx.country)
    if association is not None and association.shopify_product_id != shopify_product_id:
        raise ImportRefused(_("This Dropi product is already in your store as “%(title)s”. "
                              "Delete that import first to link it to another product.",
                              title=association.shopify_title))
    snapshot = _snapshot(ctx, shopify_product_id, plan)
    chosen = _checked_map(plan, snapshot, variant_map, product)
    return _write_link(ctx, association, product, plan, prefs, snapshot, chosen)


def relink(ctx: ImportContext, association, product: DropiProduct, plan: ProductPlan,
           prefs: ImportPreferences) -> ImportResult:
    """Import again a product that was linked: update the linked variants only."""
    snapshot = _snapshot(ctx, association.shopify_product_id, plan)
    links = variant_links(association)
    chosen = {key: vid for key, vid in links.items()
              if plan.variant(key) is not None and snapshot.variant(vid) is not None}
    return _write_link(ctx, association, product, plan, prefs, snapshot, chosen)


def _write_link(ctx, association, product, plan, prefs, snapshot, chosen) -> ImportResult:
    updates = {vid: VariantWrite(vid, (), _link_fields(plan, key, ctx), key=key,
                                 stock=plan.variant(key).stock, sku=snapshot.variant(vid).sku)
               for key, vid in chosen.items()}
    fields = {"title": plan.title, "descriptionHtml": plan.description_html}
    if prefs.status == "ACTIVE" and snapshot.status != "ACTIVE":
        fields["status"] = "ACTIVE"
    files = merged_files(plan, read_media_sources(ctx.shopify, snapshot.id)
                         if plan.images else None)
    if files is not None:
        fields["files"] = files
    write = patch_write(snapshot, updates, fields)
    write.warnings = list(plan.warnings)
    return finish_write(ctx, write, association, plan=plan, product=product, prefs=prefs,
                        import_type=association.import_type if association else "single",
                        mode=MODE_LINK, snapshot=snapshot)


def _link_fields(plan: ProductPlan, key: str, ctx: ImportContext) -> dict:
    fields = planned_fields(plan.variant(key), new=False, location_ids=ctx.location_ids)
    fields.pop("sku")  # the merchant's SKU stays; the link remembers Dropi's
    return fields


def _snapshot(ctx: ImportContext, product_id: str, plan: ProductPlan) -> ProductSnapshot:
    snapshot = read_snapshot(ctx.shopify, product_id, expected_variants=len(plan.variants))
    if snapshot is None:
        raise ImportRefused(_("That Shopify product no longer exists. Choose another one."))
    return snapshot


def _checked_map(plan: ProductPlan, snapshot: ProductSnapshot, variant_map: dict[str, str],
                 product: DropiProduct) -> dict[str, str]:
    aliases = {str(product.id): SIMPLE_KEY} if not product.is_variable else {}
    chosen, errors = {}, {}
    for raw_key, variant_id in (variant_map or {}).items():
        key = aliases.get(str(raw_key), str(raw_key))
        if not variant_id:
            continue
        if plan.variant(key) is None:
            errors[f"variant-{raw_key}"] = _("Dropi has no such variation.")
        elif snapshot.variant(variant_id) is None:
            errors[f"variant-{raw_key}"] = _("Choose one of this Shopify product's variants.")
        elif variant_id in chosen.values():
            errors[f"variant-{raw_key}"] = _("Each Shopify variant can be linked only once.")
        else:
            chosen[key] = variant_id
    if not chosen and not errors:
        errors["variant_map"] = _("Link at least one Dropi variation to a Shopify variant.")
    if errors:
        raise ImportValidationError(errors)
    return chosen


def _taken(chosen: dict[str, tuple[str, str]]) -> set[str]:
    return {vid for vid, _reason in chosen.values()}


def _values(options) -> frozenset:
    return frozenset(fold(value) for _name, value in options)
