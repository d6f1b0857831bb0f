"""Products, variants, options and media."""
from __future__ import annotations

import html
import re
from decimal import Decimal

from graphql import GraphQLError

from standins.shopify import inventory
from standins.shopify.resolvers.common import connection, count, ctx, resolver, v2
from standins.shopify.search import matcher

def _product_fields(shop) -> dict:
    """Search fields for products; the ones that need the shop read it lazily."""
    def variants(product):
        return [shop.variants[v] for v in product["_variants"]]

    return {
        "title": ("text", lambda p: p["title"]), "handle": ("exact", lambda p: p["handle"]),
        "status": ("exact", lambda p: p["status"]), "vendor": ("text", lambda p: p["vendor"]),
        "product_type": ("text", lambda p: p["productType"]),
        "tag": ("exact", lambda p: p["tags"]), "tags": ("exact", lambda p: p["tags"]),
        "id": ("id", lambda p: p["_number"]), "created_at": ("date", lambda p: p["createdAt"]),
        "updated_at": ("date", lambda p: p["updatedAt"]),
        "published_at": ("date", lambda p: p["publishedAt"]),
        "sku": ("exact", lambda p: [v["sku"] for v in variants(p) if v["sku"]]),
        "barcode": ("exact", lambda p: [v["barcode"] for v in variants(p) if v["barcode"]]),
        "inventory_total": ("number", lambda p: _total_inventory(shop, p)),
        "published_status": ("exact", lambda p: "published" if p["status"] == "ACTIVE" else
                             "unpublished"),
    }


PRODUCT_TEXT = ["title", "vendor", "product_type", "sku", "tag", "barcode", "handle"]
PRODUCT_SORTS = {"TITLE": lambda p: p["title"].lower(), "VENDOR": lambda p: p["vendor"].lower(),
                 "PRODUCT_TYPE": lambda p: p["productType"].lower(),
                 "CREATED_AT": lambda p: p["createdAt"], "UPDATED_AT": lambda p: p["updatedAt"],
                 "PUBLISHED_AT": lambda p: p["publishedAt"] or ""}
def _variant_fields(shop) -> dict:
    return {
        "sku": ("exact", lambda v: v["sku"]), "barcode": ("exact", lambda v: v["barcode"]),
        "title": ("text", lambda v: v["title"]), "id": ("id", lambda v: v["_number"]),
        "product_id": ("id", lambda v: shop.products[v["_product"]]["_number"]),
        "updated_at": ("date", lambda v: v["updatedAt"]),
        "created_at": ("date", lambda v: v["createdAt"]),
        "inventory_quantity": ("number", lambda v: inventory.total_available(
            shop, v["_inventory_item"])),
    }


def _total_inventory(shop, product) -> int:
    return sum(inventory.total_available(shop, shop.variants[v]["_inventory_item"])
               for v in product["_variants"])


def _matching_products(info, query):
    shop = ctx(info).shop
    keep = matcher(query, _product_fields(shop), PRODUCT_TEXT, ctx(info).search_warnings)
    return [p for p in shop.products.values() if keep(p)]


@resolver("QueryRoot", "products")
def resolve_products(_root, info, **args):
    shop = ctx(info).shop
    sort_key = args.get("sortKey") or "ID"
    if sort_key == "INVENTORY_TOTAL":
        sort = lambda p: _total_inventory(shop, p)  # noqa: E731
    else:
        sort = PRODUCT_SORTS.get(sort_key, lambda p: p["_number"])
    return connection(info, _matching_products(info, args.get("query")), args, "Product", sort)


@resolver("QueryRoot", "productsCount")
def resolve_products_count(_root, info, query=None, limit=10000, savedSearchId=None):
    return count(len(_matching_products(info, query)), limit)


@resolver("QueryRoot", "product")
def resolve_product(_root, info, id):
    return ctx(info).shop.products.get(id)


@resolver("QueryRoot", "productByHandle")
def resolve_product_by_handle(_root, info, handle):
    return next((p for p in ctx(info).shop.products.values() if p["handle"] == handle), None)


@resolver("QueryRoot", "productByIdentifier")
def resolve_product_by_identifier(_root, info, identifier):
    if identifier.get("id"):
        return ctx(info).shop.products.get(identifier["id"])
    if identifier.get("handle"):
        return resolve_product_by_handle(None, info, identifier["handle"])
    raise GraphQLError("Only id and handle identifiers are supported by the local Shopify "
                       "stand-in.", extensions={"code": "NOT_IMPLEMENTED_BY_STAND_IN"})


@resolver("QueryRoot", "productVariants")
def resolve_product_variants(_root, info, **args):
    shop = ctx(info).shop
    keep = matcher(args.get("query"), _variant_fields(shop), ["sku", "title", "barcode"],
                   ctx(info).search_warnings)
    sort_key = {"SKU": lambda v: v["sku"] or "", "TITLE": lambda v: v["title"].lower(),
                "POSITION": lambda v: v["position"]}.get(args.get("sortKey"),
                                                         lambda v: v["_number"])
    return connection(info, [v for v in shop.variants.values() if keep(v)], args,
                      "ProductVariant", sort_key)


@resolver("QueryRoot", "productVariantsCount")
def resolve_product_variants_count(_root, info, query=None, limit=10000):
    shop = ctx(info).shop
    keep = matcher(query, _variant_fields(shop), ["sku", "title"], ctx(info).search_warnings)
    return count(sum(1 for v in shop.variants.values() if keep(v)), limit)


@resolver("QueryRoot", "productVariant")
def resolve_product_variant(_root, info, id):
    return ctx(info).shop.variants.get(id)


# -- Product ------------------------------------------------------------------------------------
@resolver("Product", "variants")
def resolve_variants(product, info, **args):
    shop = ctx(info).shop
    return connection(info, [shop.variants[v] for v in product["_variants"]], args,
                      "ProductVariant", lambda v: v["position"])


@resolver("Product", "variantsCount")
def resolve_variants_count(product, _info):
    return count(len(product["_variants"]))


@resolver("Product", "totalInventory")
def resolve_total_inventory(product, info):
    return _total_inventory(ctx(info).shop, product)


@resolver("Product", "tracksInventory")
def resolve_tracks_inventory(product, info):
    shop = ctx(info).shop
    return any(shop.inventory_items[shop.variants[v]["_inventory_item"]]["tracked"]
               for v in product["_variants"])


@resolver("Product", "hasOnlyDefaultVariant")
def resolve_only_default(product, _info):
    options = product["_options"]
    return len(options) == 1 and options[0]["values"] == ["Default Title"]


@resolver("Product", "hasOutOfStockVariants")
def resolve_out_of_stock(product, info):
    shop = ctx(info).shop
    return any(inventory.total_available(shop, shop.variants[v]["_inventory_item"]) <= 0
               for v in product["_variants"])


@resolver("Product", "options")
def resolve_options(product, _info, first=None):
    return product["_options"][:first] if first is not None else product["_options"]


@resolver("Product", "media")
def resolve_media(product, info, **args):
    return connection(info, product["_media"], args, "Media",
                      lambda m: product["_media"].index(m))


@resolver("Product", "images")
def resolve_images(product, info, **args):
    images = [{**m["image"], "_number": index} for index, m in enumerate(product["_media"])]
    return connection(info, images, args, "Image")


@resolver("Product", "mediaCount")
def resolve_media_count(product, _info):
    return count(len(product["_media"]))


@resolver("Product", "featuredMedia")
def resolve_featured_media(product, _info):
    return product["_media"][0] if product["_media"] else None


@resolver("Product", "featuredImage")
def resolve_featured_image(product, _info):
    return product["_media"][0]["image"] if product["_media"] else None


@resolver("Product", "description")
def resolve_description(product, _info, truncateAt=None):
    text = html.unescape(re.sub(r"<[^>]+>", " ", product["descriptionHtml"] or ""))
    text = " ".join(text.split())
    return text[:truncateAt] if truncateAt else text


def _price_range(info, product, key):
    shop = ctx(info).shop
    prices = [shop.variants[v][key] for v in product["_variants"]
              if shop.variants[v][key] is not None] or [Decimal(0)]
    return min(prices), max(prices)


@resolver("Product", "priceRangeV2", "priceRange")
def resolve_price_range(product, info):
    low, high = _price_range(info, product, "price")
    name = "ProductPriceRangeV2" if info.field_name == "priceRangeV2" else "ProductPriceRange"
    return {"__typename": name, "minVariantPrice": v2(info, low),
            "maxVariantPrice": v2(info, high)}


@resolver("Product", "compareAtPriceRange")
def resolve_compare_range(product, info):
    low, high = _price_range(info, product, "compareAtPrice")
    return {"__typename": "ProductCompareAtPriceRange",
            "minVariantCompareAtPrice": v2(info, low), "maxVariantCompareAtPrice": v2(info, high)}


@resolver("Product", "collections")
def resolve_collections(product, info, **args):
    return connection(info, [], args, "Collection")


@resolver("ProductOptionValue", "hasVariants")
def resolve_has_variants(value, info):
    product = ctx(info).shop.products.get(value["_product"])
    variants = [ctx(info).shop.variants[v] for v in (product or {}).get("_variants", [])]
    return any(o["optionValue"] is value for v in variants for o in v["selectedOptions"])


# -- ProductVariant ----------------------------------------------------------------------------
@resolver("ProductVariant", "product")
def resolve_variant_product(variant, info):
    return ctx(info).shop.products[variant["_product"]]


@resolver("ProductVariant", "inventoryItem")
def resolve_variant_item(variant, info):
    return ctx(info).shop.inventory_items[variant["_inventory_item"]]


@resolver("ProductVariant", "inventoryQuantity", "sellableOnlineQuantity")
def resolve_variant_quantity(variant, info):
    return inventory.total_available(ctx(info).shop, variant["_inventory_item"])


@resolver("ProductVariant", "availableForSale")
def resolve_available_for_sale(variant, info):
    shop = ctx(info).shop
    item = shop.inventory_items[variant["_inventory_item"]]
    active = shop.products[variant["_product"]]["status"] == "ACTIVE"
    in_stock = inventory.total_available(shop, item["id"]) > 0
    return active and (in_stock or not item["tracked"] or variant["inventoryPolicy"] == "CONTINUE")


@resolver("ProductVariant", "displayName")
def resolve_display_name(variant, info):
    title = ctx(info).shop.products[variant["_product"]]["title"]
    return title if variant["title"] == "Default Title" else f"{title} - {variant['title']}"


@resolver("ProductVariant", "media")
def resolve_variant_media(variant, info, **args):
    product = ctx(info).shop.products[variant["_product"]]
    media = [m for m in product["_media"] if m["id"] in variant["_media"]]
    return connection(info, media, args, "Media", lambda m: product["_media"].index(m))


@resolver("ProductVariant", "image")
def resolve_variant_image(variant, info, **_args):
    product = ctx(info).shop.products[variant["_product"]]
    media = [m for m in product["_media"] if m["id"] in variant["_media"]]
    return media[0]["image"] if media else None
