"""Get products against the live stand-ins: what changed at Dropi reaches Shopify as the
product's import preferences say, unchanged products cost no Shopify request, new and removed
Dropi variations are flagged (and new ones can be added), a vanished product is flagged."""
from __future__ import annotations

import copy

from app.models import ProductAssociation
from app.services.product_import import import_product
from tests.factories import (
    find_dropi_product,
    prefs,
    run_sync,
    shopify_variant_for,
    shopify_writes,
    sync_log,
    text_of,
)


def run_products(world):
    return run_sync(world, "products")


def _product(world, result) -> dict:
    return world.store_shop.products[result.shopify_product_id]


def test_a_new_dropi_name_and_description_reach_shopify_once(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    raw["name"] = "Lámpara solar recargable 2027"
    raw["description"] = "<p>Nueva descripción del proveedor</p>"
    runs = [run_products(world) for _ in range(3)]
    product = _product(world, result)
    assert product["title"] == "Lámpara solar recargable 2027"
    assert "Nueva descripción del proveedor" in product["descriptionHtml"]
    assert len(shopify_writes(world, "productUpdate")) == 1
    assert [run.changed for run in runs] == [1, 0, 0]
    assert ProductAssociation.query.one().shopify_title == "Lámpara solar recargable 2027"


def test_a_custom_title_stays_while_the_dropi_name_changes(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(title_source="custom",
                                                          custom_title="Mi lámpara"))
    raw["name"] = "Otro nombre del proveedor"
    raw["description"] = "<p>Texto nuevo</p>"
    run_products(world)
    product = _product(world, result)
    assert product["title"] == "Mi lámpara"
    assert "Texto nuevo" in product["descriptionHtml"]
    [write] = shopify_writes(world, "productUpdate")
    assert "title" not in write["product"]


def test_a_custom_description_stays(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(
        description_source="custom", custom_description="<p>Mi texto</p>"))
    raw["description"] = "<p>Texto del proveedor</p>"
    run = run_products(world)
    assert "Mi texto" in _product(world, result)["descriptionHtml"]
    assert shopify_writes(world, "productUpdate") == [] and run.changed == 0


def test_an_unchanged_product_costs_no_shopify_request(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs())
    run = run_products(world)
    assert (run.checked, run.changed, run.shopify_requests) == (1, 0, 0)
    assert run.dropi_requests == 1


def test_a_new_dropi_image_is_added_next_to_the_merchants_media(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    before = len(_product(world, result)["_media"])
    extra = dict(raw["gallery"][-1], id=raw["gallery"][-1]["id"] + 50,
                 urlS3=f"images/co/{raw['id']}-nueva.png", main=False)
    raw["gallery"].append(extra)
    run_products(world)
    run_products(world)
    media = _product(world, result)["_media"]
    assert len(media) == before + 1
    assert media[-1]["originalSource"]["url"].endswith(f"{raw['id']}-nueva.png")


def test_a_changed_dropi_sku_reaches_the_variant(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    import_product(world.ctx(), raw["id"], prefs())
    variation = raw["variations"][0]
    variant = shopify_variant_for(world, raw, variation)
    variation["sku"] = variation["sku"] + "-V2"
    run_products(world)
    run_products(world)
    assert variant["sku"] == variation["sku"]
    [write] = shopify_writes(world, "productVariantsBulkUpdate")
    assert [v["id"] for v in write["variants"]] == [variant["id"]]


def test_a_new_dropi_variation_is_offered_and_can_be_added(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    result = import_product(world.ctx(), raw["id"], prefs())
    count = len(_product(world, result)["_variants"])
    extra = copy.deepcopy(raw["variations"][0])
    extra.update(id=extra["id"] + 90, sku=extra["sku"] + "-NEW")
    extra["attribute_values"] = [dict(a, value="Dorado") if i == 0 else a
                                 for i, a in enumerate(extra["attribute_values"])]
    raw["variations"].append(extra)
    run = run_products(world)
    [flag] = sync_log(run, "flagged")
    assert "Dorado" in flag.reason and len(_product(world, result)["_variants"]) == count
    page = text_of(world.page("/app/sync/prices/pending"))
    assert "New variation" in page and "Dorado" in page
    association = ProductAssociation.query.one()
    answer = world.htmx("POST", f"/app/sync/products/{association.id}/add-variations")
    assert answer.status_code == 200
    assert len(_product(world, result)["_variants"]) == count + 1
    assert shopify_variant_for(world, raw, extra)["sku"] == extra["sku"]
    assert "Dorado" not in text_of(world.page("/app/sync/prices/pending"))
    assert sync_log(run_products(world), "flagged") == []


def test_a_variation_removed_at_dropi_is_flagged_and_kept(world):
    raw = find_dropi_product(world, variable=True, min_variations=3)
    result = import_product(world.ctx(), raw["id"], prefs())
    gone = raw["variations"].pop()
    variant = shopify_variant_for(world, raw, gone)
    run = run_products(world)
    [flag] = sync_log(run, "flagged")
    assert flag.outcome == "flagged"
    assert variant["id"] in _product(world, result)["_variants"]
    page = text_of(world.page("/app/sync/prices/pending"))
    assert "no longer at Dropi" in page


def test_a_product_gone_from_dropi_is_flagged_not_touched(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    title = _product(world, result)["title"]
    del world.dropi_catalog()[raw["id"]]
    for option in ("products", "prices"):
        run = run_sync(world, option)
        [flag] = sync_log(run, "flagged")
        assert str(raw["id"]) in flag.reason
        assert run.failed == 0
    assert _product(world, result)["title"] == title
    assert shopify_writes(world, "productUpdate") == []


def test_a_product_withdrawn_at_dropi_is_flagged(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs())
    raw["active"] = False
    raw["name"] = "Nombre que no debe llegar"
    run = run_products(world)
    [flag] = sync_log(run, "flagged")
    assert str(raw["id"]) in flag.reason
    assert shopify_writes(world, "productUpdate") == []
