"""Link mode against the stand-ins: find the merchant's Shopify product page by page, suggest
which variant is which Dropi variation, and write only what the merchant confirmed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.models import ProductAssociation
from app.services.product_import import (
    ImportRefused,
    ImportValidationError,
    import_product,
    link_product,
    search_shopify_products,
    suggest_variant_links,
)
from tests.factories import find_dropi_product, prefs, warehouse_units


def merchant_product(world, title: str, options: dict[str, list[str]] | None = None,
                     skus: dict[tuple, str] | None = None, price: str = "50000") -> dict:
    """A product the merchant created in Shopify before installing the app."""
    options = options or {"Title": ["Default Title"]}
    combos = [()]
    for values in options.values():
        combos = [c + (v,) for c in combos for v in values]
    variants = [{"optionValues": [{"optionName": n, "name": v} for n, v in zip(options, combo)],
                 "sku": (skus or {}).get(combo, ""), "price": price} for combo in combos]
    return world.shopify.store.create_product(world.domain, {
        "title": title, "productOptions": [{"name": n, "values": [{"name": v} for v in vs]}
                                           for n, vs in options.items()],
        "variants": variants})


def test_shopify_products_are_searched_page_by_page(world):
    for number in range(12):
        merchant_product(world, f"Lámpara modelo {number:02d}")
    merchant_product(world, "Termo de acero")
    ctx = world.ctx()
    first = search_shopify_products(ctx, "Lámpara")
    assert len(first.items) == 10 and first.has_next_page and first.end_cursor
    second = search_shopify_products(ctx, "Lámpara", after=first.end_cursor)
    assert not second.has_next_page
    titles = [p.title for p in first.items + second.items]
    assert titles == [f"Lámpara modelo {n:02d}" for n in range(12)]
    assert first.items[0].variants[0].option_values == {"Title": "Default Title"}
    assert [p.title for p in search_shopify_products(ctx, "termo").items] == ["Termo de acero"]


def test_suggestions_match_option_values_then_skus(world):
    raw = find_dropi_product(world, variable=True, min_variations=3)
    variations = raw["variations"]
    names = [a["attribute_name"] for a in variations[0]["attribute_values"]]
    by_values = {v["id"]: tuple(a["value"].upper() for a in v["attribute_values"])
                 for v in variations[:-1]}
    options = {n: list(dict.fromkeys(values[i] for values in by_values.values()))
               for i, n in enumerate(names)}
    options[names[0]].append("OTRO")
    odd = ("OTRO",) + next(iter(by_values.values()))[1:]
    product = merchant_product(world, "Mi producto", options, {odd: variations[-1]["sku"]})
    suggestions = suggest_variant_links(world.ctx(), raw["id"], product["id"])
    variants = [world.store_shop.variants[v] for v in product["_variants"]]
    by_combo = {tuple(s["value"] for s in v["selectedOptions"]): v["id"] for v in variants}
    expected = {str(vid): (by_combo[values], "options") for vid, values in by_values.items()}
    expected[str(variations[-1]["id"])] = (by_combo[odd], "sku")
    assert {s.dropi_variation_id: (s.shopify_variant_id, s.reason) for s in suggestions} == \
        expected


def test_linking_writes_only_the_confirmed_variants(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    variation = raw["variations"][0]
    product = merchant_product(world, "Mi producto", {"Estilo": ["Uno", "Dos"]},
                               {("Uno",): "MINE-UNO", ("Dos",): "MINE-DOS"}, price="77000")
    one, two = product["_variants"]
    result = link_product(world.ctx(), raw["id"], product["id"], {str(variation["id"]): one},
                          prefs(use_dropi_barcode=True, import_images=False))
    assert result.ok and not result.created and result.shopify_product_id == product["id"]
    linked, untouched = world.store_shop.variants[one], world.store_shop.variants[two]
    assert linked["price"] == (Decimal(variation["sale_price"]) * 2).quantize(Decimal(1))
    assert linked["sku"] == "MINE-UNO", "the merchant's SKU stays"
    assert linked["barcode"] == variation["sku"]
    assert world.available(linked) == warehouse_units(raw, world.warehouse_id, variation)
    assert world.metafield(linked, "variation_id") == str(variation["id"])
    assert (untouched["price"], untouched["sku"]) == (Decimal(77000), "MINE-DOS")
    assert world.available(untouched) == 0 and untouched["barcode"] is None
    assert world.metafield(world.store_shop.products[product["id"]], "product_id") == \
        str(raw["id"])
    assert len(world.store_shop.products) == 1
    [link] = result.association.variant_links
    assert (link.dropi_variation_id, link.shopify_variant_id, link.sku) == (
        str(variation["id"]), one, "MINE-UNO")


def test_a_simple_dropi_product_links_to_a_single_variant(world):
    raw = find_dropi_product(world, variable=False)
    product = merchant_product(world, "Mi lámpara")
    [suggestion] = suggest_variant_links(world.ctx(), raw["id"], product["id"])
    assert (suggestion.dropi_variation_id, suggestion.reason) == ("", "only variant")
    result = link_product(world.ctx(), raw["id"], product["id"],
                          {str(raw["id"]): suggestion.shopify_variant_id}, prefs())
    assert result.ok
    variant = world.store_shop.variants[suggestion.shopify_variant_id]
    assert world.available(variant) == warehouse_units(raw, world.warehouse_id)


def test_a_bad_variant_map_is_refused_field_by_field(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    product = merchant_product(world, "Mi producto", {"Estilo": ["Uno", "Dos"]})
    one, _two = product["_variants"]
    first, second = (str(v["id"]) for v in raw["variations"][:2])
    with pytest.raises(ImportValidationError) as raised:
        link_product(world.ctx(), raw["id"], product["id"],
                     {first: one, second: one, "123": one}, prefs())
    assert set(raised.value.errors) == {f"variant-{second}", "variant-123"}
    with pytest.raises(ImportValidationError) as raised:
        link_product(world.ctx(), raw["id"], product["id"], {first: "gid://shopify/X/1"},
                     prefs())
    assert "Elige una de las variantes de este producto de Shopify" in raised.value.errors[
        f"variant-{first}"]
    with pytest.raises(ImportValidationError):
        link_product(world.ctx(), raw["id"], product["id"], {}, prefs())
    assert ProductAssociation.query.count() == 0


def test_a_dropi_product_already_in_the_store_is_not_linked_twice(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs())
    product = merchant_product(world, "Otra lámpara")
    with pytest.raises(ImportRefused) as raised:
        link_product(world.ctx(), raw["id"], product["id"],
                     {"": product["_variants"][0]}, prefs())
    assert "ya está en tu tienda" in raised.value.merchant_message


def test_importing_a_linked_product_again_updates_the_linked_product(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    product = merchant_product(world, "Mi producto", {"Estilo": ["Uno", "Dos"]})
    one, two = product["_variants"]
    variation = raw["variations"][0]
    link_product(world.ctx(), raw["id"], product["id"], {str(variation["id"]): one}, prefs())
    again = import_product(world.ctx(), raw["id"], prefs(price_rule="cost*3"))
    assert again.ok and not again.created and again.shopify_product_id == product["id"]
    assert len(world.store_shop.products) == 1
    assert world.store_shop.variants[one]["price"] == (
        Decimal(variation["sale_price"]) * 3).quantize(Decimal(1))
    assert world.store_shop.variants[two]["price"] == Decimal(50000)
