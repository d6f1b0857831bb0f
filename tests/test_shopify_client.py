"""ShopifyClient: the request we send, error mapping, userErrors, pagination and logging."""
from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import responses

from app.clients.shopify import (
    ShopifyClient,
    ShopifyForbidden,
    ShopifyLocked,
    ShopifyNotFound,
    ShopifyShopFrozen,
    ShopifyTransportError,
    ShopifyUnauthorized,
    ShopifyUserErrors,
    ThrottleState,
    load_operation,
)
from app.graphql import OPERATIONS_DIR

SHOP = "test-shop.myshopify.com"
BASE_URL = f"https://{SHOP}"
ENDPOINT = f"{BASE_URL}/admin/api/2026-10/graphql.json"
TOKEN = "tok-live-4c1d9e7f2a"
NEW_TOKEN = "tok-new-8b3a6d0c5e"
TEST_OPERATIONS = Path(__file__).resolve().parent / "data" / "graphql"


class FakeClock:
    """A monotonic clock that only moves when the client sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def answer(data=None, *, requested=12, available=988.0, maximum=1000.0, rate=50.0, errors=None):
    body = {
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None if errors else requested,
                "throttleStatus": {
                    "maximumAvailable": maximum,
                    "currentlyAvailable": available,
                    "restoreRate": rate,
                },
            }
        }
    }
    if data is not None:
        body["data"] = data
    if errors is not None:
        body["errors"] = errors
    return body


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shopify_http():
    with responses.RequestsMock() as mocked:
        yield mocked


def client_factory(clock: FakeClock):
    """Builds clients for SHOP that sleep on ``clock`` and keep their own cost bucket."""

    def make(**overrides) -> ShopifyClient:
        options = {
            "base_url": BASE_URL,
            "api_version": "2026-10",
            "access_token": lambda: TOKEN,
            "sleep": clock.sleep,
            "throttle": ThrottleState(clock=clock),
            "operations_dir": OPERATIONS_DIR,
        }
        options.update(overrides)
        return ShopifyClient(SHOP, **options)

    return make


@pytest.fixture
def make_client(clock):
    return client_factory(clock)


@pytest.fixture
def mutator(make_client) -> ShopifyClient:
    """A client whose operations are the schema-checked mutations in tests/data/graphql/."""
    return make_client(operations_dir=TEST_OPERATIONS)


def sent_body(call) -> dict:
    return json.loads(call.request.body)


SHOP_DATA = {"shop": {"name": "Tienda", "currencyCode": "COP", "ianaTimezone": "America/Bogota",
                      "myshopifyDomain": SHOP}}


def test_query_posts_operation_text_and_variables_to_the_versioned_endpoint(shopify_http,
                                                                            make_client):
    shopify_http.post(ENDPOINT, json=answer({"locations": {"nodes": [], "pageInfo": {}}}))
    make_client().query("locations", {"first": 5})
    call = shopify_http.calls[0]
    assert call.request.url == ENDPOINT
    assert call.request.headers["X-Shopify-Access-Token"] == TOKEN
    assert call.request.headers["Content-Type"] == "application/json"
    assert sent_body(call) == {"query": load_operation("locations"), "variables": {"first": 5}}
    assert call.request.req_kwargs["timeout"] == 10.0


def test_query_returns_data(shopify_http):
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    client = ShopifyClient(SHOP, base_url=BASE_URL + "/", api_version="2026-10",
                           access_token=lambda: TOKEN, timeout=3.5)
    assert client.query("shop_details") == SHOP_DATA
    assert shopify_http.calls[0].request.req_kwargs["timeout"] == 3.5
    assert sent_body(shopify_http.calls[0])["query"].startswith("query ShopDetails")


def test_decimal_money_is_sent_exactly_as_a_string(shopify_http, mutator):
    shopify_http.post(ENDPOINT, json=answer({"productVariantsBulkUpdate": {
        "productVariants": [{"id": "gid://shopify/ProductVariant/1", "price": "19.90"}],
        "userErrors": []}}))
    result = mutator.mutate("variant_price", {
        "productId": "gid://shopify/Product/1",
        "variants": [{"id": "gid://shopify/ProductVariant/1", "price": Decimal("19.90")}],
    })
    assert result["productVariants"][0]["price"] == "19.90"
    assert sent_body(shopify_http.calls[0])["variables"]["variants"][0]["price"] == "19.90"


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (402, ShopifyShopFrozen, "frozen"),
        (403, ShopifyForbidden, "permission"),
        (404, ShopifyNotFound, "could not find your store"),
        (423, ShopifyLocked, "locked"),
    ],
)
def test_shop_status_answers_map_to_typed_errors_without_retrying(
    shopify_http, make_client, clock, status, error, words
):
    shopify_http.post(ENDPOINT, status=status, body='{"errors":"[API] refused"}')
    with pytest.raises(error) as raised:
        make_client().query("shop_details")
    assert words in raised.value.merchant_message
    assert raised.value.status == status and raised.value.shop == SHOP
    assert len(shopify_http.calls) == 1 and clock.sleeps == []


def test_access_denied_names_the_missing_scope(shopify_http, mutator):
    denied = {
        "message": "Access denied for orders field.",
        "extensions": {"code": "ACCESS_DENIED", "requiredAccess": "`read_orders` access scope."},
    }
    shopify_http.post(ENDPOINT, json={"errors": [denied], "data": None})
    with pytest.raises(ShopifyForbidden) as raised:
        mutator.mutate("order_cancel", {"orderId": "gid://shopify/Order/1",
                                              "reason": "CUSTOMER", "restock": True})
    assert "read_orders access scope" in raised.value.merchant_message
    assert len(shopify_http.calls) == 1


def test_user_errors_raise_with_field_message_and_code(shopify_http, mutator):
    shopify_http.post(ENDPOINT, json=answer({"productUpdate": {"product": None, "userErrors": [
        {"field": ["product", "title"], "message": "Title can't be blank"}]}}))
    with pytest.raises(ShopifyUserErrors) as raised:
        mutator.mutate("product_update_title",
                             {"product": {"id": "gid://shopify/Product/1", "title": ""}})
    assert raised.value.errors == [
        {"field": ["product", "title"], "message": "Title can't be blank", "code": None}
    ]
    assert raised.value.merchant_message == (
        "Shopify did not accept the change: title: Title can't be blank"
    )


def test_prefixed_user_errors_are_found_too(shopify_http, mutator):
    refused = {"field": ["orderId"], "message": "Order has already been cancelled",
               "code": "INVALID"}
    shopify_http.post(ENDPOINT, json=answer({"orderCancel": {"job": None,
                                                        "orderCancelUserErrors": [refused]}}))
    with pytest.raises(ShopifyUserErrors) as raised:
        mutator.mutate("order_cancel", {"orderId": "gid://shopify/Order/1",
                                              "reason": "CUSTOMER", "restock": False})
    assert raised.value.errors[0]["code"] == "INVALID"
    assert "Order has already been cancelled" in raised.value.merchant_message


def test_mutation_returns_its_payload_object(shopify_http, mutator):
    product = {"id": "gid://shopify/Product/1", "title": "Reloj"}
    updated = {"productUpdate": {"product": product, "userErrors": []}}
    shopify_http.post(ENDPOINT, json=answer(updated))
    result = mutator.mutate("product_update_title", {"product": product})
    assert result == {"product": product, "userErrors": []}


def test_query_refuses_a_mutation_so_it_is_never_retried_blindly(mutator):
    with pytest.raises(ValueError):
        mutator.query("product_update_title", {"product": {}})


def test_paginate_follows_cursors_across_three_pages(shopify_http, make_client):
    pages = [
        (["Bodega Bogotá", "Bodega Medellín"], True, "c1"),
        (["Bodega Cali"], True, "c2"),
        (["Bodega Cartagena"], False, "c3"),
    ]
    for names, more, cursor in pages:
        nodes = [{"id": f"gid://shopify/Location/{n}", "name": n} for n in names]
        shopify_http.post(ENDPOINT, json=answer({"locations": {
            "nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": cursor}}}))
    client = make_client()
    found = [node["name"] for node in client.paginate("locations", path=("locations",))]
    assert found == ["Bodega Bogotá", "Bodega Medellín", "Bodega Cali", "Bodega Cartagena"]
    assert [sent_body(call)["variables"] for call in shopify_http.calls] == [
        {"first": 250}, {"first": 250, "after": "c1"}, {"first": 250, "after": "c2"}
    ]


def test_timeout_becomes_transport_error_after_retrying_the_query(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, body=requests.exceptions.ReadTimeout("read timed out"))
    client = make_client(max_attempts=3)
    with pytest.raises(ShopifyTransportError) as raised:
        client.query("shop_details")
    assert len(shopify_http.calls) == 3 and len(clock.sleeps) == 2
    assert "could not reach Shopify" in raised.value.merchant_message


def test_deprecation_header_is_logged_once_per_operation(shopify_http, make_client, caplog):
    reason = f"Field X is deprecated ({uuid.uuid4().hex})"
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA),
                 headers={"X-Shopify-API-Deprecated-Reason": reason})
    client = make_client()
    with caplog.at_level(logging.WARNING, logger="app.clients.shopify"):
        client.query("shop_details")
        client.query("shop_details")
    warnings = [r for r in caplog.records if reason in r.getMessage()]
    assert len(warnings) == 1 and "shop_details" in warnings[0].getMessage()


def test_calls_are_logged_with_shop_operation_and_cost(shopify_http, make_client, caplog):
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA, requested=3, available=997.0))
    with caplog.at_level(logging.INFO, logger="app.clients.shopify"):
        make_client().query("shop_details")
    expected = f"Shopify shop_details for {SHOP}: cost 3 (requested 3), bucket 997.0/1000.0"
    assert expected in caplog.text


def test_access_token_never_reaches_logs_even_at_debug(shopify_http, make_client, caplog):
    shopify_http.post(ENDPOINT, status=401, body="[API] Invalid API key or access token")
    shopify_http.post(ENDPOINT, status=401, body="[API] Invalid API key or access token")
    client = make_client(on_unauthorized=lambda: NEW_TOKEN)
    with caplog.at_level(logging.DEBUG), pytest.raises(ShopifyUnauthorized) as raised:
        client.query("shop_details")
    assert shopify_http.calls[1].request.headers["X-Shopify-Access-Token"] == NEW_TOKEN
    logged = caplog.text + "".join(str(r.args) + r.getMessage() for r in caplog.records)
    assert caplog.records and TOKEN not in logged and NEW_TOKEN not in logged
    assert TOKEN not in str(raised.value) and NEW_TOKEN not in str(raised.value)
