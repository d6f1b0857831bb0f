"""productSet, productUpdate, productDelete, metafieldsSet and product search/pagination on the
Shopify stand-in."""
from __future__ import annotations

import pytest

from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.store import ShopifyStore

SHOP = "catalog-shop.myshopify.com"
SCOPES = {"write_products", "read_inventory", "read_locations"}
PRODUCT_SET = """
mutation Sync($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product {
      id handle title status vendor tags
      options { name values }
      media(first: 10) { nodes { ... on MediaImage { image { url altText } } } }
      metafields(first: 10) { nodes { namespace key type value } }
      variants(first: 20) {
        nodes {
          id sku barcode price compareAtPrice title
          selectedOptions { name value }
          inventoryItem { id tracked inventoryLevels(first: 5) {
            nodes { location { name } quantities(names: ["available", "on_hand"]) {
              name quantity } } } }
        }
      }
    }
    userErrors { field message code }
  }
}
"""


@pytest.fixture
def store():
    store = ShopifyStore()
    shop = store.create_shop(SHOP)
    store.create_location(SHOP, "Bodega Bogotá", city="Bogotá")
    store.create_location(SHOP, "Bodega Medellín", city="Medellín")
    assert shop.primary_location()["name"] == "Bodega Bogotá"
    return store


def gql(store, query, variables=None, scopes=SCOPES):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=scopes, api_version="2026-10")
    assert status == 200, body
    return body


def locations(store):
    return {loc["name"]: loc["id"] for loc in store.shop(SHOP).locations.values()}


def size_variant(size, sku, price, *, quantity=None, location=None, variant_id=None):
    variant = {"optionValues": [{"optionName": "Talla", "name": size}], "sku": sku,
               "price": price, "inventoryItem": {"tracked": True}}
    if quantity is not None:
        variant["inventoryQuantities"] = [{"locationId": location, "name": "available",
                                           "quantity": quantity}]
    if variant_id:
        variant["id"] = variant_id
    return variant


def sync(store, variants, sizes, identifier=None, **fields):
    product_input = {"title": "Tenis Urbanos", "vendor": "Dropi", "productOptions": [
        {"name": "Talla", "values": [{"name": s} for s in sizes]}], "variants": variants,
        **fields}
    body = gql(store, PRODUCT_SET, {"input": product_input, "identifier": identifier})
    return body["data"]["productSet"]


def test_product_set_creates_then_replaces_variants_like_shopify(store):
    bogota = locations(store)["Bodega Bogotá"]
    created = sync(store, [size_variant("38", "TEN-38", "159900", quantity=4, location=bogota),
                           size_variant("39", "TEN-39", "159900", quantity=2, location=bogota)],
                   ["38", "39"], files=[{"originalSource": "https://cdn.example.com/t.jpg",
                                         "alt": "Tenis", "contentType": "IMAGE"}])
    assert created["userErrors"] == []
    product = created["product"]
    assert product["handle"] == "tenis-urbanos" and product["status"] == "ACTIVE"
    assert product["options"] == [{"name": "Talla", "values": ["38", "39"]}]
    first, second = product["variants"]["nodes"]
    assert (first["sku"], first["price"], first["title"]) == ("TEN-38", "159900.00", "38")
    assert first["inventoryItem"]["inventoryLevels"]["nodes"] == [
        {"location": {"name": "Bodega Bogotá"}, "quantities": [
            {"name": "available", "quantity": 4}, {"name": "on_hand", "quantity": 4}]}]
    assert product["media"]["nodes"] == [
        {"image": {"url": "https://cdn.example.com/t.jpg", "altText": "Tenis"}}]

    updated = sync(store, [size_variant("39", "TEN-39", "149900", variant_id=second["id"]),
                           size_variant("40", "TEN-40", "149900")], ["39", "40"],
                   identifier={"id": product["id"]}, files=[])
    assert updated["userErrors"] == []
    nodes = updated["product"]["variants"]["nodes"]
    assert [(v["sku"], v["price"]) for v in nodes] == [("TEN-39", "149900.00"),
                                                        ("TEN-40", "149900.00")]
    assert nodes[0]["id"] == second["id"]  # kept by id, with its inventory item
    assert nodes[0]["inventoryItem"]["id"] == second["inventoryItem"]["id"]
    assert updated["product"]["media"]["nodes"] == []  # files omitted -> deleted
    shop = store.shop(SHOP)
    assert first["id"] not in shop.variants  # variant left out -> deleted
    assert first["inventoryItem"]["id"] not in shop.inventory_items


def test_product_set_by_handle_upserts(store):
    created = sync(store, [size_variant("38", "H-38", "10")], ["38"],
                   identifier={"handle": "tenis-dropi-77"})
    again = sync(store, [size_variant("38", "H-38", "12")], ["38"],
                 identifier={"handle": "tenis-dropi-77"})
    assert created["product"]["id"] == again["product"]["id"]
    assert again["product"]["handle"] == "tenis-dropi-77"
    assert again["product"]["variants"]["nodes"][0]["price"] == "12.00"


@pytest.mark.parametrize("variants, sizes, code, field", [
    ([size_variant("41", "X", "1")], ["38"], "OPTION_VALUE_DOES_NOT_EXIST",
     ["input", "variants", "0", "optionValues", "0"]),
    ([size_variant("38", "X", "1"), size_variant("38", "Y", "1")], ["38"], "INVALID_VARIANT",
     ["input", "variants", "1"]),
    ([size_variant("38", "X", "1")], ["38", "38"], "DUPLICATED_OPTION_VALUE",
     ["input", "productOptions", "0", "values", "1"]),
])
def test_product_set_refuses_inconsistent_options_and_changes_nothing(store, variants, sizes,
                                                                       code, field):
    result = sync(store, variants, sizes)
    assert result["product"] is None
    assert [(e["code"], e["field"]) for e in result["userErrors"]] == [(code, field)]
    assert store.shop(SHOP).products == {}


def test_product_set_needs_options_with_variants(store):
    body = gql(store, PRODUCT_SET, {"input": {"title": "Gorra", "variants": [
        {"optionValues": [{"optionName": "Title", "name": "Default Title"}]}]}})
    assert body["data"]["productSet"]["userErrors"][0]["code"] == "PRODUCT_OPTIONS_INPUT_MISSING"


def test_product_set_without_variants_makes_the_default_variant(store):
    body = gql(store, PRODUCT_SET, {"input": {"title": "Gorra", "metafields": [
        {"namespace": "dropi", "key": "product_id", "type": "number_integer", "value": "77"}]}})
    product = body["data"]["productSet"]["product"]
    assert product["options"] == [{"name": "Title", "values": ["Default Title"]}]
    assert product["variants"]["nodes"][0]["title"] == "Default Title"
    assert product["metafields"]["nodes"] == [
        {"namespace": "dropi", "key": "product_id", "type": "number_integer", "value": "77"}]


def test_product_update_archives_and_product_delete_removes(store):
    product_id = sync(store, [size_variant("38", "D-38", "5")], ["38"])["product"]["id"]
    update = """mutation($p: ProductUpdateInput!) { productUpdate(product: $p) {
      product { status title } userErrors { field message } } }"""
    body = gql(store, update, {"p": {"id": product_id, "status": "ARCHIVED"}})
    assert body["data"]["productUpdate"] == {
        "product": {"status": "ARCHIVED", "title": "Tenis Urbanos"}, "userErrors": []}
    delete = """mutation($id: ID!) { productDelete(input: {id: $id}) {
      deletedProductId userErrors { field message } } }"""
    assert gql(store, delete, {"id": product_id})["data"]["productDelete"] == {
        "deletedProductId": product_id, "userErrors": []}
    again = gql(store, delete, {"id": product_id})["data"]["productDelete"]
    assert again == {"deletedProductId": None,
                     "userErrors": [{"field": ["id"], "message": "Product does not exist"}]}


def test_metafields_set_checks_types_and_compare_digest(store):
    product_id = sync(store, [size_variant("38", "M-38", "5")], ["38"])["product"]["id"]
    mutation = """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
      metafields { key value compareDigest } userErrors { field message code elementIndex } } }"""
    entry = {"ownerId": product_id, "namespace": "dropi", "key": "cost", "type": "number_decimal",
             "value": "12000.50"}
    saved = gql(store, mutation, {"m": [entry]})["data"]["metafieldsSet"]
    digest = saved["metafields"][0]["compareDigest"]
    bad = gql(store, mutation, {"m": [{**entry, "value": "doce mil"}]})["data"]["metafieldsSet"]
    assert bad["metafields"] is None and bad["userErrors"][0]["code"] == "INVALID_VALUE"
    gql(store, mutation, {"m": [{**entry, "value": "13000"}]})
    stale = gql(store, mutation, {"m": [{**entry, "value": "14000", "compareDigest": digest}]})
    assert stale["data"]["metafieldsSet"]["userErrors"][0]["code"] == "STALE_OBJECT"


def test_search_by_title_sku_status_and_free_text(store):
    store.create_shop("seeded.myshopify.com", seed=True)

    def titles(query):
        body = execute_admin_graphql(
            store, "seeded.myshopify.com", {"query": "query($q: String) { products(first: 50, "
                                            "query: $q) { nodes { title } } }",
                                            "variables": {"q": query}},
            granted_scopes=SCOPES, api_version="2026-10")[1]
        return [n["title"] for n in body["data"]["products"]["nodes"]]

    assert titles("title:tenis*") == ["Tenis Deportivos Urbanos"]
    assert titles("sku:CAM-ALG-M-NEG") == ["Camiseta Algodón Básica"]
    assert titles("status:draft") == ["Humidificador Aromaterapia"]
    assert titles("status:archived OR status:draft") == ["Humidificador Aromaterapia",
                                                          "Gafas de Sol Polarizadas"]
    assert titles("termo") == ["Termo de Acero Inoxidable 1L"]
    not_home = titles("status:active -tag:hogar")
    assert len(not_home) == 7 and "Termo de Acero Inoxidable 1L" not in not_home


def test_pagination_cursors_walk_forward_and_back(store):
    for index in range(5):
        gql(store, PRODUCT_SET, {"input": {"title": f"Producto {index}"}})
    page = "query($after: String, $before: String, $first: Int, $last: Int) { products(" \
           "first: $first, after: $after, last: $last, before: $before, sortKey: TITLE) { " \
           "nodes { title } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    first = gql(store, page, {"first": 2})["data"]["products"]
    assert [n["title"] for n in first["nodes"]] == ["Producto 0", "Producto 1"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = gql(store, page, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    second = second["data"]["products"]
    assert [n["title"] for n in second["nodes"]] == ["Producto 2", "Producto 3"]
    assert second["pageInfo"]["hasPreviousPage"]
    back = gql(store, page, {"last": 2, "before": second["pageInfo"]["startCursor"]})
    assert [n["title"] for n in back["data"]["products"]["nodes"]] == ["Producto 0",
                                                                       "Producto 1"]
    last = gql(store, page, {"first": 2, "after": second["pageInfo"]["endCursor"]})
    assert [n["title"] for n in last["data"]["products"]["nodes"]] == ["Producto 4"]
    assert not last["data"]["products"]["pageInfo"]["hasNextPage"]


def test_app_reserved_namespaces_resolve_like_shopify(store):
    body = gql(store, PRODUCT_SET, {"input": {"title": "Gorra", "metafields": [
        {"namespace": "$app:dropi", "key": "product_id", "type": "number_integer",
         "value": "77"}]}})
    product = body["data"]["productSet"]["product"]
    namespace = product["metafields"]["nodes"][0]["namespace"]
    assert namespace.startswith("app--") and namespace.endswith("--dropi")
    read = gql(store, """query($id: ID!) { product(id: $id) {
      byAlias: metafield(namespace: "$app:dropi", key: "product_id") { value }
      byFullName: metafield(namespace: "%s", key: "product_id") { value } } }""" % namespace,
               {"id": product["id"]})
    assert read["data"]["product"] == {"byAlias": {"value": "77"}, "byFullName": {"value": "77"}}
