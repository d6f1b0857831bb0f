"""Options, variants and media of a product: validated first (a plan), applied after, so a
refused productSet changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from standins.shopify import inventory, media, metafields
from standins.shopify.records import DomainError, money

MAX_OPTIONS = 3
MAX_VARIANTS = 2048
SET_QUANTITY_NAMES = ("available", "on_hand")


@dataclass
class VariantSpec:
    index: int
    id: str | None
    values: list[tuple[str, str]]
    data: dict
    quantities: list[dict] = field(default_factory=list)
    metafields: list[dict] | None = None


@dataclass
class VariantPlan:
    options: list[dict]  # {"id": existing id or None, "name", "values": [names]}
    variants: list[VariantSpec]


def _error(path, message, code):
    return DomainError.single([str(p) for p in path], message, code)


def default_plan() -> VariantPlan:
    return VariantPlan([{"id": None, "name": "Title", "values": ["Default Title"]}],
                       [VariantSpec(0, None, [("Title", "Default Title")], {})])


def plan(shop, product, options_in, variants_in) -> VariantPlan | None:
    if options_in is None and variants_in is None:
        return None
    if options_in is None or not options_in:
        raise _error(["input", "productOptions"], "Product options input is required when "
                     "updating variants.", "PRODUCT_OPTIONS_INPUT_MISSING")
    if variants_in is None or not variants_in:
        raise _error(["input", "variants"], "Variants input is required when updating product "
                     "options.", "VARIANTS_INPUT_MISSING")
    options = _plan_options(product, options_in)
    if len(variants_in) > MAX_VARIANTS:
        raise _error(["input", "variants"], f"Product can have at most {MAX_VARIANTS} variants.",
                     "VARIANTS_OVER_LIMIT")
    specs, seen = [], set()
    for index, variant_in in enumerate(variants_in):
        spec = _plan_variant(shop, product, options, index, variant_in)
        combination = tuple(value for _name, value in spec.values)
        if combination in seen:
            raise _error(["input", "variants", index], f"The variant '{' / '.join(combination)}'"
                         " already exists.", "INVALID_VARIANT")
        seen.add(combination)
        specs.append(spec)
    return VariantPlan(options, specs)


def _plan_options(product, options_in) -> list[dict]:
    if len(options_in) > MAX_OPTIONS:
        raise _error(["input", "productOptions"], f"Product can have at most {MAX_OPTIONS} "
                     "options.", "OPTIONS_OVER_LIMIT")
    existing = {o["id"]: o for o in (product or {}).get("_options", [])}
    options, names = [], set()
    for index, option_in in enumerate(options_in):
        path = ["input", "productOptions", index]
        current = existing.get(option_in.get("id")) if option_in.get("id") else None
        if option_in.get("id") and current is None:
            raise _error(path + ["id"], "Option does not exist", "OPTION_DOES_NOT_EXIST")
        name = (option_in.get("name") or (current or {}).get("name") or "").strip()
        if not name:
            raise _error(path + ["name"], "Option name can't be blank", "INVALID_INPUT")
        if name.lower() in names:
            raise _error(path + ["name"], f"Duplicated option name '{name}'.",
                         "DUPLICATED_OPTION_NAME")
        names.add(name.lower())
        values = _plan_values(current, option_in.get("values"), path, name)
        options.append({"id": current["id"] if current else None, "name": name, "values": values})
    return options


def _plan_values(current, values_in, path, option_name) -> list[str]:
    if not values_in:
        raise _error(path + ["values"], f"Option '{option_name}' must specify at least one "
                     "option value.", "OPTION_VALUES_MISSING")
    known = {v["id"]: v["name"] for v in (current or {}).get("optionValues", [])}
    values, seen = [], set()
    for index, value_in in enumerate(values_in):
        name = (value_in.get("name") or known.get(value_in.get("id")) or "").strip()
        if not name:
            raise _error(path + ["values", index], "Option value does not exist or is blank",
                         "OPTION_VALUE_DOES_NOT_EXIST")
        if name.lower() in seen:
            raise _error(path + ["values", index], f"Duplicated option value '{name}'.",
                         "DUPLICATED_OPTION_VALUE")
        seen.add(name.lower())
        values.append(name)
    return values


def _plan_variant(shop, product, options, index, variant_in) -> VariantSpec:
    path = ["input", "variants", index]
    variant_id = variant_in.get("id")
    if variant_id and variant_id not in (product or {}).get("_variants", []):
        raise _error(path + ["id"], "Product variant does not exist",
                     "PRODUCT_VARIANT_DOES_NOT_EXIST")
    by_name = {o["name"].lower(): o for o in options}
    by_id = {o["id"]: o for o in options if o["id"]}
    chosen = {}
    for position, value_in in enumerate(variant_in.get("optionValues") or []):
        value_path = path + ["optionValues", position]
        option = by_id.get(value_in.get("optionId")) or by_name.get(
            (value_in.get("optionName") or "").lower())
        if option is None:
            raise _error(value_path, "Option does not exist", "OPTION_DOES_NOT_EXIST")
        value = _value_name(product, option, value_in)
        if value is None:
            raise _error(value_path, f"Option value '{value_in.get('name')}' does not exist on "
                         f"option '{option['name']}'.", "OPTION_VALUE_DOES_NOT_EXIST")
        chosen[option["name"]] = value
    if len(chosen) != len(options):
        raise _error(path + ["optionValues"], "A variant must have exactly one value for each "
                     "product option.", "INVALID_VARIANT")
    _check_prices(variant_in, path)
    quantities = _plan_quantities(shop, variant_id, variant_in.get("inventoryQuantities"), path)
    values = [(o["name"], chosen[o["name"]]) for o in options]
    planned_metafields = metafields.plan_owned(shop, variant_in.get("metafields"),
                                               path + ["metafields"], "INVALID_METAFIELD")
    return VariantSpec(index, variant_id, values, variant_in, quantities, planned_metafields)


def _value_name(product, option, value_in) -> str | None:
    name = value_in.get("name")
    if not name and value_in.get("id"):
        for existing in (product or {}).get("_options", []):
            for value in existing["optionValues"]:
                if value["id"] == value_in["id"]:
                    name = value["name"]
    match = [v for v in option["values"] if v.lower() == (name or "").strip().lower()]
    return match[0] if match else None


def _check_prices(variant_in, path) -> None:
    for name in ("price", "compareAtPrice"):
        if variant_in.get(name) is not None and money(variant_in[name]) < 0:
            raise _error(path + [name], f"{name} must be greater than or equal to 0",
                         "INVALID_VARIANT")


def _plan_quantities(shop, variant_id, quantities_in, path) -> list[dict]:
    item_id = shop.variants[variant_id]["_inventory_item"] if variant_id else None
    planned = []
    for index, entry in enumerate(quantities_in or []):
        entry_path = path + ["inventoryQuantities", index]
        if entry["locationId"] not in shop.locations:
            raise _error(entry_path + ["locationId"], "Location does not exist", "INVALID_INPUT")
        if entry["name"] not in SET_QUANTITY_NAMES:
            raise _error(entry_path + ["name"], "The quantity name must be either 'available' or "
                         "'on_hand'.", "INVALID_INPUT")
        if item_id and inventory.level_of(shop, item_id, entry["locationId"]) is None:
            raise _error(entry_path + ["locationId"], "Quantities of an existing variant can only "
                         "be updated at locations where it is stocked.", "INVALID_INPUT")
        planned.append(entry)
    return planned


def apply(shop, product, variant_plan: VariantPlan) -> None:
    _apply_options(shop, product, variant_plan.options)
    kept = []
    for position, spec in enumerate(variant_plan.variants, start=1):
        variant = shop.variants[spec.id] if spec.id else _new_variant(shop, product, spec)
        _update_variant(shop, product, variant, spec, position)
        kept.append(variant["id"])
    for variant_id in product["_variants"]:
        if variant_id not in kept:
            delete_variant(shop, variant_id)
    product["_variants"] = kept


def _apply_options(shop, product, options) -> None:
    old = {o["id"]: o for o in product["_options"]}
    old_by_name = {o["name"].lower(): o for o in product["_options"]}
    result = []
    for position, planned in enumerate(options, start=1):
        record = old.get(planned["id"]) or old_by_name.get(planned["name"].lower())
        if record is None:
            record = {"__typename": "ProductOption", "id": shop.new_id("ProductOption")[1],
                      "linkedMetafield": None, "optionValues": []}
        known = {v["name"].lower(): v for v in record["optionValues"]}
        record["optionValues"] = [known.get(name.lower()) or {
            "__typename": "ProductOptionValue", "id": shop.new_id("ProductOptionValue")[1],
            "linkedMetafieldValue": None, "swatch": None, "_product": product["id"]}
            for name in planned["values"]]
        for value, name in zip(record["optionValues"], planned["values"]):
            value.update(name=name, _option=planned["name"])
        record.update(name=planned["name"], position=position, values=list(planned["values"]))
        result.append(record)
    product["_options"] = result


def _new_variant(shop, product, spec: VariantSpec) -> dict:
    number, variant_id = shop.new_id("ProductVariant")
    item_number, item_id = shop.new_id("InventoryItem")
    now = shop.now()
    variant = {
        "__typename": "ProductVariant", "id": variant_id, "_number": number, "sku": "",
        "barcode": None, "price": Decimal("0"), "compareAtPrice": None, "taxable": True,
        "inventoryPolicy": "DENY", "createdAt": now, "updatedAt": now, "taxCode": None,
        "requiresComponents": False, "showUnitPrice": False, "unitPrice": None,
        "unitPriceMeasurement": None, "_product": product["id"], "_inventory_item": item_id,
        "_metafields": {}, "_media": [],
    }
    shop.variants[variant_id] = variant
    shop.inventory_items[item_id] = {
        "__typename": "InventoryItem", "id": item_id, "_number": item_number, "sku": "",
        "tracked": False, "requiresShipping": True, "createdAt": now, "updatedAt": now,
        "countryCodeOfOrigin": None, "provinceCodeOfOrigin": None,
        "harmonizedSystemCode": None, "unitCost": None, "_variant": variant_id,
    }
    locations = [q["locationId"] for q in spec.quantities] or [
        loc["id"] for loc in [shop.primary_location()] if loc]
    for location_id in dict.fromkeys(locations):
        inventory.activate(shop, item_id, location_id)
    return variant


def _update_variant(shop, product, variant, spec: VariantSpec, position: int) -> None:
    data, item = spec.data, shop.inventory_items[variant["_inventory_item"]]
    variant["position"] = position
    variant["title"] = " / ".join(value for _n, value in spec.values)
    variant["selectedOptions"] = [
        {"__typename": "SelectedOption", "name": name, "value": value,
         "optionValue": _option_value(product, name, value)} for name, value in spec.values]
    for key in ("sku", "barcode", "taxable", "inventoryPolicy", "taxCode", "showUnitPrice",
                "requiresComponents"):
        if key in data:
            variant[key] = data[key]
    for key in ("price", "compareAtPrice"):
        if key in data:
            variant[key] = None if data[key] is None else money(data[key])
    item_in = data.get("inventoryItem") or {}
    for key in ("tracked", "requiresShipping", "harmonizedSystemCode", "countryCodeOfOrigin"):
        if item_in.get(key) is not None:
            item[key] = item_in[key]
    if item_in.get("sku") is not None:
        variant["sku"] = item_in["sku"]
    if item_in.get("cost") is not None:
        item["unitCost"] = {"__typename": "MoneyV2", "amount": money(item_in["cost"]),
                            "currencyCode": shop.currency}
    item["sku"] = variant["sku"]
    for entry in spec.quantities:
        level = inventory.level_of(shop, item["id"], entry["locationId"])
        current = level["_q"][entry["name"]]
        inventory.change(shop, level, entry["name"], entry["quantity"] - current, "correction")
    if data.get("file"):
        variant["_media"] = [media.variant_media(shop, product, data["file"])]
    if spec.metafields is not None:
        metafields.upsert_owned(shop, variant, "PRODUCTVARIANT", spec.metafields)
    variant["updatedAt"] = item["updatedAt"] = shop.now()


def _option_value(product, option_name, value_name) -> dict:
    option = next(o for o in product["_options"] if o["name"] == option_name)
    return next(v for v in option["optionValues"] if v["name"] == value_name)


def delete_variant(shop, variant_id: str) -> None:
    variant = shop.variants.pop(variant_id)
    shop.inventory_items.pop(variant["_inventory_item"], None)
    for key in [k for k in shop.levels if k[0] == variant["_inventory_item"]]:
        del shop.levels[key]
    for metafield_id in variant["_metafields"].values():
        shop.metafields.pop(metafield_id, None)


def by_sku(shop, sku: str) -> dict | None:
    return next((v for v in shop.variants.values() if v["sku"] == sku), None)
