"""The Shopify stand-in answers only what the real 2026-10 Admin schema allows, in Shopify's
shapes; what it does not model fails loudly instead of returning null."""
from __future__ import annotations

import pytest
from graphql import parse, validate

from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.schema import load_admin_schema

SHOP = "contract-shop.myshopify.com"
SCOPES = {"read_products", "write_products", "read_inventory", "read_locations"}
# What the replaced app sent to add images; the mutation does not exist in the Admin API.
APPEND_IMAGES = """
mutation AppendImages($input: ProductAppendImagesInput!) {
  productAppendImages(input: $input) { newImages { id } userErrors { field message } }
}
"""


def gql(store, query, variables=None, *, version="2026-10"):
    return execute_admin_graphql(store, SHOP, {"query": query, "variables": variables or {}},
                                 granted_scopes=SCOPES, api_version=version)


def test_a_mutation_missing_from_the_schema_is_refused_exactly_as_graphql_validation_does(
        store):
    expected = [e.message for e in validate(load_admin_schema().schema, parse(APPEND_IMAGES))]

    status, body = gql(store, APPEND_IMAGES, {"input": {"id": "gid://shopify/Product/1001"}})

    assert status == 200 and "data" not in body
    assert [e["message"] for e in body["errors"]] == expected
    assert any("productAppendImages" in message for message in expected)
    assert body["errors"][0]["locations"] and body["errors"][0]["extensions"]["code"]


def test_an_unknown_field_on_a_real_type_is_refused_before_anything_runs(store):
    status, body = gql(store, "{ shop { name nameThatDoesNotExist } }")
    assert status == 200
    assert body["errors"][0]["message"] == (
        "Cannot query field 'nameThatDoesNotExist' on type 'Shop'.")
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


def test_a_syntax_error_answers_with_its_location(store):
    status, body = gql(store, "{ shop { name }")
    assert status == 200
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 16}]
    assert body["errors"][0]["message"].startswith("Syntax Error")


def test_a_field_the_stand_in_does_not_model_is_a_clear_error_not_a_null(store):
    status, body = gql(store, "{ shop { name billingAddress { city } } }")
    assert status == 200
    error = body["errors"][0]
    assert error["message"] == ("Field Shop.billingAddress is not implemented by the local "
                                "Shopify stand-in.")
    assert error["path"] == ["shop", "billingAddress"]
    assert body["data"] is None  # billingAddress is non-null, so the null climbs to shop


def test_a_genuinely_empty_field_is_null_without_error(store):
    query = '{ productVariants(first: 1, query: "sku:AUD-TWS") { nodes { sku barcode } } }'
    status, body = gql(store, query)
    assert status == 200 and "errors" not in body
    assert body["data"]["productVariants"]["nodes"] == [{"sku": "AUD-TWS", "barcode": None}]


@pytest.mark.parametrize("version", ["2026-04", "2026-07", "2026-10"])
def test_supported_versions_answer(store, version):
    status, body = gql(store, "{ shop { currencyCode ianaTimezone } }", version=version)
    assert status == 200
    assert body["data"]["shop"] == {"currencyCode": "COP", "ianaTimezone": "America/Bogota"}


def test_an_unknown_version_or_shop_is_not_found(store):
    assert gql(store, "{ shop { name } }", version="2019-13") == (404, {"errors": "Not Found"})
    status, _ = execute_admin_graphql(store, "nobody.myshopify.com", {"query": "{shop{name}}"},
                                      granted_scopes=SCOPES, api_version="2026-10")
    assert status == 404


def test_a_request_without_a_query_is_a_bad_request(store):
    status, body = execute_admin_graphql(store, SHOP, {"variables": {}}, granted_scopes=SCOPES,
                                         api_version="2026-10")
    assert status == 400
    assert body == {"errors": {"query": "Required parameter missing or invalid"}}


def test_a_variable_of_the_wrong_type_is_refused(store):
    query = "query($n: Int!) { products(first: $n) { nodes { id } } }"
    status, body = gql(store, query, {"n": "many"})
    assert status == 200 and "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert "$n" in body["errors"][0]["message"]


def test_a_money_input_that_is_not_a_number_is_refused(store):
    query = """mutation($input: ProductSetInput!) {
      productSet(input: $input) { product { id } userErrors { message } } }"""
    variables = {"input": {"title": "Gorra", "productOptions": [
        {"name": "Title", "values": [{"name": "Default Title"}]}], "variants": [
        {"optionValues": [{"optionName": "Title", "name": "Default Title"}],
         "price": "cuarenta mil"}]}}
    status, body = gql(store, query, variables)
    assert status == 200 and "data" not in body
    assert "price" in body["errors"][0]["message"]


def test_connections_demand_a_page_size(store):
    status, body = gql(store, "{ products(query: \"status:active\") { nodes { id } } }")
    assert status == 200
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["data"] is None


def test_a_page_larger_than_250_is_refused(store):
    status, body = gql(store, "{ locations(first: 251) { nodes { id } } }")
    assert body["errors"][0]["message"] == "The first argument must be between 0 and 250."


def test_node_resolves_any_record_of_the_shop_by_its_type(store):
    product_id = store.shop(SHOP).products and next(iter(store.shop(SHOP).products))
    query = """query($id: ID!) { node(id: $id) { __typename ... on Product { title } } }"""
    status, body = gql(store, query, {"id": product_id})
    assert body["data"]["node"] == {"__typename": "Product",
                                    "title": "Audífonos Bluetooth TWS Pro"}


def test_one_shop_cannot_read_another_shops_records(store):
    store.create_shop("other-shop.myshopify.com", seed=True)
    foreign = next(iter(store.shop("other-shop.myshopify.com").products))
    status, body = gql(store, "query($id: ID!) { product(id: $id) { id } }", {"id": foreign})
    assert status == 200 and body["data"] == {"product": None}
