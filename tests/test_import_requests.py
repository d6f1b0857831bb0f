"""The exact requests an import sends to Shopify. Shopify's endpoint is answered by the stand-in's
GraphQL engine (real 2026-10 schema, cost, userErrors) through `responses`, so every body is
recorded; Dropi is the real stand-in over HTTP."""
from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal

import pytest
import responses

from app.models import ProductAssociation
from standins.shopify.graphql_api import execute_admin_graphql
from app.services.product_import import import_product, resync_association
from tests.factories import (
    SCOPES,
    find_dropi_product,
    merchant_adds_variant,
    prefs,
    warehouse_units,
)


class ShopifyRecorder:
    """Every GraphQL body sent to the shop, answered by the stand-in engine; `before` may
    change the store or replace the answer of one operation (a concurrent sale, a refusal)."""

    def __init__(self, world):
        self.world = world
        self.sent: list[dict] = []
        self.before: dict = {}

    def __call__(self, request):
        body = json.loads(request.body)
        self.sent.append(body)
        hook = self.before.get(_name(body))
        override = hook(body) if hook else None
        if override is not None:
            return override[0], {"Content-Type": "application/json"}, json.dumps(override[1])
        status, payload = execute_admin_graphql(self.world.shopify.store, self.world.domain,
                                                body, granted_scopes=SCOPES,
                                                api_version="2026-10")
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def bodies(self, operation: str) -> list[dict]:
        return [b for b in self.sent if _name(b) == operation]


def _name(body: dict) -> str:
    return body["query"].split("(")[0].split("{")[0].split()[1]


@pytest.fixture
def shopify_recorder(world):
    recorder = ShopifyRecorder(world)
    endpoint = f"{world.shopify.url}/{world.domain}/admin/api/2026-10/graphql.json"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add_callback(responses.POST, endpoint, callback=recorder)
        mocked.add_passthru(world.dropi.url)
        yield recorder


def test_a_new_product_is_one_product_set_with_every_choice(world, shopify_recorder):
    raw = find_dropi_product(world, variable=False)
    units = warehouse_units(raw, world.warehouse_id)
    result = import_product(world.ctx(), raw["id"], prefs(use_dropi_barcode=True,
                                                          import_images=True))
    assert result.ok and result.created
    [body] = shopify_recorder.bodies("ProductSet")
    assert shopify_recorder.bodies("InventorySetQuantities") == []
    assert shopify_recorder.bodies("MetafieldsSet") == []
    cost = Decimal(raw["sale_price"])
    image_root = world.settings.dropi_image_base_url
    assert body["variables"] == {
        "identifier": {"handle": f"dropi-co-{raw['id']}"},
        "variantsFirst": 1,
        "input": {
            "title": raw["name"], "descriptionHtml": body["variables"]["input"]["descriptionHtml"],
            "status": "DRAFT", "handle": f"dropi-co-{raw['id']}",
            "productType": raw["categories"][0]["name"], "tags": ["Dropi"],
            "metafields": [
                {"namespace": "$app:dropi", "key": "product_id",
                 "type": "single_line_text_field", "value": str(raw["id"])}],
            "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
            "files": [{"originalSource": _image(image_root, world, entry), "contentType": "IMAGE",
                       "alt": raw["name"]} for entry in raw["gallery"]],
            "variants": [{
                "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                "sku": raw["sku"], "price": str((cost * 2).quantize(Decimal(1))),
                "compareAtPrice": None,
                "inventoryItem": {"tracked": True, "cost": str(cost)},
                "barcode": raw["sku"], "inventoryPolicy": "DENY",
                "inventoryQuantities": [{"locationId": world.location_id, "name": "available",
                                         "quantity": units}]}],
        },
    }
    variant = world.variants_of(result.shopify_product_id)[0]
    assert world.available(variant) == units


def _image(root: str, world, entry: dict) -> str:
    if entry.get("urlS3"):
        return root + entry["urlS3"]
    return entry["url"]


def test_stock_of_an_existing_variant_is_set_with_change_from_quantity_and_an_idempotent_key(
        world, shopify_recorder):
    raw = find_dropi_product(world, variable=False)
    units = warehouse_units(raw, world.warehouse_id)
    assert units > 0, "pick a product with stock in the mapped warehouse"
    import_product(world.ctx(), raw["id"], prefs())
    world.set_dropi_stock(raw["id"], units + 3, warehouse_id=world.warehouse_id)
    resync_association(world.ctx(), ProductAssociation.query.one().id)
    [body] = shopify_recorder.bodies("InventorySetQuantities")
    assert "@idempotent(key: $idempotencyKey)" in body["query"]
    uuid.UUID(body["variables"]["idempotencyKey"])
    variant = world.variants_of(world.products_with_handle(f"dropi-co-{raw['id']}")[0]["id"])[0]
    assert body["variables"]["input"] == {
        "name": "available", "reason": "correction",
        "quantities": [{"inventoryItemId": variant["_inventory_item"],
                        "locationId": world.location_id, "quantity": units + 3,
                        "changeFromQuantity": units}]}
    assert world.available(variant) == units + 3


def test_a_retried_stock_write_reuses_its_key_and_a_new_write_gets_a_new_one(world,
                                                                             shopify_recorder):
    raw = find_dropi_product(world, variable=False)
    failures = iter([(503, {"errors": "Service Unavailable"})])
    shopify_recorder.before["InventorySetQuantities"] = lambda body: next(failures, None)
    import_product(world.ctx(), raw["id"], prefs())
    world.set_dropi_stock(raw["id"], 5, warehouse_id=world.warehouse_id)
    resync_association(world.ctx(), ProductAssociation.query.one().id)
    first, retried = shopify_recorder.bodies("InventorySetQuantities")
    assert first == retried
    world.set_dropi_stock(raw["id"], 7, warehouse_id=world.warehouse_id)
    association = ProductAssociation.query.one()
    resync_association(world.ctx(), association.id)
    later = shopify_recorder.bodies("InventorySetQuantities")[-1]
    assert later["variables"]["idempotencyKey"] != first["variables"]["idempotencyKey"]
    assert later["variables"]["input"]["quantities"][0]["quantity"] == 7


def test_supplier_html_loses_scripts_and_event_handlers(world, shopify_recorder):
    catalog = sorted(world.dropi_state.catalog("CO").values(), key=lambda p: p["id"])
    for hostile in ("<script", "onerror=", "javascript:", "onclick="):
        raw = next(p for p in catalog if hostile in (p["description"] or "") and not p["_private"])
        assert import_product(world.ctx(), raw["id"], prefs()).ok
        sent = shopify_recorder.bodies("ProductSet")[-1]["variables"]["input"]["descriptionHtml"]
        for forbidden in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style="):
            assert forbidden not in sent.lower()
        assert "<li>" in sent and raw["name"] in sent


def test_shopify_user_errors_reach_the_merchant_and_nothing_is_recorded(world, shopify_recorder):
    raw = find_dropi_product(world, variable=False)
    refusal = {"data": {"productSet": {"product": None, "userErrors": [
        {"field": ["input", "files", "0", "originalSource"], "message": "Image URL is invalid",
         "code": "INVALID_INPUT"}]}}}
    shopify_recorder.before["ProductSet"] = lambda body: (200, refusal)
    result = import_product(world.ctx(), raw["id"], prefs())
    assert not result.written and result.association is None and not result.ok
    assert result.user_errors[0]["message"] == "Image URL is invalid"
    assert result.error_text == "input.files.0.originalSource: Image URL is invalid"
    assert ProductAssociation.query.count() == 0
    assert shopify_recorder.bodies("InventorySetQuantities") == []


def test_a_sale_between_reading_and_writing_stock_is_read_again(world, shopify_recorder):
    raw = find_dropi_product(world, variable=False)
    import_product(world.ctx(), raw["id"], prefs())
    variant = world.variants_of(world.products_with_handle(f"dropi-co-{raw['id']}")[0]["id"])[0]
    level = world.store_shop.levels[(variant["_inventory_item"], world.location_id)]
    world.set_dropi_stock(raw["id"], 40, warehouse_id=world.warehouse_id)
    sold = iter([True])

    def a_customer_buys_one(body):
        if next(sold, False):
            level["_q"]["available"] -= 1
            level["_q"]["on_hand"] -= 1

    shopify_recorder.before["InventorySetQuantities"] = a_customer_buys_one
    before = level["_q"]["available"]
    result = resync_association(world.ctx(), ProductAssociation.query.one().id)
    assert result.ok, result.user_errors
    stale, fresh = shopify_recorder.bodies("InventorySetQuantities")[-2:]
    assert stale["variables"]["input"]["quantities"][0]["changeFromQuantity"] == before
    assert fresh["variables"]["input"]["quantities"][0]["changeFromQuantity"] == before - 1
    assert fresh["variables"]["idempotencyKey"] != stale["variables"]["idempotencyKey"]
    assert world.available(variant) == 40


def test_a_reimport_carries_the_merchants_own_variant_by_id_unchanged(world, shopify_recorder):
    raw = find_dropi_product(world, variable=True, min_variations=2)
    first = import_product(world.ctx(), raw["id"], prefs())
    option = world.store_shop.products[first.shopify_product_id]["_options"][0]["name"]
    own = merchant_adds_variant(world, first.shopify_product_id, {option: "Edición dorada"},
                                "MINE-1", "99000")
    import_product(world.ctx(), raw["id"], prefs(price_rule="cost*3"))
    sent = shopify_recorder.bodies("ProductSet")[-1]["variables"]
    assert sent["identifier"] == {"id": first.shopify_product_id}
    [carried] = [v for v in sent["input"]["variants"] if v.get("id") == own["id"]]
    assert Decimal(carried.pop("price")) == Decimal(99000)
    assert carried == {"id": own["id"], "optionValues": [{"optionName": option,
                                                          "name": "Edición dorada"}],
                       "sku": "MINE-1", "barcode": None, "compareAtPrice": None}
    assert len(sent["input"]["variants"]) == len(raw["variations"]) + 1
    assert all(v.get("id") for v in sent["input"]["variants"]), "every variant goes by id"
    assert own["id"] in world.store_shop.products[first.shopify_product_id]["_variants"]


def test_two_simultaneous_imports_of_one_product_leave_one_product_and_one_record(world,
                                                                                   shopify_recorder):
    from flask import current_app

    raw = find_dropi_product(world, variable=False)
    app = current_app._get_current_object()
    other: dict = {}

    def the_other_click_wins_the_race(body):
        shopify_recorder.before.pop("ProductSet")  # only the first request is held back
        def import_in_other_request():
            with app.app_context():
                other["result"] = import_product(world.ctx(), raw["id"], prefs())
                other["association_id"] = other["result"].association.id
        thread = threading.Thread(target=import_in_other_request)
        thread.start()
        thread.join(timeout=30)

    shopify_recorder.before["ProductSet"] = the_other_click_wins_the_race
    result = import_product(world.ctx(), raw["id"], prefs())
    assert other["result"].ok and result.ok
    assert len(world.store_shop.products) == 1
    assert ProductAssociation.query.count() == 1
    assert result.association.id == other["association_id"]
