"""Access scopes, calculated query cost and the leaky bucket on the Shopify stand-in."""
from __future__ import annotations

import pytest

from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.store import ShopifyStore

SHOP = "limits-shop.myshopify.com"
KNOWN_QUERY = """{
  shop { name }
  products(first: 10) { edges { node { id title variants(first: 5) { nodes { id sku } } } } }
}"""


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(clock):
    store = ShopifyStore(clock=clock)
    store.create_shop(SHOP)
    store.create_location(SHOP, "Bodega Bogotá")
    for title in ("Gorra", "Bolso", "Termo"):
        store.create_product(SHOP, {
            "title": title, "productOptions": [{"name": "Color", "values": [
                {"name": "Rojo"}, {"name": "Azul"}]}],
            "variants": [{"optionValues": [{"optionName": "Color", "name": color}],
                          "sku": f"{title}-{color}", "price": "1000"}
                         for color in ("Rojo", "Azul")]})
    return store


def gql(store, query, scopes=("read_products",), variables=None):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=set(scopes), api_version="2026-10")
    assert status == 200
    return body


def test_a_field_outside_the_granted_scopes_is_access_denied(store):
    body = gql(store, "{ shop { name } products(first: 1) { nodes { id } } }",
               scopes={"read_locations"})
    error = body["errors"][0]
    assert error["message"] == ("Access denied for products field. Required access: "
                                "`read_products` access scope.")
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["path"] == ["products"]
    assert body["data"] is None


def test_a_write_scope_grants_the_matching_read(store):
    body = gql(store, "{ products(first: 1) { nodes { title } } }", scopes={"write_products"})
    assert "errors" not in body and body["data"]["products"]["nodes"] == [{"title": "Gorra"}]


def test_a_mutation_needs_its_write_scope(store):
    body = gql(store, 'mutation { productSet(input: {title: "Nueva"}) { product { id } } }',
               scopes={"read_products"})
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "`write_products`" in body["errors"][0]["message"]
    assert len(store.shop(SHOP).products) == 3


def test_type_and_field_rules_both_apply_and_any_alternative_suffices(store):
    # Location (the type) accepts read_locations, read_inventory or read_markets_home;
    # Location.name (the field) only read_locations or read_markets_home.
    ids = gql(store, "{ locations(first: 5) { nodes { id } } }", scopes={"read_inventory"})
    assert len(ids["data"]["locations"]["nodes"]) == 1
    names = gql(store, "{ locations(first: 5) { nodes { name } } }", scopes={"read_inventory"})
    assert names["errors"][0]["message"] == (
        "Access denied for name field. Required access: `read_locations` access scope or "
        "`read_markets_home` access scope.")
    assert names["errors"][0]["path"] == ["locations", "nodes", 0, "name"]
    granted = gql(store, "{ locations(first: 5) { nodes { name } } }",
                  scopes={"read_locations"})
    assert granted["data"]["locations"]["nodes"] == [{"name": "Bodega Bogotá"}]
    denied = gql(store, "{ locations(first: 5) { nodes { id } } }", scopes={"read_orders"})
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_requested_and_actual_cost_follow_the_documented_rules(store):
    body = gql(store, KNOWN_QUERY)
    cost = body["extensions"]["cost"]
    # shop 1 + products 2 + 10 x (product 1 + variants 2 + 5 x variant 1)
    assert cost["requestedQueryCost"] == 1 + 2 + 10 * (1 + 2 + 5)
    # three products with two variants each come back
    assert cost["actualQueryCost"] == 1 + 2 + 3 * (1 + 2 + 2)
    assert cost["throttleStatus"] == {"maximumAvailable": 2000.0,
                                      "currentlyAvailable": 2000 - 18, "restoreRate": 100.0}


@pytest.mark.parametrize("sizes, points", [
    (("S",), 10),  # 10.2: Shopify's changelog prices a 1-variant productSet at 10
    (("S", "M", "L", "XL", "XXL", "3XL"), 11),  # 11.2
    (("S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL"), 12),  # 11.6
])
def test_a_mutation_costs_ten_plus_the_input_complexity_rounded(store, sizes, points):
    variants = [{"optionValues": [{"optionName": "Talla", "name": size}]} for size in sizes]
    body = gql(store, """mutation($input: ProductSetInput!) {
      productSet(input: $input) { product { id } userErrors { message } } }""",
               scopes={"write_products"}, variables={"input": {
                   "title": "Camiseta", "productOptions": [{"name": "Talla", "values": [
                       {"name": v["optionValues"][0]["name"]} for v in variants]}],
                   "variants": variants}})
    assert body["data"]["productSet"]["userErrors"] == []
    assert body["extensions"]["cost"]["requestedQueryCost"] == points  # 0.2 per variant


def test_a_query_over_1000_points_is_refused_before_running(store):
    body = gql(store, "{ products(first: 250) { nodes { id variants(first: 250) { nodes { id }"
                      " } } } }")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["cost"] == 2 + 250 * (1 + 2 + 250)
    assert "data" not in body
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000


def test_the_bucket_drains_to_throttled_and_refills_with_the_clock(store, clock):
    store.configure_throttle(SHOP, bucket_size=100, restore_rate=10)
    query = "{ products(first: 20) { nodes { id } } }"  # requests 22, actually costs 2 + 3
    available = []
    body = gql(store, query)
    while "errors" not in body:
        available.append(body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"])
        body = gql(store, query)
    assert available[:3] == [95, 90, 85]
    assert available[-1] < 22
    assert body["errors"] == [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]
    assert "data" not in body
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 22 and cost["actualQueryCost"] is None
    clock.now += (22 - cost["throttleStatus"]["currentlyAvailable"]) / 10
    assert "errors" not in gql(store, query)


@pytest.mark.parametrize("preset, size, rate", [("legacy", 1000.0, 50.0),
                                                ("standard", 2000.0, 100.0)])
def test_bucket_presets(clock, preset, size, rate):
    store = ShopifyStore(clock=clock, throttle=preset)
    store.create_shop(SHOP)
    status = gql(store, "{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (size, rate)
