"""get_product, list_products and check_inventory, live from Shopify. Customer-mode keys see
only active products."""
from __future__ import annotations

from app.models import Shop
from app.services.agent_tools.paging import first_nodes
from app.services.agent_tools.registry import (CallerContext, ToolInputInvalid, ToolNotFound,
                                               register, tool_from_file)
from app.services.agent_tools.shaping import compact, gid_for, money, utc

QUANTITY_NAMES = ("available", "incoming", "committed")


def get_product(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    product_id = gid_for("Product", arguments["productId"])
    product = caller.shopify.query("agent_product", {"id": product_id})["product"]
    if product is None or (not caller.is_staff and product["status"] != "ACTIVE"):
        raise ToolNotFound(f"No product {arguments['productId']} exists in this store.")
    price_range = product.get("priceRangeV2") or {}
    return compact({
        "id": product["id"], "title": product["title"],
        "descriptionHtml": product.get("descriptionHtml"), "vendor": product.get("vendor"),
        "productType": product.get("productType"), "handle": product.get("handle"),
        "status": product["status"], "tags": product.get("tags"),
        "totalInventory": product.get("totalInventory"),
        "priceRangeV2": {"minVariantPrice": money(price_range.get("minVariantPrice")),
                         "maxVariantPrice": money(price_range.get("maxVariantPrice"))},
        "variants": [_variant(v) for v in product["variants"]["nodes"]],
        "images": [{"id": m["id"], "url": m["image"]["url"], "altText": m["image"].get("altText")}
                   for m in product["media"]["nodes"] if m and m.get("image")],
        "options": [{"id": o["id"], "name": o["name"],
                     "values": [value["name"] for value in o.get("optionValues") or []]}
                    for o in product.get("options") or []],
        "createdAt": utc(product.get("createdAt")), "updatedAt": utc(product.get("updatedAt")),
    })


def _variant(variant: dict) -> dict:
    item = variant.get("inventoryItem") or {}
    weight = ((item.get("measurement") or {}).get("weight")) or {}
    return {"id": variant["id"], "title": variant["title"], "sku": variant.get("sku"),
            "barcode": variant.get("barcode"), "price": _amount(variant.get("price")),
            "compareAtPrice": _amount(variant.get("compareAtPrice")),
            "inventoryQuantity": variant.get("inventoryQuantity"),
            "inventoryItem": item and {"id": item["id"], "tracked": item.get("tracked")},
            "selectedOptions": variant.get("selectedOptions"),
            "weight": weight.get("value"), "weightUnit": weight.get("unit")}


def _amount(value) -> str | None:
    return None if value is None else money({"amount": value, "currencyCode": "-"})["amount"]


def list_products(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    first = arguments.get("first", 50)
    if first < 1:
        raise ToolInputInvalid("Invalid input at first: must be at least 1.")
    query = arguments.get("query") or ""
    if not caller.is_staff:
        query = f"status:active AND ({query})" if query else "status:active"
    products, page_info, _ = first_nodes(caller.shopify, "agent_products", "products", first, {
        "after": arguments.get("after"), "query": query or None,
        "sortKey": arguments.get("sortKey", "TITLE"), "reverse": arguments.get("reverse", False)})
    return {
        "products": [compact({
            "id": p["id"], "title": p["title"], "vendor": p.get("vendor"),
            "productType": p.get("productType"), "status": p.get("status"),
            "totalInventory": p.get("totalInventory"), "priceRange": _price_range(p),
            "featuredImageUrl": ((((p.get("featuredMedia") or {}).get("preview") or {})
                                  .get("image") or {}).get("url")),
            "variantsCount": (p.get("variantsCount") or {}).get("count")})
            for p in products],
        "pageInfo": compact(page_info),
    }


def _price_range(product: dict) -> str | None:
    price_range = product.get("priceRangeV2") or {}
    low, high = (money(price_range.get("minVariantPrice")),
                 money(price_range.get("maxVariantPrice")))
    if not low:
        return None
    if not high or high["amount"] == low["amount"]:
        return f"{low['amount']} {low['currencyCode']}"
    return f"{low['amount']} - {high['amount']} {low['currencyCode']}"


def check_inventory(shop: Shop, caller: CallerContext, arguments: dict) -> dict:
    item_id = gid_for("InventoryItem", arguments["inventoryItemId"])
    location_id = (gid_for("Location", arguments["locationId"])
                   if arguments.get("locationId") else None)
    item = caller.shopify.query("agent_inventory_item", {"id": item_id})["inventoryItem"]
    if item is None:
        raise ToolNotFound(f"No inventory item {arguments['inventoryItemId']} exists in this "
                           "store.")
    levels = []
    for level in item["inventoryLevels"]["nodes"]:
        if location_id and level["location"]["id"] != location_id:
            continue
        quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
        levels.append({"locationId": level["location"]["id"],
                       "locationName": level["location"]["name"],
                       **{name: int(quantities.get(name, 0)) for name in QUANTITY_NAMES}})
    if location_id and not levels:
        raise ToolNotFound(f"Inventory item {arguments['inventoryItemId']} is not stocked at "
                           f"location {arguments['locationId']}.")
    return compact({"inventoryItemId": item["id"], "sku": item.get("sku"),
                    "tracked": item.get("tracked"), "inventoryLevels": levels,
                    "totalAvailable": sum(level["available"] for level in levels)})


register(tool_from_file("get_product", get_product))
register(tool_from_file("list_products", list_products))
register(tool_from_file("check_inventory", check_inventory))
