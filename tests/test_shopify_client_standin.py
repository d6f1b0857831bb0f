"""ShopifyClient against the Shopify stand-in's GraphQL engine (real schema, cost and bucket)."""
from __future__ import annotations

import json

import pytest
import responses

from app.clients.shopify import ShopifyClient, ShopifyForbidden, ThrottleState
from standins.shopify.graphql_api import execute_admin_graphql
from standins.shopify.store import ShopifyStore
from tests.test_shopify_client import FakeClock

SHOP = "tienda-andina.myshopify.com"
ENDPOINT = f"https://{SHOP}/admin/api/2026-10/graphql.json"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock) -> ShopifyStore:
    store = ShopifyStore(clock=clock)
    store.create_shop(SHOP, seed=True)
    return store


@pytest.fixture
def granted() -> set[str]:
    return {"read_locations", "read_products"}


@pytest.fixture
def stand_in(store, granted):
    def answer(request):
        status, body = execute_admin_graphql(store, SHOP, json.loads(request.body),
                                             granted_scopes=granted, api_version="2026-10")
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, ENDPOINT, callback=answer)
        yield mocked


@pytest.fixture
def client(clock) -> ShopifyClient:
    return ShopifyClient(SHOP, base_url=f"https://{SHOP}", api_version="2026-10",
                         access_token=lambda: "tok-standin", sleep=clock.sleep,
                         throttle=ThrottleState(clock=clock))


def test_shop_details_and_every_active_location(stand_in, client):
    shop = client.query("shop_details")["shop"]
    assert shop["myshopifyDomain"] == SHOP and shop["currencyCode"]
    one_by_one = list(client.paginate("locations", {"first": 1}, path=("locations",)))
    at_once = list(client.paginate("locations", path=("locations",)))
    assert one_by_one == at_once and len(at_once) >= 1
    assert all(location["isActive"] for location in at_once)
    assert len(stand_in.calls) == 1 + len(at_once) + 1


def test_missing_scope_is_reported_as_forbidden(stand_in, client, granted):
    granted.clear()
    with pytest.raises(ShopifyForbidden) as raised:
        client.query("locations", {"first": 5})
    assert "read_locations" in raised.value.merchant_message


def test_empty_bucket_is_waited_out_and_the_query_succeeds(stand_in, client, store, clock):
    client.query("locations", {"first": 250})
    requested = client.last_cost["requestedQueryCost"]
    rate = client.last_cost["throttleStatus"]["restoreRate"]
    store.bucket(SHOP).drain()  # a neighbour app spent every point
    clock.sleeps.clear()
    assert client.query("locations", {"first": 250})["locations"]["nodes"]
    assert clock.sleeps[0] == pytest.approx(requested / rate)
    assert sum(clock.sleeps) == pytest.approx(requested / rate, abs=0.05)
