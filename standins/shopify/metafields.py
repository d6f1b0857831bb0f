"""Metafields: typed values attached to products, variants, customers, orders and the shop.
Values are checked against their type the way Shopify does for the common types."""
from __future__ import annotations

import hashlib
import json
import re
import zlib
from decimal import Decimal, InvalidOperation

from standins.shopify.records import DomainError, parse_iso

MAX_SET = 25
APP_NAMESPACE = "$app"
APP_ID_MODULUS = 10**7
OWNER_TYPES = {"Product": "PRODUCT", "ProductVariant": "PRODUCTVARIANT", "Customer": "CUSTOMER",
               "Order": "ORDER", "Shop": "SHOP", "Location": "LOCATION"}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _check_scalar(kind: str, value: str) -> bool:
    try:
        if kind == "single_line_text_field":
            return "\n" not in value
        if kind == "number_integer":
            return re.fullmatch(r"-?\d+", value.strip()) is not None
        if kind == "number_decimal":
            return Decimal(value).is_finite()
        if kind == "boolean":
            return value in ("true", "false")
        if kind in ("json", "rating", "dimension", "weight", "volume", "money"):
            json.loads(value)
            return True
        if kind == "url":
            return value.startswith(("http://", "https://", "mailto:", "sms:", "tel:"))
        if kind in ("date", "date_time"):
            parse_iso(value)
            return True
        if kind == "color":
            return bool(_COLOR.match(value))
    except (ValueError, InvalidOperation, json.JSONDecodeError):
        return False
    return True


def value_error(kind: str, value: str) -> str | None:
    """Why `value` is not a valid `kind` (None when it is)."""
    if kind.startswith("list."):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            return f"Value must be a JSON array for type {kind}."
        if not isinstance(items, list):
            return f"Value must be a JSON array for type {kind}."
        inner = kind[5:]
        bad = [i for i in items if not _check_scalar(inner, i if isinstance(i, str) else
                                                     json.dumps(i))]
        return f"Value has items that are not valid {inner}." if bad else None
    return None if _check_scalar(kind, value) else f"Value is invalid for type {kind}."


def app_namespace(namespace: str | None, app_id: str) -> str:
    """Shopify's app-reserved namespaces: "$app" -> "app--<id>", "$app:x" -> "app--<id>--x"."""
    namespace = namespace or APP_NAMESPACE
    if not namespace.startswith(APP_NAMESPACE):
        return namespace
    number = zlib.crc32(app_id.encode()) % APP_ID_MODULUS
    suffix = namespace[len(APP_NAMESPACE):].lstrip(":")
    return f"app--{number}" + (f"--{suffix}" if suffix else "")


def plan_owned(shop, entries, prefix, code) -> list[dict] | None:
    """Validate MetafieldInput entries (namespace defaults to the app's own)."""
    if entries is None:
        return None
    planned = []
    for index, entry in enumerate(entries):
        path = [str(p) for p in prefix] + [str(index)]
        if not entry.get("key"):
            raise DomainError.single(path + ["key"], "Key can't be blank", code)
        if entry.get("value") is None:
            raise DomainError.single(path + ["value"], "Value can't be blank", code)
        kind = entry.get("type") or "single_line_text_field"
        problem = value_error(kind, entry["value"])
        if problem:
            raise DomainError.single(path + ["value"], problem, code)
        planned.append({"namespace": app_namespace(entry.get("namespace"), shop.acting_app),
                        "key": entry["key"], "type": kind, "value": entry["value"],
                        "typed": bool(entry.get("type"))})
    return planned


def _digest(record: dict) -> str:
    raw = "|".join([record["namespace"], record["key"], record["type"], record["value"],
                    record["updatedAt"]])
    return hashlib.sha256(raw.encode()).hexdigest()


def _write(shop, owner: dict, owner_type: str, entry: dict) -> dict:
    key = (entry["namespace"], entry["key"])
    now = shop.now()
    existing = shop.metafields.get(owner["_metafields"].get(key))
    if existing is None:
        number, metafield_id = shop.new_id("Metafield")
        existing = {"__typename": "Metafield", "id": metafield_id, "_number": number,
                    "namespace": entry["namespace"], "key": entry["key"], "createdAt": now,
                    "description": None, "ownerType": owner_type, "_owner": owner["id"],
                    "definition": None}
        shop.metafields[metafield_id] = existing
        owner["_metafields"][key] = metafield_id
    elif not entry.get("typed"):
        entry = {**entry, "type": existing["type"]}
    existing.update(type=entry["type"], value=entry["value"], updatedAt=now)
    existing["compareDigest"] = _digest(existing)
    return existing


def upsert_owned(shop, owner: dict, owner_type: str, planned: list[dict]) -> list[dict]:
    return [_write(shop, owner, owner_type, entry) for entry in planned]


def replace_owned(shop, owner: dict, owner_type: str, planned: list[dict]) -> None:
    """productSet semantics: metafields not in the input are deleted."""
    wanted = {(e["namespace"], e["key"]) for e in planned}
    for key, metafield_id in list(owner["_metafields"].items()):
        if key not in wanted:
            shop.metafields.pop(metafield_id, None)
            del owner["_metafields"][key]
    upsert_owned(shop, owner, owner_type, planned)


def metafields_set(shop, entries: list[dict]) -> list[dict]:
    """metafieldsSet: all entries are validated first; any error changes nothing."""
    if len(entries) > MAX_SET:
        raise DomainError([{"field": ["metafields"], "code": "LESS_THAN_OR_EQUAL_TO",
                            "message": f"Exceeded the maximum metafields input limit of "
                                       f"{MAX_SET}.", "elementIndex": None}])
    work = []
    for index, entry in enumerate(entries):
        owner = shop.find(entry["ownerId"])
        path = ["metafields", str(index)]
        if owner is None or owner.get("__typename") not in OWNER_TYPES:
            raise _indexed(path + ["ownerId"], "Owner does not exist.", "INVALID", index)
        namespace = app_namespace(entry.get("namespace"), shop.acting_app)
        current = shop.metafields.get(owner["_metafields"].get((namespace, entry["key"])))
        if current is None and not entry.get("type"):
            raise _indexed(path + ["type"], "Type can't be blank.", "BLANK", index)
        if entry.get("type") and current and current["type"] != entry["type"]:
            raise _indexed(path + ["type"], "Type can't be changed once set.", "INVALID_TYPE",
                           index)
        digest = entry.get("compareDigest")
        if digest is not None and (current is None or current["compareDigest"] != digest):
            raise _indexed(path, "The resource has been updated since it was loaded. Try again "
                           "with an updated `compareDigest` value.", "STALE_OBJECT", index)
        kind = entry.get("type") or current["type"]
        problem = value_error(kind, entry["value"])
        if problem:
            raise _indexed(path + ["value"], problem, "INVALID_VALUE", index)
        work.append((owner, {"namespace": namespace, "key": entry["key"], "type": kind,
                             "value": entry["value"], "typed": True}))
    return [_write(shop, owner, OWNER_TYPES[owner["__typename"]], planned)
            for owner, planned in work]


def _indexed(field, message, code, index) -> DomainError:
    return DomainError([{"field": field, "message": message, "code": code,
                         "elementIndex": index}])


def owned(shop, owner: dict, namespace: str | None = None, keys=None) -> list[dict]:
    records = [shop.metafields[mid] for mid in owner.get("_metafields", {}).values()
               if mid in shop.metafields]
    if namespace:
        namespace = app_namespace(namespace, shop.acting_app)
        records = [r for r in records if r["namespace"] == namespace]
    if keys:
        wanted = set()
        for full_key in keys:
            space, _, key = full_key.rpartition(".")
            wanted.add(f"{app_namespace(space, shop.acting_app)}.{key}")
        records = [r for r in records if f"{r['namespace']}.{r['key']}" in wanted]
    return records
