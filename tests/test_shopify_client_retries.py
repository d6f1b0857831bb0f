"""ShopifyClient retries: THROTTLED waits, the cost bucket, Retry-After, 5xx and token refresh."""
from __future__ import annotations

import pytest
import responses

from app.clients.shopify import (
    ShopifyClient,
    ShopifyServerError,
    ShopifyThrottled,
    ShopifyUnauthorized,
    ThrottleState,
)
from tests.test_shopify_client import (
    ENDPOINT,
    NEW_TOKEN,
    SHOP,
    SHOP_DATA,
    TEST_OPERATIONS,
    TOKEN,
    FakeClock,
    answer,
    client_factory,
    sent_body,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shopify_http():
    with responses.RequestsMock() as mocked:
        yield mocked


@pytest.fixture
def make_client(clock):
    return client_factory(clock)


@pytest.fixture
def mutator(make_client) -> ShopifyClient:
    return make_client(operations_dir=TEST_OPERATIONS)


THROTTLED = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
PRODUCT = {"product": {"id": "gid://shopify/Product/1", "title": "Reloj"}}
UPDATED = {"productUpdate": {"product": PRODUCT["product"], "userErrors": []}}


def test_throttled_answer_is_retried_after_the_wait_the_bucket_implies(
    shopify_http, make_client, clock
):
    shopify_http.post(ENDPOINT, json=answer(requested=152, available=40.0, rate=50.0,
                                       errors=THROTTLED))
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA, requested=152, available=0.0))
    assert make_client().query("shop_details") == SHOP_DATA
    # (152 requested - 40 available) / 50 points per second
    assert clock.sleeps == [pytest.approx(2.24)]
    assert len(shopify_http.calls) == 2


def test_throttled_mutation_is_retried_because_shopify_never_ran_it(shopify_http, mutator, clock):
    shopify_http.post(ENDPOINT, json=answer(requested=110, available=10.0, rate=100.0,
                                       errors=THROTTLED))
    shopify_http.post(ENDPOINT, json=answer(UPDATED))
    assert mutator.mutate("product_update_title", PRODUCT) == UPDATED["productUpdate"]
    assert clock.sleeps == [pytest.approx(1.0)]


def test_gives_up_with_throttled_error_after_max_attempts(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, json=answer(requested=100, available=0.0, rate=50.0,
                                       errors=THROTTLED))
    with pytest.raises(ShopifyThrottled) as raised:
        make_client(max_attempts=3).query("shop_details")
    assert len(shopify_http.calls) == 3 and clock.sleeps == [2.0, 2.0]
    assert "too many requests" in raised.value.merchant_message


def test_waits_before_sending_when_the_bucket_cannot_afford_the_operation(
    shopify_http, make_client, clock
):
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA, requested=112, available=12.0, rate=50.0))
    client = make_client()
    client.query("shop_details")
    assert clock.sleeps == []
    clock.now += 1.0  # one second refills 50 points: 62 of the 112 the operation last cost
    client.query("shop_details")
    assert clock.sleeps == [pytest.approx(1.0)]


def test_unknown_operation_is_expected_to_cost_fifty_points(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA, requested=2, available=20.0, rate=50.0))
    shopify_http.post(ENDPOINT, json=answer({"locations": {"nodes": [], "pageInfo": {}}}))
    client = make_client()
    client.query("shop_details")
    client.query("locations", {"first": 10})
    assert clock.sleeps == [pytest.approx((50 - 20) / 50)]


def test_bucket_is_tracked_per_shop(shopify_http, make_client, clock):
    other_endpoint = "https://other-shop.myshopify.com/admin/api/2026-10/graphql.json"
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA, requested=100, available=0.0, rate=50.0))
    shopify_http.post(other_endpoint, json=answer(SHOP_DATA, requested=100, available=900.0))
    throttle = ThrottleState(clock=clock)
    make_client(throttle=throttle).query("shop_details")
    other = ShopifyClient("other-shop.myshopify.com", base_url="https://other-shop.myshopify.com",
                          api_version="2026-10", access_token=lambda: TOKEN, sleep=clock.sleep,
                          throttle=throttle)
    other.query("shop_details")
    assert clock.sleeps == []
    make_client(throttle=throttle).query("shop_details")  # the first shop's bucket is still empty
    assert clock.sleeps == [pytest.approx(2.0)]


def test_retry_after_on_429_waits_about_that_many_seconds(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, status=429, headers={"Retry-After": "2"}, body="Too Many Requests")
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    assert make_client().query("shop_details") == SHOP_DATA
    assert len(clock.sleeps) == 1 and 2.0 <= clock.sleeps[0] <= 2.2


def test_huge_retry_after_is_capped(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, status=503, headers={"Retry-After": "3600"})
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    make_client().query("shop_details")
    assert clock.sleeps == [30.0]


def test_server_errors_are_retried_for_queries(shopify_http, make_client, clock):
    shopify_http.post(ENDPOINT, status=502, body="Bad Gateway")
    shopify_http.post(ENDPOINT, status=500, body="Internal Server Error")
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    assert make_client().query("shop_details") == SHOP_DATA
    assert len(shopify_http.calls) == 3 and len(clock.sleeps) == 2
    assert all(0 < wait <= 30.0 for wait in clock.sleeps)


def test_server_error_gives_up_after_max_attempts(shopify_http, make_client):
    shopify_http.post(ENDPOINT, status=503, body="Service Unavailable")
    with pytest.raises(ShopifyServerError) as raised:
        make_client(max_attempts=4).query("shop_details")
    assert len(shopify_http.calls) == 4
    assert "trouble" in raised.value.merchant_message


def test_non_idempotent_mutation_is_not_repeated_after_a_server_error(shopify_http, mutator, clock):
    shopify_http.post(ENDPOINT, status=500, body="Internal Server Error")
    with pytest.raises(ShopifyServerError):
        mutator.mutate("product_update_title", PRODUCT)
    assert len(shopify_http.calls) == 1 and clock.sleeps == []


def test_idempotent_mutation_is_repeated_with_the_same_body(shopify_http, mutator):
    shopify_http.post(ENDPOINT, status=500, body="Internal Server Error")
    shopify_http.post(ENDPOINT, json=answer(UPDATED))
    assert mutator.mutate("product_update_title", PRODUCT, idempotent=True)["product"]
    assert len(shopify_http.calls) == 2
    assert shopify_http.calls[0].request.body == shopify_http.calls[1].request.body


def test_401_refreshes_the_token_once_and_repeats_the_request(shopify_http, make_client):
    refreshes = []

    def refresh() -> str:
        refreshes.append(1)
        return NEW_TOKEN

    shopify_http.post(ENDPOINT, status=401, body="[API] Invalid API key or access token")
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    assert make_client(on_unauthorized=refresh).query("shop_details") == SHOP_DATA
    assert len(refreshes) == 1
    tokens = [call.request.headers["X-Shopify-Access-Token"] for call in shopify_http.calls]
    assert tokens == [TOKEN, NEW_TOKEN]
    assert sent_body(shopify_http.calls[0]) == sent_body(shopify_http.calls[1])


def test_second_401_means_the_shop_must_reauthorize(shopify_http, make_client):
    refreshes = []
    shopify_http.post(ENDPOINT, status=401, body="[API] Invalid API key or access token")
    client = make_client(on_unauthorized=lambda: refreshes.append(1) or NEW_TOKEN)
    with pytest.raises(ShopifyUnauthorized) as raised:
        client.query("shop_details")
    assert len(refreshes) == 1 and len(shopify_http.calls) == 2
    assert raised.value.shop == SHOP
    assert "authorize it again" in raised.value.merchant_message


def test_401_without_a_refresher_fails_at_once(shopify_http, make_client):
    shopify_http.post(ENDPOINT, status=401)
    with pytest.raises(ShopifyUnauthorized):
        make_client().query("shop_details")
    assert len(shopify_http.calls) == 1


def test_internal_error_in_a_200_answer_is_retried_for_queries(shopify_http, make_client):
    internal = [{"message": "Internal error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
    shopify_http.post(ENDPOINT, json={"errors": internal})
    shopify_http.post(ENDPOINT, json=answer(SHOP_DATA))
    assert make_client().query("shop_details") == SHOP_DATA
    assert len(shopify_http.calls) == 2
