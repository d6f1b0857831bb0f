"""Products as Shopify's new product model keeps them: options with values, variants that pick
one value per option, one inventory item per variant, media and metafields. `product_set`
replaces list fields exactly like the real mutation: variants, files and metafields left out
of the input are deleted."""
from __future__ import annotations

from standins.shopify import inventory, media, metafields, variants
from standins.shopify.payloads import product_payload
from standins.shopify.records import DomainError, slugify

UNSUPPORTED_SET_INPUTS = ("collections", "category", "claimOwnership", "combinedListingRole",
                          "giftCard", "giftCardTemplateSuffix")
SCALAR_INPUTS = {"title": "title", "descriptionHtml": "descriptionHtml", "vendor": "vendor",
                 "productType": "productType", "status": "status",
                 "templateSuffix": "templateSuffix", "requiresSellingPlan": "requiresSellingPlan"}


def create_location(shop, name: str, *, address1=None, city=None, province=None,
                    province_code=None, country_code="CO", zip_code=None, phone=None,
                    active=True) -> dict:
    number, location_id = shop.new_id("Location")
    now = shop.now()
    country = {"CO": "Colombia", "MX": "Mexico"}.get(country_code, country_code)
    location = {
        "__typename": "Location", "id": location_id, "_number": number, "name": name,
        "isActive": active, "activatable": not active, "deactivatable": active,
        "deletable": False, "fulfillsOnlineOrders": True, "shipsInventory": True,
        "isFulfillmentService": False, "fulfillmentService": None, "addressVerified": True,
        "hasActiveInventory": True, "createdAt": now, "updatedAt": now, "deactivatedAt": None,
        "localPickupSettingsV2": None, "suggestedAddresses": [],
        "_primary": not shop.locations, "_metafields": {},
        "address": {"__typename": "LocationAddress", "address1": address1, "address2": None,
                    "city": city, "province": province, "provinceCode": province_code,
                    "country": country, "countryCode": country_code, "zip": zip_code,
                    "phone": phone, "latitude": None, "longitude": None,
                    "formatted": [part for part in (address1, city, province, country) if part]},
    }
    shop.locations[location_id] = location
    return location


def find_product(shop, product_id=None, handle=None) -> dict | None:
    if product_id:
        return shop.products.get(product_id)
    if handle:
        return next((p for p in shop.products.values() if p["handle"] == handle), None)
    return None


def product_set(shop, data: dict, identifier: dict | None = None) -> dict:
    """Create or update a product from a ProductSetInput; raises DomainError (userErrors)."""
    _refuse_unsupported(data)
    product, handle = _set_target(shop, data, identifier or {})
    creating = product is None
    if creating and not (data.get("title") or "").strip():
        raise DomainError.single(["input", "title"], "Title can't be blank", "INVALID_PRODUCT")
    if "title" in data and not (data.get("title") or "").strip():
        raise DomainError.single(["input", "title"], "Title can't be blank", "INVALID_PRODUCT")
    plan = variants.plan(shop, product, data.get("productOptions"), data.get("variants"))
    file_plan = media.plan_files(product, data.get("files"), ["input", "files"])
    metafield_plan = metafields.plan_owned(shop, data.get("metafields"), ["input", "metafields"],
                                           "INVALID_METAFIELD")
    if creating:
        product = _new_product(shop, data, handle)
    else:
        _update_handle(shop, product, data.get("handle"))
    _apply_scalars(product, data)
    if file_plan is not None:
        media.apply_files(shop, product, file_plan)
    if plan is not None:
        variants.apply(shop, product, plan)
    elif creating:
        variants.apply(shop, product, variants.default_plan())
    if metafield_plan is not None:
        metafields.replace_owned(shop, product, "PRODUCT", metafield_plan)
    product["updatedAt"] = shop.now()
    shop.emit("products/create" if creating else "products/update", product_payload(shop, product))
    return product


def _refuse_unsupported(data: dict) -> None:
    for name in UNSUPPORTED_SET_INPUTS:
        if data.get(name) not in (None, False, [], ""):
            raise DomainError.single(["input", name],
                                     f"{name} is not supported by the local Shopify stand-in",
                                     "GENERIC_ERROR")


def _set_target(shop, data: dict, identifier: dict) -> tuple[dict | None, str | None]:
    if identifier.get("customId") is not None:
        raise DomainError.single(["identifier", "customId"],
                                 "customId identifiers are not supported by the local Shopify "
                                 "stand-in", "GENERIC_ERROR")
    product_id = identifier.get("id") or data.get("id")
    if product_id:
        product = find_product(shop, product_id)
        if product is None:
            field = ["identifier", "id"] if identifier.get("id") else ["input", "id"]
            raise DomainError.single(field, "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
        return product, None
    handle = identifier.get("handle")
    if handle:
        return find_product(shop, handle=handle), handle
    return None, data.get("handle")


def _new_product(shop, data: dict, handle: str | None) -> dict:
    number, product_id = shop.new_id("Product")
    now = shop.now()
    product = {
        "__typename": "Product", "id": product_id, "_number": number,
        "title": data["title"].strip(), "handle": "", "descriptionHtml": "", "vendor": "",
        "productType": "", "status": "ACTIVE", "tags": [], "createdAt": now, "updatedAt": now,
        "publishedAt": now, "templateSuffix": None, "giftCardTemplateSuffix": None,
        "isGiftCard": False, "requiresSellingPlan": False, "onlineStoreUrl": None,
        "onlineStorePreviewUrl": None, "combinedListingRole": None, "category": None,
        "seo": {"__typename": "SEO", "title": None, "description": None},
        "_variants": [], "_options": [], "_media": [], "_metafields": {},
    }
    product["handle"] = _unique_handle(shop, slugify(handle or product["title"]), None,
                                       explicit=bool(handle))
    shop.products[product_id] = product
    return product


def _unique_handle(shop, wanted: str, product_id: str | None, explicit: bool) -> str:
    taken = {p["handle"] for p in shop.products.values() if p["id"] != product_id}
    if wanted not in taken:
        return wanted
    if explicit:
        raise DomainError.single(["input", "handle"],
                                 f"Handle '{wanted}' already in use. Please provide a new handle.",
                                 "HANDLE_NOT_UNIQUE")
    suffix = 1
    while f"{wanted}-{suffix}" in taken:
        suffix += 1
    return f"{wanted}-{suffix}"


def _update_handle(shop, product: dict, handle: str | None) -> None:
    if handle:
        product["handle"] = _unique_handle(shop, slugify(handle), product["id"], explicit=True)


def _apply_scalars(product: dict, data: dict) -> None:
    for input_name, key in SCALAR_INPUTS.items():
        if input_name in data and data[input_name] is not None:
            value = data[input_name]
            product[key] = value.strip() if isinstance(value, str) and key == "title" else value
    if data.get("tags") is not None:
        product["tags"] = normalize_tags(data["tags"])
    if data.get("seo") is not None:
        product["seo"] = {"__typename": "SEO", "title": data["seo"].get("title"),
                          "description": data["seo"].get("description")}


def normalize_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen, result = set(), []
    for tag in tags:
        clean = str(tag).strip()
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            result.append(clean)
    return result


def product_update(shop, data: dict, identifier: dict | None = None,
                   new_media: list | None = None) -> dict:
    """productUpdate: only the given fields change; metafields are upserted, not replaced."""
    identifier = identifier or {}
    product = find_product(shop, identifier.get("id") or data.get("id"), identifier.get("handle"))
    if product is None:
        raise DomainError.single(["id"], "Product does not exist")
    if data.get("productOptions"):
        raise DomainError.single(["productOptions"], "Options can only be set when a product is "
                                 "created; use productSet or productOptionsCreate")
    for name in ("collectionsToJoin", "collectionsToLeave", "category"):
        if data.get(name):
            raise DomainError.single([name], f"{name} is not supported by the local Shopify "
                                     "stand-in")
    if "title" in data and not (data.get("title") or "").strip():
        raise DomainError.single(["title"], "Title can't be blank")
    media_plan = media.plan_media_inputs(new_media or [], ["media"])
    metafield_plan = metafields.plan_owned(shop, data.get("metafields"), ["metafields"], None)
    _update_handle(shop, product, data.get("handle"))
    _apply_scalars(product, data)
    if media_plan:
        media.append_media(shop, product, media_plan)
    if metafield_plan:
        metafields.upsert_owned(shop, product, "PRODUCT", metafield_plan)
    product["updatedAt"] = shop.now()
    shop.emit("products/update", product_payload(shop, product))
    return product


def product_delete(shop, product_id: str) -> str:
    product = shop.products.get(product_id)
    if product is None:
        raise DomainError.single(["id"], "Product does not exist")
    for variant_id in list(product["_variants"]):
        variants.delete_variant(shop, variant_id)
    for metafield_id in list(product["_metafields"].values()):
        shop.metafields.pop(metafield_id, None)
    del shop.products[product_id]
    shop.emit("products/delete", {"id": product["_number"]})
    return product_id


def add_tags(shop, node_id: str, tags: list[str]) -> dict:
    """tagsAdd on a product, order or customer (emits the matching update topic)."""
    from standins.shopify.payloads import customer_payload, order_payload
    topics = {"Product": ("products/update", product_payload),
              "Order": ("orders/updated", order_payload),
              "Customer": ("customers/update", customer_payload)}
    node = shop.find(node_id)
    if node is None or node.get("__typename") not in topics:
        raise DomainError.single(["id"], "Invalid id: the resource does not exist or has no tags")
    new_tags = normalize_tags(tags)
    if not new_tags:
        raise DomainError.single(["tags"], "Tags can't be blank")
    node["tags"] = normalize_tags(node["tags"] + new_tags)
    node["updatedAt"] = shop.now()
    topic, payload = topics[node["__typename"]]
    shop.emit(topic, payload(shop, node))
    return node


def set_available_by_sku(shop, sku: str, location_name: str, quantity: int) -> dict:
    variant = variants.by_sku(shop, sku)
    location = next((loc for loc in shop.locations.values() if loc["name"] == location_name), None)
    if variant is None or location is None:
        raise DomainError.single(None, f"No variant {sku!r} or location {location_name!r}")
    item_id = variant["_inventory_item"]
    level = inventory.level_of(shop, item_id, location["id"]) or inventory.activate(
        shop, item_id, location["id"])
    inventory.change(shop, level, "available", quantity - level["_q"]["available"], "correction")
    return level


def quantities_by_sku(shop, sku: str) -> dict[str, dict[str, int]]:
    variant = variants.by_sku(shop, sku)
    if variant is None:
        raise DomainError.single(None, f"No variant with SKU {sku!r}")
    return {shop.locations[loc_id]["name"]: dict(level["_q"])
            for (item_id, loc_id), level in shop.levels.items()
            if item_id == variant["_inventory_item"]}
