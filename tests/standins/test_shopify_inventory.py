"""inventorySetQuantities / inventoryAdjustQuantities on the Shopify stand-in: the 2026-04 rules
(changeFromQuantity on every entry, @idempotent required), compare-and-swap, replay."""
from __future__ import annotations

import pytest

from standins.shopify.graphql_api import execute_admin_graphql

SHOP = "stock-shop.myshopify.com"
SCOPES = {"write_inventory", "read_products", "read_locations"}
SET = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""
ADJUST = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""


def gql(store, query, variables):
    status, body = execute_admin_graphql(store, SHOP, {"query": query, "variables": variables},
                                         granted_scopes=SCOPES, api_version="2026-10")
    assert status == 200, body
    return body


def lamp(store):
    """The desk lamp's inventory item and the Bogotá warehouse (18 available there)."""
    shop = store.shop(SHOP)
    variant = next(v for v in shop.variants.values() if v["sku"] == "LAM-LED")
    bogota = next(loc["id"] for loc in shop.locations.values() if loc["name"] == "Bodega Bogotá")
    return variant["_inventory_item"], bogota


def set_input(item, location, quantity, **extra):
    entry = {"inventoryItemId": item, "locationId": location, "quantity": quantity, **extra}
    return {"name": "available", "reason": "correction", "quantities": [entry]}


def available(store):
    return store.inventory_quantities(SHOP, "LAM-LED")["Bodega Bogotá"]["available"]


def test_set_with_a_matching_change_from_quantity_applies(store, events):
    item, bogota = lamp(store)
    body = gql(store, SET, {"input": set_input(item, bogota, 25, changeFromQuantity=18),
                            "key": "k-1"})
    group = body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]
    assert {"name": "available", "delta": 7, "quantityAfterChange": 25} in group["changes"]
    assert {"name": "on_hand", "delta": 7, "quantityAfterChange": 25} in group["changes"]
    assert available(store) == 25
    level_events = [p for _s, topic, p in events if topic == "inventory_levels/update"]
    assert level_events[-1]["available"] == 25


def test_set_without_change_from_quantity_is_refused_like_shopify(store):
    item, bogota = lamp(store)
    body = gql(store, SET, {"input": set_input(item, bogota, 25), "key": "k-2"})
    assert body["data"] == {"inventorySetQuantities": None}
    assert body["errors"][0]["message"] == ("InventoryQuantityInput must include the following "
                                            "argument: changeFromQuantity.")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    assert available(store) == 18


def test_explicit_null_change_from_quantity_skips_the_check(store):
    item, bogota = lamp(store)
    body = gql(store, SET, {"input": set_input(item, bogota, 3, changeFromQuantity=None),
                            "key": "k-3"})
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    assert available(store) == 3


def test_a_stale_change_from_quantity_is_a_user_error_and_changes_nothing(store):
    item, bogota = lamp(store)
    body = gql(store, SET, {"input": set_input(item, bogota, 30, changeFromQuantity=17),
                            "key": "k-4"})
    result = body["data"]["inventorySetQuantities"]
    assert result["inventoryAdjustmentGroup"] is None
    assert result["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert result["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert available(store) == 18


def test_the_same_idempotency_key_replays_the_first_result_without_applying_twice(store, events):
    item, bogota = lamp(store)
    variables = {"input": set_input(item, bogota, 20, changeFromQuantity=18), "key": "same"}
    first = gql(store, SET, variables)
    events.clear()
    second = gql(store, SET, variables)
    assert second["data"] == first["data"]
    assert available(store) == 20 and events == []
    changed = {"input": set_input(item, bogota, 21, changeFromQuantity=20), "key": "same"}
    mismatch = gql(store, SET, changed)["data"]["inventorySetQuantities"]
    assert mismatch["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert available(store) == 20


def test_the_idempotent_directive_is_required(store):
    item, bogota = lamp(store)
    query = SET.replace(" @idempotent(key: $key)", "").replace(", $key: String!", "")
    body = gql(store, query, {"input": set_input(item, bogota, 2, changeFromQuantity=18)})
    assert body["errors"][0]["message"] == ("The @idempotent directive is required for this "
                                            "mutation but was not provided.")
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert available(store) == 18


def test_adjust_applies_deltas_and_checks_each_entry(store):
    item, bogota = lamp(store)
    change = {"inventoryItemId": item, "locationId": bogota, "delta": -3,
              "changeFromQuantity": 18}
    body = gql(store, ADJUST, {"input": {"name": "available", "reason": "correction",
                                         "changes": [change]}, "key": "a-1"})
    group = body["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]
    assert {"name": "available", "delta": -3, "quantityAfterChange": 15} in group["changes"]
    missing = {key: value for key, value in change.items() if key != "changeFromQuantity"}
    refused = gql(store, ADJUST, {"input": {"name": "available", "reason": "correction",
                                            "changes": [missing]}, "key": "a-2"})
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    unknown = {**change, "changeFromQuantity": None, "locationId": "gid://shopify/Location/9"}
    invalid = gql(store, ADJUST, {"input": {"name": "available", "reason": "correction",
                                            "changes": [unknown]}, "key": "a-3"})
    assert invalid["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"] == (
        "INVALID_LOCATION")
    assert available(store) == 15


def test_an_unknown_reason_is_refused(store):
    item, bogota = lamp(store)
    variables = {"input": {**set_input(item, bogota, 1, changeFromQuantity=18),
                           "reason": "because"}, "key": "r-1"}
    result = gql(store, SET, variables)["data"]["inventorySetQuantities"]
    assert result["userErrors"][0]["code"] == "INVALID_REASON"


def test_concurrent_adjustments_from_many_threads_lose_nothing(store):
    import threading
    item, bogota = lamp(store)
    change = {"inventoryItemId": item, "locationId": bogota, "delta": -1,
              "changeFromQuantity": None}

    def worker(worker_id):
        for attempt in range(5):
            gql(store, ADJUST, {"input": {"name": "available", "reason": "correction",
                                          "changes": [change]},
                                "key": f"t-{worker_id}-{attempt}"})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert available(store) == 18 - 8 * 5


def test_fulfillment_create_refuses_fulfillment_orders_of_two_locations():
    from standins.shopify import fulfillment, storefront
    from standins.shopify.records import DomainError
    from standins.shopify.store import ShopifyStore

    store = ShopifyStore()
    shop = store.create_shop("two-places.myshopify.com", seed=True)
    with store.transaction():
        bogota_only = next(v for v in shop.variants.values() if v["sku"] == "LAM-LED")
        medellin_only = next(v for v in shop.variants.values() if v["sku"] == "ORG-COC")
        order = storefront.storefront_order(shop, [{"sku": bogota_only["sku"], "quantity": 1},
                                                   {"sku": medellin_only["sku"], "quantity": 1}],
                                            {"financial_status": "PAID"})
    groups = [{"fulfillmentOrderId": fo} for fo in order["_fulfillment_orders"]]

    assert len(groups) == 2
    with pytest.raises(DomainError) as refused:
        fulfillment.create_fulfillment(shop, {"lineItemsByFulfillmentOrder": groups})
    assert "same location" in str(refused.value.errors)
