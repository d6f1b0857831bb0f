"""Inventory levels with Shopify's quantity names. `available` + `committed` (+ the unavailable
states) make `on_hand`; orders move units from available to committed, fulfilment takes them off
hand. inventorySetQuantities / inventoryAdjustQuantities validate everything before changing
anything and compare `changeFromQuantity` with the persisted value."""
from __future__ import annotations

from standins.shopify.payloads import inventory_level_payload
from standins.shopify.records import DomainError

QUANTITY_NAMES = ("available", "committed", "damaged", "incoming", "on_hand", "quality_control",
                  "reserved", "safety_stock")
SETTABLE_NAMES = ("available", "on_hand")
ADJUSTABLE_NAMES = ("available", "damaged", "incoming", "on_hand", "quality_control",
                    "reserved", "safety_stock")
# States that are part of on_hand but not available.
UNAVAILABLE_NAMES = ("damaged", "quality_control", "reserved", "safety_stock")
REASONS = ("correction", "cycle_count_available", "damaged", "movement_created",
           "movement_updated", "movement_received", "movement_canceled", "other", "promotion",
           "quality_control", "received", "reservation_created", "reservation_deleted",
           "reservation_updated", "restock", "safety_stock", "shrinkage")
QUANTITY_LIMIT = 1_000_000_000


def level_of(shop, item_id: str, location_id: str) -> dict | None:
    return shop.levels.get((item_id, location_id))


def activate(shop, item_id: str, location_id: str, available: int = 0) -> dict:
    """Stock an inventory item at a location (inventoryActivate)."""
    existing = level_of(shop, item_id, location_id)
    if existing:
        return existing
    item, location = shop.inventory_items[item_id], shop.locations[location_id]
    now = shop.now()
    level = {"__typename": "InventoryLevel",
             "id": f"gid://shopify/InventoryLevel/{location['_number']}"
                   f"?inventory_item_id={item['_number']}",
             "_item": item_id, "_location": location_id, "createdAt": now, "updatedAt": now,
             "isActive": True, "canDeactivate": True, "deactivationAlert": None,
             "_q": {name: 0 for name in QUANTITY_NAMES}}
    level["_q"]["available"] = level["_q"]["on_hand"] = available
    shop.levels[(item_id, location_id)] = level
    return level


def change(shop, level: dict, name: str, delta: int, reason: str) -> dict:
    """Apply one delta the way Shopify keeps the states consistent; returns the change record."""
    quantities = level["_q"]
    quantities[name] += delta
    if name == "available" or name in UNAVAILABLE_NAMES:
        quantities["on_hand"] += delta
    elif name == "on_hand":
        quantities["available"] += delta
    level["updatedAt"] = shop.now()
    shop.emit("inventory_levels/update", inventory_level_payload(shop, level))
    return {"__typename": "InventoryChange", "name": name, "delta": delta,
            "quantityAfterChange": quantities[name], "ledgerDocumentUri": None,
            "item": shop.inventory_items[level["_item"]],
            "location": shop.locations[level["_location"]], "_reason": reason}


def _error(field, message, code) -> DomainError:
    return DomainError.single([str(p) for p in field], message, code)


def _check_common(data: dict, names: tuple[str, ...], name_message: str,
                  name_code: str) -> None:
    if data["name"] not in names:
        raise _error(["input", "name"], name_message, name_code)
    if data["reason"] not in REASONS:
        raise _error(["input", "reason"], f"The reason '{data['reason']}' is not valid; use "
                     f"one of {', '.join(REASONS)}.", "INVALID_REASON")


def _resolve_level(shop, entry: dict, path: list) -> dict:
    if entry["inventoryItemId"] not in shop.inventory_items:
        raise _error(path + ["inventoryItemId"], "The specified inventory item could not be "
                     "found.", "INVALID_INVENTORY_ITEM")
    if entry["locationId"] not in shop.locations:
        raise _error(path + ["locationId"], "The specified location could not be found.",
                     "INVALID_LOCATION")
    level = level_of(shop, entry["inventoryItemId"], entry["locationId"])
    if level is None:
        raise _error(path + ["locationId"], "The specified inventory item is not stocked at "
                     "the location.", "INVALID_LOCATION")
    return level


def _check_stale(level: dict, name: str, entry: dict, path: list) -> None:
    expected = entry.get("changeFromQuantity")
    current = level["_q"][name]
    if expected is not None and expected != current:
        raise _error(path + ["changeFromQuantity"], f"The specified compare quantity does not "
                     f"match the current quantity ({current}).", "CHANGE_FROM_QUANTITY_STALE")


def set_quantities(shop, data: dict) -> dict:
    """inventorySetQuantities: absolute values, all-or-nothing."""
    _check_common(data, SETTABLE_NAMES, "The quantity name must be either 'available' or "
                  "'on_hand'.", "INVALID_NAME")
    work, seen = [], set()
    for index, entry in enumerate(data["quantities"]):
        path = ["input", "quantities", index]
        level = _resolve_level(shop, entry, path)
        if level["id"] in seen:
            raise _error(path, "The combination of inventoryItemId and locationId must be "
                         "unique.", "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR")
        seen.add(level["id"])
        _check_bounds(entry["quantity"], path + ["quantity"])
        _check_stale(level, data["name"], entry, path)
        work.append((level, entry["quantity"] - level["_q"][data["name"]]))
    changes = []
    for level, delta in work:
        changes += _recorded(shop, level, data["name"], delta, data["reason"], None)
    return _group(shop, data, changes)


def adjust_quantities(shop, data: dict) -> dict:
    """inventoryAdjustQuantities: deltas, all-or-nothing."""
    _check_common(data, ADJUSTABLE_NAMES, f"The quantity name must be one of "
                  f"{', '.join(ADJUSTABLE_NAMES)}.", "INVALID_QUANTITY_NAME")
    work = []
    for index, entry in enumerate(data["changes"]):
        path = ["input", "changes", index]
        level = _resolve_level(shop, entry, path)
        if data["name"] != "available" and not entry.get("ledgerDocumentUri"):
            raise _error(path + ["ledgerDocumentUri"], "A ledger document URI is required for "
                         f"changes to '{data['name']}'.", "INVALID_LEDGER_DOCUMENT")
        _check_stale(level, data["name"], entry, path)
        _check_bounds(level["_q"][data["name"]] + entry["delta"], path + ["delta"])
        work.append((level, entry))
    changes = []
    for level, entry in work:
        changes += _recorded(shop, level, data["name"], entry["delta"], data["reason"],
                             entry.get("ledgerDocumentUri"))
    return _group(shop, data, changes)


def _recorded(shop, level, name, delta, reason, ledger) -> list[dict]:
    """The change and the state Shopify moves with it (available <-> on_hand)."""
    first = change(shop, level, name, delta, reason)
    first["ledgerDocumentUri"] = ledger
    related = "available" if name == "on_hand" else (
        "on_hand" if name == "available" or name in UNAVAILABLE_NAMES else None)
    if related is None:
        return [first]
    return [first, {**first, "name": related, "quantityAfterChange": level["_q"][related],
                    "ledgerDocumentUri": None}]


def _check_bounds(quantity: int, path: list) -> None:
    if quantity > QUANTITY_LIMIT:
        raise _error(path, f"The quantity can't be higher than {QUANTITY_LIMIT:,}.",
                     "INVALID_QUANTITY_TOO_HIGH")
    if quantity < -QUANTITY_LIMIT:
        raise _error(path, f"The quantity can't be lower than -{QUANTITY_LIMIT:,}.",
                     "INVALID_QUANTITY_TOO_LOW")


def _group(shop, data: dict, changes: list[dict]) -> dict:
    number, group_id = shop.new_id("InventoryAdjustmentGroup")
    group = {"__typename": "InventoryAdjustmentGroup", "id": group_id, "_number": number,
             "createdAt": shop.now(), "reason": data["reason"],
             "referenceDocumentUri": data.get("referenceDocumentUri"), "staffMember": None,
             "_changes": changes}
    shop.adjustment_groups[group_id] = group
    return group


def total_available(shop, item_id: str) -> int:
    return sum(level["_q"]["available"] for (item, _loc), level in shop.levels.items()
               if item == item_id)


def claim(shop, variant: dict, quantity: int, obey_policy: bool) -> str | None:
    """Commit units for an order line; the location used (None when nothing is stocked)."""
    item_id = variant["_inventory_item"]
    stocked = [level for (item, _loc), level in shop.levels.items() if item == item_id]
    if not stocked:
        return None
    stocked.sort(key=lambda lv: not shop.locations[lv["_location"]].get("_primary"))
    enough = [lv for lv in stocked if lv["_q"]["available"] >= quantity]
    tracked = shop.inventory_items[item_id]["tracked"]
    if obey_policy and tracked and not enough and variant["inventoryPolicy"] == "DENY":
        raise DomainError.single(["order", "lineItems"], f"Not enough inventory for "
                                 f"{variant['sku'] or variant['id']}.", "INVENTORY_CLAIM_FAILED")
    level = (enough or stocked)[0]
    change(shop, level, "available", -quantity, "reservation_created")
    level["_q"]["on_hand"] += quantity  # committed units stay on hand until fulfilled
    level["_q"]["committed"] += quantity
    return level["_location"]


def release(shop, item_id: str, location_id: str, quantity: int, restock: bool) -> None:
    """An unfulfilled committed quantity goes away (cancel); back to available on restock."""
    level = level_of(shop, item_id, location_id)
    if level is None:
        return
    level["_q"]["committed"] -= quantity
    level["_q"]["on_hand"] -= quantity
    if restock:
        change(shop, level, "available", quantity, "restock")


def ship(shop, item_id: str, location_id: str, quantity: int) -> None:
    """Fulfilled units leave the building: committed and on_hand go down."""
    level = level_of(shop, item_id, location_id)
    if level is not None:
        level["_q"]["committed"] -= quantity
        level["_q"]["on_hand"] -= quantity
        level["updatedAt"] = shop.now()


def restock_returned(shop, item_id: str, location_id: str, quantity: int) -> None:
    level = level_of(shop, item_id, location_id) or activate(shop, item_id, location_id)
    change(shop, level, "available", quantity, "restock")
