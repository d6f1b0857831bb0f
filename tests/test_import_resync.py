"""Re-sync from Dropi and re-pricing a selection, against the stand-ins over HTTP."""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest

from app.models import ProductAssociation
from app.services.product_import import (
    ImportValidationError,
    apply_reprice,
    import_product,
    preview_reprice,
    resync_association,
)
from tests.factories import find_dropi_product, merchant_adds_variant, prefs


def test_resync_brings_stock_price_and_name_from_dropi(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(price_rule="cost+30%"))
    world.set_dropi_stock(raw["id"], 3, warehouse_id=world.warehouse_id)
    raw["sale_price"], raw["name"] = "20000.00", raw["name"] + " 2027"
    synced = resync_association(world.ctx(), result.association.id)
    assert synced.ok and not synced.created
    [variant] = world.variants_of(result.shopify_product_id)
    assert world.available(variant) == 3
    assert variant["price"] == Decimal(26000)
    assert world.store_shop.products[result.shopify_product_id]["title"] == raw["name"]
    association = ProductAssociation.query.one()
    assert association.last_sync_error is None and association.last_synced_at is not None
    assert association.variant_mappings["variants"][""]["cost"] == "20000.00"


def test_resync_leaves_the_merchants_description_and_other_variants_alone(world):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    first = import_product(world.ctx(), raw["id"], prefs())
    product = world.store_shop.products[first.shopify_product_id]
    product["descriptionHtml"] = "<p>Texto del comerciante</p>"
    own = merchant_adds_variant(world, product["id"], {product["_options"][0]["name"]: "Extra"},
                                "MINE-1", "12345")
    resync_association(world.ctx(), first.association.id)
    assert product["descriptionHtml"] == "<p>Texto del comerciante</p>"
    assert world.store_shop.variants[own["id"]]["price"] == Decimal(12345)


def test_a_custom_title_stays_on_resync(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs(title_source="custom",
                                                          custom_title="Mi nombre"))
    raw["name"] = "Nombre nuevo del proveedor"
    resync_association(world.ctx(), result.association.id)
    assert world.store_shop.products[result.shopify_product_id]["title"] == "Mi nombre"


def test_a_variation_dropi_removed_is_set_to_zero_stock(world):
    raw = find_dropi_product(world, variable=True, min_variations=3)
    result = import_product(world.ctx(), raw["id"], prefs())
    gone = raw["variations"].pop()
    gone_variant = next(v for v in world.variants_of(result.shopify_product_id)
                        if v["sku"] == gone["sku"])
    synced = resync_association(world.ctx(), result.association.id)
    assert synced.ok
    assert world.available(gone_variant) == 0
    assert gone_variant["id"] in world.store_shop.products[result.shopify_product_id]["_variants"]


def test_resyncing_a_product_deleted_in_shopify_says_so(world):
    raw = find_dropi_product(world, variable=False)
    result = import_product(world.ctx(), raw["id"], prefs())
    from standins.shopify import catalog

    with world.shopify.store.transaction():
        catalog.product_delete(world.store_shop, result.shopify_product_id)
    synced = resync_association(world.ctx(), result.association.id)
    assert not synced.written and "se eliminó" in synced.error_text
    assert "se eliminó" in ProductAssociation.query.one().last_sync_error


def test_reprice_previews_every_variant_and_applies_exactly_that(world):
    simple = find_dropi_product(world, variable=False)
    variable = find_dropi_product(world, variable=True, min_variations=2)
    ids = [import_product(world.ctx(), p["id"], prefs()).association.id
           for p in (simple, variable)]
    pricing = {"price_rule": "cost*2.5", "compare_at_rule": "price*1.2", "price_ending": "900"}
    changes = preview_reprice(world.ctx(), ids, pricing)
    assert len(changes) == 1 + len(variable["variations"])
    assert all(c.changed and str(c.new_price).endswith("900") for c in changes)
    before = {c.variant_id: world.store_shop.variants[c.variant_id]["price"] for c in changes}
    assert {c.variant_id: c.old_price for c in changes} == before, "nothing written yet"
    results = apply_reprice(world.ctx(), ids, pricing)
    assert all(r.ok for r in results)
    for change in changes:
        variant = world.store_shop.variants[change.variant_id]
        assert (variant["price"], variant["compareAtPrice"]) == (change.new_price,
                                                                 change.new_compare_at)
        assert change.new_price == _ending_900(change.cost * Decimal("2.5"))
        assert change.new_compare_at == _ending_900(change.new_price * Decimal("1.2"))
    for association in ProductAssociation.query.all():
        assert (association.custom_pricing, association.compare_at_rule,
                association.price_ending) == ("cost*2.5", "price*1.2", "900")
    assert preview_reprice(world.ctx(), ids, pricing) == [
        type(c)(**{**c.__dict__, "old_price": c.new_price, "old_compare_at": c.new_compare_at})
        for c in changes]


def _ending_900(amount: Decimal) -> Decimal:
    """The next price ending in 900 (COP has no cents)."""
    return ((amount - 900) / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000 + 900


def test_reprice_refuses_a_bad_rule_before_anything(world):
    raw = find_dropi_product(world, variable=False)
    association_id = import_product(world.ctx(), raw["id"], prefs()).association.id
    with pytest.raises(ImportValidationError) as raised:
        preview_reprice(world.ctx(), [association_id], {"price_rule": "cost*"})
    assert "price_rule" in raised.value.errors
    assert ProductAssociation.query.one().custom_pricing == "cost*2"


def test_reprice_never_touches_another_shops_products(world):
    raw = find_dropi_product(world, variable=False)
    association_id = import_product(world.ctx(), raw["id"], prefs()).association.id
    from tests.conftest import create_shop

    stranger = create_shop("stranger.myshopify.com")
    ctx = world.ctx()
    ctx.shop = stranger
    prices = [v["price"] for v in world.store_shop.variants.values()]
    for reprice in (preview_reprice, apply_reprice):
        with pytest.raises(ImportValidationError) as refused:
            reprice(ctx, [association_id], {"price_rule": "cost*5"})
        assert "no están importados en esta tienda" in refused.value.errors["ids"]
    assert [v["price"] for v in world.store_shop.variants.values()] == prices
