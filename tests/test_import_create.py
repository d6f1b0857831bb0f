"""Create mode against the Shopify and Dropi stand-ins over HTTP: what the merchant finds in
Shopify and in the app's records after an import, and that importing again never duplicates."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.clients.dropi import DropiNotFound
from app.extensions import db
from app.models import LocationMapping, ProductAssociation, ShopConfiguration, VariantLink
from app.services.product_import import (
    ImportNotReady,
    import_context_for,
    import_product,
    preview_import,
)
from tests.factories import find_dropi_product, merchant_adds_variant, prefs, warehouse_units


def _product(world, dropi_id) -> dict:
    [product] = world.products_with_handle(f"dropi-co-{dropi_id}")
    return product


def test_a_simple_product_is_created_with_price_stock_images_and_dropi_ids(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(use_dropi_barcode=True))
    assert result.ok and result.created
    product = _product(world, raw["id"])
    assert (product["title"], product["status"]) == (raw["name"], "DRAFT")
    assert len(product["_media"]) == len(raw["gallery"])
    assert world.metafield(product, "product_id") == str(raw["id"])
    [variant] = world.variants_of(product["id"])
    cost = Decimal(raw["sale_price"])
    assert variant["price"] == (cost * 2).quantize(Decimal(1))
    assert (variant["sku"], variant["barcode"]) == (raw["sku"], raw["sku"])
    item = world.store_shop.inventory_items[variant["_inventory_item"]]
    assert item["tracked"] and item["unitCost"]["amount"] == cost
    assert world.available(variant) == warehouse_units(raw, world.warehouse_id)
    association = result.association
    assert (association.shopify_product_id, association.import_type) == (product["id"], "single")
    [link] = association.variant_links
    assert (link.dropi_variation_id, link.shopify_variant_id, link.shopify_inventory_item_id) == (
        "", variant["id"], variant["_inventory_item"])


def test_images_dropi_sends_as_relative_paths_reach_shopify_as_absolute_urls(world):
    raw = next(p for p in sorted(world.dropi_state.catalog("CO").values(), key=lambda p: p["id"])
               if p.get("_relative_url_images") and not p["_private"])
    result = import_product(world.ctx(), raw["id"], prefs())
    assert result.ok
    sources = [m["originalSource"]["url"] for m in _product(world, raw["id"])["_media"]]
    assert sources == [f"{world.dropi.url}/{entry['urlS3']}" for entry in raw["gallery"]]


def test_a_variable_product_gets_one_variant_per_variation_with_its_own_stock(world):
    raw = find_dropi_product(world, variable=True, min_variations=3)
    result = import_product(world.ctx(), raw["id"], prefs())
    product = _product(world, raw["id"])
    variants = {world.metafield(v, "variation_id"): v for v in world.variants_of(product["id"])}
    assert set(variants) == {str(v["id"]) for v in raw["variations"]}
    names = {a["attribute_name"] for v in raw["variations"] for a in v["attribute_values"]}
    assert {o["name"] for o in product["_options"]} == names
    for variation in raw["variations"]:
        variant = variants[str(variation["id"])]
        assert variant["sku"] == variation["sku"]
        assert {(s["name"], s["value"]) for s in variant["selectedOptions"]} == {
            (a["attribute_name"], a["value"]) for a in variation["attribute_values"]}
        assert variant["price"] == (Decimal(variation["sale_price"]) * 2).quantize(Decimal(1))
        assert world.available(variant) == warehouse_units(raw, world.warehouse_id, variation)
    links = {link.dropi_variation_id: link.shopify_variant_id
             for link in result.association.variant_links}
    assert links == {key: v["id"] for key, v in variants.items()}


def test_the_preview_is_exactly_what_gets_written(world):
    raw = find_dropi_product(world, variable=True, min_variations=3)
    choice = prefs(price_rule="cost*1.4", compare_at_rule="price*1.5", price_ending="900",
                   min_margin_percent=Decimal(35), use_dropi_barcode=True)
    preview = preview_import(world.ctx(), raw["id"], choice)
    assert not world.products_with_handle(f"dropi-co-{raw['id']}"), "a preview writes nothing"
    import_product(world.ctx(), raw["id"], choice)
    product = _product(world, raw["id"])
    assert (product["title"], product["descriptionHtml"]) == (preview.title,
                                                              preview.description_html)
    variants = {world.metafield(v, "variation_id"): v for v in world.variants_of(product["id"])}
    assert len(preview.variants) == len(variants)
    for row in preview.variants:
        variant = variants[row.dropi_variation_id]
        item = world.store_shop.inventory_items[variant["_inventory_item"]]
        assert (variant["price"], variant["compareAtPrice"]) == (row.price, row.compare_at_price)
        assert (variant["sku"], variant["barcode"]) == (row.sku, row.barcode)
        assert item["unitCost"]["amount"] == row.cost
        assert row.stock_by_location == {"Bodega Bogotá": world.available(variant)}
        assert str(row.price).endswith("900") and row.margin_percent >= Decimal(35)


def test_importing_again_updates_the_same_product_and_variants(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    first = import_product(world.ctx(), raw["id"], prefs())
    variant_ids = [v["id"] for v in world.variants_of(first.shopify_product_id)]
    again = import_product(world.ctx(), raw["id"], prefs(price_rule="cost*3", status="ACTIVE"))
    assert again.ok and not again.created
    assert again.shopify_product_id == first.shopify_product_id
    product = _product(world, raw["id"])
    assert [v["id"] for v in world.variants_of(product["id"])] == variant_ids
    assert product["status"] == "ACTIVE"
    assert len(product["_media"]) == len(raw["gallery"]), "images are not added twice"
    by_sku = {v["sku"]: v for v in world.variants_of(product["id"])}
    for variation in raw["variations"]:
        assert by_sku[variation["sku"]]["price"] == (
            Decimal(variation["sale_price"]) * 3).quantize(Decimal(1))
    assert ProductAssociation.query.count() == 1
    assert VariantLink.query.count() == len(raw["variations"])
    assert len(world.store_shop.products) == 1


def test_reimporting_as_draft_never_unpublishes_a_live_product(world):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs(status="ACTIVE"))
    import_product(world.ctx(), raw["id"], prefs(status="DRAFT"))
    assert _product(world, raw["id"])["status"] == "ACTIVE"


def test_the_merchants_own_variant_survives_a_reimport(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    first = import_product(world.ctx(), raw["id"], prefs())
    option = world.store_shop.products[first.shopify_product_id]["_options"][0]["name"]
    own = merchant_adds_variant(world, first.shopify_product_id, {option: "Edición dorada"},
                                "MINE-1", "99000")
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*3"))
    kept = world.store_shop.variants[own["id"]]
    assert (kept["sku"], kept["price"]) == ("MINE-1", Decimal(99000))
    assert len(world.variants_of(first.shopify_product_id)) == len(raw["variations"]) + 1


def test_a_product_written_just_before_a_crash_is_updated_not_duplicated(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    first = import_product(world.ctx(), raw["id"], prefs())
    # The worker died after Shopify created the product but before our commit.
    db.session.delete(first.association)
    db.session.commit()
    again = import_product(world.ctx(), raw["id"], prefs(), import_type="bulk")
    assert not again.created and again.shopify_product_id == first.shopify_product_id
    assert len(world.store_shop.products) == 1
    assert {v["id"] for v in world.variants_of(again.shopify_product_id)} == {
        link.shopify_variant_id for link in again.association.variant_links}


def test_a_product_deleted_in_shopify_is_created_again(world):
    raw = find_dropi_product(world, variable=False)
    first = import_product(world.ctx(), raw["id"], prefs())
    with world.shopify.store.transaction():
        from standins.shopify import catalog

        catalog.product_delete(world.store_shop, first.shopify_product_id)
    again = import_product(world.ctx(), raw["id"], prefs())
    assert again.ok and again.created and again.shopify_product_id != first.shopify_product_id
    assert again.association.id == first.association.id
    assert again.association.shopify_product_id == _product(world, raw["id"])["id"]


def test_custom_title_and_description_no_images_no_barcode(world):
    raw = find_dropi_product(world, variable=False)
    choice = prefs(title_source="custom", custom_title="Lámpara de noche",
                   description_source="custom", custom_description="<p>Nuestra lámpara</p>",
                   import_images=False, use_dropi_barcode=False)
    import_product(world.ctx(), raw["id"], choice)
    product = _product(world, raw["id"])
    assert (product["title"], product["descriptionHtml"]) == ("Lámpara de noche",
                                                              "<p>Nuestra lámpara</p>")
    assert product["_media"] == []
    assert world.variants_of(product["id"])[0]["barcode"] is None
    assert ProductAssociation.query.one().save_dropi_name is False


def test_an_unknown_dropi_product_is_explained(world):
    with pytest.raises(DropiNotFound) as raised:
        import_product(world.ctx(), 99999999, prefs())
    assert "no encontró el producto 99999999" in raised.value.merchant_message
    assert world.store_shop.products == {}


def test_nothing_is_imported_before_dropi_and_a_location_are_set_up(world):
    LocationMapping.query.delete()
    db.session.commit()
    with pytest.raises(ImportNotReady) as raised:
        import_context_for(world.settings, world.shop)
    assert "Asigna al menos una bodega de Dropi" in raised.value.message
    ShopConfiguration.query.delete()
    db.session.commit()
    with pytest.raises(ImportNotReady) as raised:
        import_context_for(world.settings, world.shop)
    assert "Conecta tu cuenta de Dropi" in raised.value.message


def test_a_store_selling_in_another_currency_is_warned_prices_are_not_converted(world):
    raw = find_dropi_product(world, variable=False)
    world.shop.currency = "USD"
    db.session.commit()
    preview = preview_import(world.ctx(), raw["id"], prefs(price_rule="suggested"))
    assert any("los precios no se convierten" in w for w in preview.warnings)
    assert preview.variants[0].price == Decimal(raw["suggested_price"])
