"""Bulk query operations and webhook subscriptions on the Shopify stand-in."""
from __future__ import annotations

import json

import pytest

from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.store import ShopifyStore

SHOP = "bulk-shop.myshopify.com"
SCOPES = {"read_products", "read_inventory", "read_orders"}
RUN = """mutation($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status objectCount rootObjectCount url } userErrors { field message code }
} }"""
POLL = """query($id: ID!) { bulkOperation(id: $id) {
  id status errorCode objectCount rootObjectCount url partialDataUrl } }"""
PRODUCTS_WITH_VARIANTS = """{
  products(query: "status:active") {
    edges { node { id title variants { edges { node { id sku } } } } }
  }
}"""


@pytest.fixture
def store():
    store = ShopifyStore(bulk_result_url_template="http://stand-in.test/standin/bulk/{op_id}.jsonl")
    store.create_shop(SHOP, seed=True)
    return store


def gql(store, query, variables=None, scopes=SCOPES):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=scopes, api_version="2026-10")
    assert status == 200 and "errors" not in body, body
    return body["data"]


def test_bulk_query_writes_jsonl_with_parent_ids(store):
    events = []
    store.add_listener(lambda shop, topic, payload: events.append((topic, payload)))
    run = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    assert run["userErrors"] == [] and run["bulkOperation"]["status"] == "CREATED"
    assert run["bulkOperation"]["url"] is None
    store.wait_bulk(run["bulkOperation"]["id"])
    operation = gql(store, POLL, {"id": run["bulkOperation"]["id"]})["bulkOperation"]
    assert operation["status"] == "COMPLETED"
    number = operation["id"].rsplit("/", 1)[1]
    assert operation["url"] == f"http://stand-in.test/standin/bulk/{number}.jsonl"
    lines = [json.loads(line) for line in store.bulk_result(operation["id"]).splitlines()]
    products = [line for line in lines if "__parentId" not in line]
    variants = [line for line in lines if "__parentId" in line]
    assert len(products) == 10 and operation["rootObjectCount"] == "10"
    assert operation["objectCount"] == str(len(lines))
    shirt = next(p for p in products if p["title"] == "Camiseta Algodón Básica")
    assert "variants" not in shirt
    assert sorted(v["sku"] for v in variants if v["__parentId"] == shirt["id"]) == [
        "CAM-ALG-L-BLA", "CAM-ALG-L-NEG", "CAM-ALG-M-BLA", "CAM-ALG-M-NEG", "CAM-ALG-S-BLA",
        "CAM-ALG-S-NEG"]
    first_child = lines.index(next(v for v in variants if v["__parentId"] == shirt["id"]))
    assert lines.index(shirt) < first_child  # each parent comes before its children
    assert ("bulk_operations/finish", {
        "admin_graphql_api_id": operation["id"], "status": "completed", "type": "query",
        "error_code": None, "completed_at": store.shop(SHOP).bulk_operations[
            operation["id"]]["completedAt"], "created_at": store.shop(SHOP).bulk_operations[
            operation["id"]]["createdAt"]}) in events
    current = gql(store, "{ currentBulkOperation { id status } }")["currentBulkOperation"]
    assert current == {"id": operation["id"], "status": "COMPLETED"}


@pytest.mark.parametrize("query, message", [
    ("{ shop { name } }", "Bulk queries must contain at least one connection."),
    ("{ products { edges { node { title variants { edges { node { sku } } } } } } }",
     "The parent 'node' field for a nested connection must select the 'id' field. "
     "Connection fields without 'id': products."),
    ('{ node(id: "gid://shopify/Product/1") { id } }',
     "Bulk queries cannot contain a top level `node` or `nodes` field."),
    ("{ products { edges { node { nope } } } }",
     "Invalid bulk query: Cannot query field 'nope' on type 'Product'."),
    ("query Q($q: String) { orders(query: $q) { edges { node { id } } } }",
     "Bulk queries cannot declare variables: write their values into the query."),
])
def test_bulk_query_refuses_what_shopify_refuses(store, query, message):
    run = gql(store, RUN, {"query": query})["bulkOperationRunQuery"]
    assert run["bulkOperation"] is None
    assert run["userErrors"] == [{"field": ["query"], "message": message, "code": "INVALID"}]


def test_bulk_query_outside_the_scopes_fails_with_access_denied(store):
    run = gql(store, RUN, {"query": "{ orders { edges { node { id } } } }"},
              scopes={"read_products"})["bulkOperationRunQuery"]
    assert store.wait_bulk(run["bulkOperation"]["id"])["status"] == "FAILED"
    state = gql(store, "{ currentBulkOperation { errorCode url } }", scopes={"read_products"})
    assert state["currentBulkOperation"] == {"errorCode": "ACCESS_DENIED", "url": None}


WEBHOOK = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri endpoint { __typename ... on WebhookHttpEndpoint {
      callbackUrl } } }
    userErrors { field message }
  }
}"""


def test_webhook_subscriptions_are_created_listed_and_checked(store):
    created = gql(store, WEBHOOK, {"topic": "ORDERS_CREATE",
                                   "uri": "https://connector.example.com/webhooks"})
    subscription = created["webhookSubscriptionCreate"]["webhookSubscription"]
    assert subscription["topic"] == "ORDERS_CREATE"
    assert subscription["endpoint"] == {"__typename": "WebhookHttpEndpoint",
                                        "callbackUrl": "https://connector.example.com/webhooks"}
    duplicate = gql(store, WEBHOOK, {"topic": "ORDERS_CREATE",
                                     "uri": "https://connector.example.com/webhooks"})
    assert duplicate["webhookSubscriptionCreate"]["userErrors"][0]["message"] == (
        "Address for this topic has already been taken")
    plain_http = gql(store, WEBHOOK, {"topic": "ORDERS_UPDATED",
                                      "uri": "http://connector.example.com/webhooks"})
    assert plain_http["webhookSubscriptionCreate"]["userErrors"][0]["message"] == (
        "Address protocol http:// is not supported")
    listed = gql(store, "{ webhookSubscriptions(first: 10, topics: [ORDERS_CREATE]) "
                        "{ nodes { id uri } } }")
    assert listed["webhookSubscriptions"]["nodes"] == [
        {"id": subscription["id"], "uri": "https://connector.example.com/webhooks"}]


def test_uninstall_sends_app_uninstalled_and_drops_the_subscriptions(store):
    events = []
    store.add_listener(lambda shop, topic, payload: events.append((shop, topic, payload)))
    gql(store, WEBHOOK, {"topic": "APP_UNINSTALLED", "uri": "https://connector.example.com/w"})
    store.uninstall_app(SHOP)
    shop, topic, payload = events[-1]
    assert (shop, topic) == (SHOP, "app/uninstalled")
    assert payload["myshopify_domain"] == SHOP and payload["currency"] == "COP"
    assert store.shop(SHOP).webhook_subscriptions == {}


def _status(store, operation_id: str) -> str:
    return gql(store, POLL, {"id": operation_id})["bulkOperation"]["status"]


def _running(store, operation_id: str) -> None:
    """Until the stand-in's thread has written the file (the operation is held RUNNING)."""
    while int(gql(store, POLL, {"id": operation_id})["bulkOperation"]["objectCount"]) == 0:
        store.wait_bulk(operation_id, timeout=0.01)


def test_a_bulk_query_runs_in_the_background_and_finishes_later(store):
    events = []
    store.add_listener(lambda shop, topic, payload: events.append(topic))
    store.bulk_settings.update({"hold": True})
    operation = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})[
        "bulkOperationRunQuery"]["bulkOperation"]
    assert operation["status"] == "CREATED"
    _running(store, operation["id"])
    polled = gql(store, POLL, {"id": operation["id"]})["bulkOperation"]
    assert polled["status"] == "RUNNING" and polled["url"] is None
    assert int(polled["objectCount"]) == 33  # the 10 products and 23 variants are written,
    # the operation is not finished
    assert "bulk_operations/finish" not in events

    store.bulk_settings.update({"hold": False})
    store.wait_bulk(operation["id"])
    assert _status(store, operation["id"]) == "COMPLETED"
    assert events.count("bulk_operations/finish") == 1


def test_launching_a_bulk_query_costs_what_a_mutation_costs(store):
    status, body = execute_admin_graphql(store, SHOP, {"query": RUN, "variables": {
        "query": PRODUCTS_WITH_VARIANTS}}, granted_scopes=SCOPES, api_version="2026-10")
    assert body["extensions"]["cost"]["actualQueryCost"] == 10
    store.wait_bulk(body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"])


def test_one_bulk_query_at_a_time_when_the_shop_allows_one(store):
    store.bulk_settings.update({"hold": True, "concurrent_queries": 1})
    first = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    second = gql(store, RUN, {"query": "{ products { edges { node { id } } } }"})[
        "bulkOperationRunQuery"]
    assert second["bulkOperation"] is None
    assert second["userErrors"] == [{
        "field": None, "code": "OPERATION_IN_PROGRESS",
        "message": "A bulk query operation for this app and shop is already in progress: "
                   f"{first['bulkOperation']['id']}."}]
    store.bulk_settings.update({"hold": False})
    store.wait_bulk(first["bulkOperation"]["id"])
    third = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    assert third["userErrors"] == [] and third["bulkOperation"]["status"] == "CREATED"
    store.wait_bulk(third["bulkOperation"]["id"])


def test_a_sixth_concurrent_bulk_query_reaches_the_limit(store):
    store.bulk_settings.update({"hold": True})
    started = [gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
               for _ in range(5)]
    sixth = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    assert [run["userErrors"] for run in started] == [[]] * 5
    assert sixth["userErrors"] == [{"field": None, "code": "LIMIT_REACHED",
                                    "message": "Bulk operations limit reached. Please try "
                                               "again later."}]
    store.bulk_settings.update({"hold": False})
    for run in started:
        store.wait_bulk(run["bulkOperation"]["id"])


def test_a_running_bulk_query_can_be_canceled(store):
    store.bulk_settings.update({"hold": True})
    operation = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})[
        "bulkOperationRunQuery"]["bulkOperation"]
    cancel = gql(store, """mutation($id: ID!) { bulkOperationCancel(id: $id) {
        bulkOperation { status } userErrors { message } } }""", {"id": operation["id"]})
    assert cancel["bulkOperationCancel"] == {"bulkOperation": {"status": "CANCELING"},
                                             "userErrors": []}
    assert store.wait_bulk(operation["id"])["status"] == "CANCELED"
    assert gql(store, POLL, {"id": operation["id"]})["bulkOperation"]["url"] is None


def test_a_failed_bulk_query_leaves_its_partial_data(store):
    store.bulk_settings.update({"fail_with": "INTERNAL_SERVER_ERROR"})
    operation = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})[
        "bulkOperationRunQuery"]["bulkOperation"]
    store.wait_bulk(operation["id"])
    failed = gql(store, POLL, {"id": operation["id"]})["bulkOperation"]
    assert (failed["status"], failed["errorCode"], failed["url"]) == (
        "FAILED", "INTERNAL_SERVER_ERROR", None)
    assert failed["partialDataUrl"].endswith(f"/{operation['id'].rsplit('/', 1)[1]}.jsonl")
    partial = store.bulk_result(operation["id"]).splitlines()
    assert 0 < len(partial) == int(failed["objectCount"])
    assert store.bulk_settings.fail_with is None  # only the next operation fails


def test_running_bulk_queries_are_listed_newest_first_by_status(store):
    store.bulk_settings.update({"hold": True})
    first = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    second = gql(store, RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    listed = gql(store, """{ bulkOperations(first: 5, query: "operation_type:query") {
        nodes { id status } } }""")["bulkOperations"]["nodes"]
    assert [n["id"] for n in listed] == [second["bulkOperation"]["id"],
                                         first["bulkOperation"]["id"]]
    none_done = gql(store, """{ bulkOperations(first: 5, query: "status:completed") {
        nodes { id } } }""")["bulkOperations"]["nodes"]
    assert none_done == []
    store.bulk_settings.update({"hold": False})
    for run in (first, second):
        store.wait_bulk(run["bulkOperation"]["id"])
