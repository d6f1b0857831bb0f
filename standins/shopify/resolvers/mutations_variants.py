"""productVariantsBulkUpdate: change some variants of one product (price, compare-at price,
SKU, barcode, cost), leaving the others and the product's options as they are.

Evidence followed: the 2026-10 Admin schema (arguments, ProductVariantsBulkUpdateUserErrorCode)
and Shopify's documentation of the mutation: every variant must belong to the product and
carry its id, prices cannot be negative, inventoryQuantities are refused on an update, and a
refused call changes nothing (allowPartialUpdates is not modelled, so the whole call is
refused: stricter than Shopify, which may then keep the valid variants)."""
from __future__ import annotations

from standins.shopify.catalog import find_product
from standins.shopify.payloads import product_payload
from standins.shopify.records import DomainError, money
from standins.shopify.resolvers.common import ctx, resolver
from standins.shopify.resolvers.mutations_catalog import run_mutation

SCALARS = ("barcode", "taxable", "inventoryPolicy", "taxCode")


def bulk_update_variants(shop, product_id: str, variants_in: list[dict]) -> dict:
    product = find_product(shop, product_id)
    if product is None:
        raise DomainError.single(["productId"], "Product does not exist",
                                 "PRODUCT_DOES_NOT_EXIST")
    planned = [_checked(shop, product, index, v) for index, v in enumerate(variants_in)]
    for variant, data in planned:
        _apply(shop, variant, data)
    product["updatedAt"] = shop.now()
    shop.emit("products/update", product_payload(shop, product))
    return {"product": product, "productVariants": [variant for variant, _data in planned]}


def _checked(shop, product, index: int, data: dict):
    path = ["variants", str(index)]
    if not data.get("id"):
        raise DomainError.single(path + ["id"], "Product variant id is missing",
                                 "PRODUCT_VARIANT_ID_MISSING")
    variant = shop.variants.get(data["id"])
    if variant is None:
        raise DomainError.single(path + ["id"], "Product variant does not exist",
                                 "PRODUCT_VARIANT_DOES_NOT_EXIST")
    if variant["_product"] != product["id"]:
        raise DomainError.single(path + ["id"], "Product variant must be for this product",
                                 "MUST_BE_FOR_THIS_PRODUCT")
    if data.get("inventoryQuantities"):
        raise DomainError.single(path + ["inventoryQuantities"], "Inventory quantities can "
                                 "only be provided during create. To update inventory for "
                                 "existing variants, use inventoryAdjustQuantities.",
                                 "NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE")
    if data.get("optionValues"):
        raise DomainError.single(path + ["optionValues"], "Option values are not supported by "
                                 "the local Shopify stand-in's productVariantsBulkUpdate",
                                 "INVALID_INPUT")
    for name in ("price", "compareAtPrice"):
        if data.get(name) is not None and money(data[name]) < 0:
            raise DomainError.single(path + [name], "Price must be greater than or equal to 0",
                                     "GREATER_THAN_OR_EQUAL_TO")
    return variant, data


def _apply(shop, variant: dict, data: dict) -> None:
    for key in SCALARS:
        if key in data:
            variant[key] = data[key]
    for key in ("price", "compareAtPrice"):
        if key in data:
            variant[key] = None if data[key] is None else money(data[key])
    item = shop.inventory_items[variant["_inventory_item"]]
    item_in = data.get("inventoryItem") or {}
    if item_in.get("sku") is not None:  # the SKU lives on the inventory item in this input
        variant["sku"] = item_in["sku"]
    cost = item_in.get("cost")
    if cost is not None:
        item["unitCost"] = {"__typename": "MoneyV2", "amount": money(cost),
                            "currencyCode": shop.currency}
    item["sku"] = variant["sku"]
    variant["updatedAt"] = item["updatedAt"] = shop.now()


@resolver("Mutation", "productVariantsBulkUpdate")
def resolve_product_variants_bulk_update(_root, info, productId, variants, media=None,
                                         allowPartialUpdates=False):
    shop = ctx(info).shop

    def run():
        if media:
            raise DomainError.single(["media"], "media is not supported by the local Shopify "
                                     "stand-in's productVariantsBulkUpdate", "INVALID_INPUT")
        return bulk_update_variants(shop, productId, variants)

    return run_mutation(info, {"productId": productId, "variants": variants}, run,
                        {"product": None, "productVariants": None})
