"""The Admin GraphQL endpoint over HTTP: the token decides the shop and the scopes; bulk
results are served where the operation says."""
from __future__ import annotations

import json

import pytest
import requests

from tests.live_standins import running_shopify_stand_in

SHOP = "test-shop.myshopify.com"
BULK = """mutation { bulkOperationRunQuery(query: "{ products { edges { node { id title } } } }")
{ bulkOperation { id status url } userErrors { field message } } }"""


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP, seed=True)
        yield handle


def token_for(shopify, *scopes: str) -> str:
    return shopify.stand_in.tokens.issue_offline(SHOP, frozenset(scopes),
                                                 expiring=True)["access_token"]


def graphql(shopify, token: str, query: str, **kwargs) -> requests.Response:
    return requests.post(f"{shopify.url}/{SHOP}/admin/api/2026-10/graphql.json", timeout=15,
                         headers={"X-Shopify-Access-Token": token, **kwargs.pop("headers", {})},
                         json=kwargs.pop("json", {"query": query}), **kwargs)


def test_a_query_answers_with_data_and_its_cost(shopify):
    response = graphql(shopify, token_for(shopify, "read_products"),
                       "{ products(first: 2) { nodes { title } } }")
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == "2026-10"
    body = response.json()
    assert len(body["data"]["products"]["nodes"]) == 2
    assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] > 0


def test_the_tokens_scopes_are_what_the_query_may_read(shopify):
    body = graphql(shopify, token_for(shopify, "read_products"),
                   "{ orders(first: 1) { nodes { name } } }").json()
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_a_write_scope_also_reads(shopify):
    body = graphql(shopify, token_for(shopify, "write_orders"),
                   "{ orders(first: 1) { nodes { name } } }").json()
    assert "errors" not in body
    assert body["data"]["orders"]["nodes"]


def test_a_raw_graphql_body_is_accepted(shopify):
    response = graphql(shopify, token_for(shopify, "read_products"), "", json=None,
                       data="{ shop { name } }", headers={"Content-Type": "application/graphql"})
    assert response.json()["data"]["shop"]["name"] == "Tienda Andina"


def test_a_request_without_a_query_is_400(shopify):
    response = graphql(shopify, token_for(shopify, "read_products"), "", json={"variables": {}})
    assert response.status_code == 400
    assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_a_bulk_querys_result_is_served_by_the_stand_in(shopify):
    token = token_for(shopify, "read_products")
    operation = graphql(shopify, token, BULK).json()["data"]["bulkOperationRunQuery"]
    assert operation["bulkOperation"]["status"] == "CREATED"
    shopify.store.wait_bulk(operation["bulkOperation"]["id"])
    polled = graphql(shopify, token, "query($id: ID!) { bulkOperation(id: $id) { status url } }",
                     json={"query": "query($id: ID!) { bulkOperation(id: $id) { status url } }",
                           "variables": {"id": operation["bulkOperation"]["id"]}})
    finished = polled.json()["data"]["bulkOperation"]
    assert finished["status"] == "COMPLETED"
    url = finished["url"]
    assert url.startswith(shopify.url + "/standin/bulk/")
    result = requests.get(url, timeout=10)
    assert result.status_code == 200
    lines = [json.loads(line) for line in result.text.splitlines()]
    assert lines and all(line["id"].startswith("gid://shopify/Product/") for line in lines)
    assert requests.get(shopify.url + "/standin/bulk/999999.jsonl", timeout=5).status_code == 404
