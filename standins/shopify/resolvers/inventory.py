"""Inventory items, levels, quantities and adjustment groups."""
from __future__ import annotations

import zlib

from graphql import GraphQLError

from standins.shopify import inventory
from standins.shopify.resolvers.common import connection, count, ctx, resolver
from standins.shopify.search import matcher

ITEM_FIELDS = {"sku": ("exact", lambda i: i["sku"]), "id": ("id", lambda i: i["_number"]),
               "created_at": ("date", lambda i: i["createdAt"]),
               "updated_at": ("date", lambda i: i["updatedAt"])}


@resolver("QueryRoot", "inventoryItem")
def resolve_inventory_item(_root, info, id):
    return ctx(info).shop.inventory_items.get(id)


@resolver("QueryRoot", "inventoryItems")
def resolve_inventory_items(_root, info, **args):
    keep = matcher(args.get("query"), ITEM_FIELDS, ["sku"], ctx(info).search_warnings)
    items = [i for i in ctx(info).shop.inventory_items.values() if keep(i)]
    return connection(info, items, args, "InventoryItem")


@resolver("QueryRoot", "inventoryLevel")
def resolve_inventory_level(_root, info, id):
    return next((lv for lv in ctx(info).shop.levels.values() if lv["id"] == id), None)


@resolver("InventoryItem", "variant")
def resolve_item_variant(item, info):
    return ctx(info).shop.variants[item["_variant"]]


@resolver("InventoryItem", "variants")
def resolve_item_variants(item, info, **args):
    return connection(info, [ctx(info).shop.variants[item["_variant"]]], args, "ProductVariant")


@resolver("InventoryItem", "inventoryLevels")
def resolve_item_levels(item, info, **args):
    shop = ctx(info).shop
    levels = [lv for (item_id, _loc), lv in shop.levels.items() if item_id == item["id"]]
    return connection(info, levels, args, "InventoryLevel",
                      lambda lv: shop.locations[lv["_location"]]["_number"])


@resolver("InventoryItem", "inventoryLevel")
def resolve_item_level(item, info, locationId, includeInactive=False):
    return ctx(info).shop.levels.get((item["id"], locationId))


@resolver("InventoryItem", "locationsCount")
def resolve_item_locations_count(item, info):
    return count(sum(1 for (item_id, _loc) in ctx(info).shop.levels if item_id == item["id"]))


@resolver("InventoryItem", "duplicateSkuCount")
def resolve_duplicate_skus(item, info):
    if not item["sku"]:
        return 0
    return sum(1 for other in ctx(info).shop.inventory_items.values()
               if other["sku"] == item["sku"] and other["id"] != item["id"])


@resolver("InventoryItem", "measurement")
def resolve_item_measurement(item, _info):
    # Shopify answers 0 kg for a variant nobody weighed; the stand-in keeps no other weight.
    weight = item.get("_weight") or {"value": 0.0, "unit": "KILOGRAMS"}
    return {"__typename": "InventoryItemMeasurement",
            "id": item["id"].replace("InventoryItem", "InventoryItemMeasurement"),
            "weight": {"__typename": "Weight", **weight}, "shippingPackageId": None}


@resolver("InventoryItem", "inventoryHistoryUrl")
def resolve_history_url(item, info):
    return f"https://{ctx(info).shop.domain}/admin/products/inventory/{item['_number']}/history"


@resolver("InventoryLevel", "item")
def resolve_level_item(level, info):
    return ctx(info).shop.inventory_items[level["_item"]]


@resolver("InventoryLevel", "location")
def resolve_level_location(level, info):
    return ctx(info).shop.locations[level["_location"]]


@resolver("InventoryLevel", "quantities")
def resolve_level_quantities(level, _info, names):
    unknown = [n for n in names if n not in inventory.QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(f"Invalid quantity names: {', '.join(unknown)}. Valid names are "
                           f"{', '.join(inventory.QUANTITY_NAMES)}.",
                           extensions={"code": "BAD_REQUEST"})
    return [{"__typename": "InventoryQuantity",
             "id": f"gid://shopify/InventoryQuantity/{level['id'].rsplit('/', 1)[1]}&name={name}",
             "name": name, "quantity": level["_q"][name], "updatedAt": level["updatedAt"]}
            for name in names]


@resolver("InventoryAdjustmentGroup", "changes")
def resolve_group_changes(group, _info, inventoryItemIds=None, locationIds=None,
                          quantityNames=None):
    changes = group["_changes"]
    if inventoryItemIds:
        changes = [c for c in changes if c["item"]["id"] in inventoryItemIds]
    if locationIds:
        changes = [c for c in changes if c["location"]["id"] in locationIds]
    if quantityNames:
        changes = [c for c in changes if c["name"] in quantityNames]
    return changes


@resolver("InventoryAdjustmentGroup", "app")
def resolve_group_app(_group, info):
    app_id = ctx(info).app_id
    return {"__typename": "App", "id": f"gid://shopify/App/{zlib.crc32(app_id.encode()) % 10**7}",
            "apiKey": app_id, "title": "Connector", "handle": "connector"}
