"""Shop, locations, node/nodes, jobs and metafields on any owner."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from standins.shopify import metafields as metafield_store
from standins.shopify.resolvers.common import connection, count, ctx, legacy_id, resolver
from standins.shopify.search import matcher

METAFIELD_OWNERS = ("Product", "ProductVariant", "Customer", "Order", "Shop", "Location")
LEGACY_ID_TYPES = ("Product", "ProductVariant", "InventoryItem", "Location", "Customer", "Order",
                   "Fulfillment", "Refund", "Metafield", "WebhookSubscription")
LOCATION_FIELDS = {"name": ("text", lambda r: r["name"]), "id": ("id", lambda r: r["_number"]),
                   "active": ("bool", lambda r: r["isActive"])}


@resolver("QueryRoot", "shop")
def resolve_shop(_root, info):
    return ctx(info).shop.record


@resolver("QueryRoot", "node")
def resolve_node(_root, info, id):
    return ctx(info).shop.find(id)


@resolver("QueryRoot", "nodes")
def resolve_nodes(_root, info, ids):
    return [ctx(info).shop.find(global_id) for global_id in ids]


@resolver("QueryRoot", "job")
def resolve_job(_root, info, id):
    return ctx(info).shop.jobs.get(id)


@resolver("QueryRoot", "locations")
def resolve_locations(_root, info, **args):
    shop = ctx(info).shop
    keep = matcher(args.get("query"), LOCATION_FIELDS, ["name"], ctx(info).search_warnings)
    items = [loc for loc in shop.locations.values()
             if (loc["isActive"] or args.get("includeInactive")) and keep(loc)]
    by_name = args.get("sortKey", "NAME") == "NAME"
    return connection(info, items, args, "Location",
                      (lambda r: r["name"].lower()) if by_name else (lambda r: r["_number"]))


@resolver("QueryRoot", "locationsCount")
def resolve_locations_count(_root, info, query=None, limit=None):
    keep = matcher(query, LOCATION_FIELDS, ["name"], ctx(info).search_warnings)
    return count(sum(1 for loc in ctx(info).shop.locations.values() if keep(loc)), limit)


@resolver("QueryRoot", "location")
def resolve_location(_root, info, id=None):
    shop = ctx(info).shop
    return shop.locations.get(id) if id else shop.primary_location()


@resolver("Location", "isPrimary")
def resolve_is_primary(location, _info):
    return bool(location.get("_primary"))


@resolver("Location", "inventoryLevels")
def resolve_location_levels(location, info, **args):
    shop = ctx(info).shop
    levels = [lv for (_item, loc), lv in shop.levels.items() if loc == location["id"]]
    return connection(info, levels, args, "InventoryLevel",
                      lambda lv: shop.inventory_items[lv["_item"]]["_number"])


@resolver("Location", "inventoryLevel")
def resolve_location_level(location, info, inventoryItemId, includeInactive=False):
    return ctx(info).shop.levels.get((inventoryItemId, location["id"]))


@resolver("Location", "hasUnfulfilledOrders")
def resolve_has_unfulfilled(location, info):
    return any(fo["_location"] == location["id"] and fo["status"] in ("OPEN", "IN_PROGRESS")
               for fo in ctx(info).shop.fulfillment_orders.values())


for _type in LEGACY_ID_TYPES:
    resolver(_type, "legacyResourceId")(lambda record, _info: legacy_id(record))


# -- shop details ---------------------------------------------------------------------------
def _zone(info) -> tuple[ZoneInfo, datetime]:
    zone = ZoneInfo(ctx(info).shop.record["ianaTimezone"])
    return zone, ctx(info).store.now().astimezone(zone)


@resolver("Shop", "timezoneAbbreviation")
def resolve_tz_abbreviation(_shop, info):
    return _zone(info)[1].tzname()


@resolver("Shop", "timezoneOffset")
def resolve_tz_offset(_shop, info):
    return _zone(info)[1].strftime("%z")


@resolver("Shop", "timezoneOffsetMinutes")
def resolve_tz_minutes(_shop, info):
    return int(_zone(info)[1].utcoffset().total_seconds() // 60)


@resolver("Shop", "primaryDomain")
def resolve_primary_domain(shop_record, info):
    domain = ctx(info).shop.domain
    return {"__typename": "Domain", "id": f"gid://shopify/Domain/{shop_record['_number']}",
            "host": domain, "url": f"https://{domain}", "sslEnabled": True,
            "localization": None, "marketWebPresence": None}


# -- metafields on every owner ------------------------------------------------------------------
def _owner_metafield(owner, info, key, namespace=None):
    shop = ctx(info).shop
    if namespace is None and "." in key:
        namespace, key = key.rsplit(".", 1)
    wanted = (metafield_store.app_namespace(namespace, shop.acting_app), key)
    return shop.metafields.get(owner.get("_metafields", {}).get(wanted))


def _owner_metafields(owner, info, **args):
    records = metafield_store.owned(ctx(info).shop, owner, args.get("namespace"), args.get("keys"))
    return connection(info, records, args, "Metafield")


for _owner in METAFIELD_OWNERS:
    resolver(_owner, "metafield")(_owner_metafield)
    resolver(_owner, "metafields")(_owner_metafields)


@resolver("Metafield", "jsonValue")
def resolve_json_value(metafield, _info):
    kind, value = metafield["type"], metafield["value"]
    if kind in ("number_integer",):
        return int(value)
    if kind == "number_decimal":
        return str(Decimal(value))
    if kind == "boolean":
        return value == "true"
    if kind == "json" or kind.startswith("list.") or kind in ("rating", "dimension", "weight",
                                                               "volume", "money"):
        return json.loads(value)
    return value


@resolver("Metafield", "owner")
def resolve_metafield_owner(metafield, info):
    return ctx(info).shop.find(metafield["_owner"])


@resolver("Metafield", "reference")
def resolve_metafield_reference(metafield, info):
    if metafield["type"].endswith("_reference") and not metafield["type"].startswith("list."):
        return ctx(info).shop.find(metafield["value"])
    return None


@resolver("Metafield", "sizeInBytes")
def resolve_metafield_size(metafield, _info):
    return len(metafield["value"].encode())
