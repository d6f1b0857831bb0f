"""Fault knobs of the Shopify stand-in: 429, 5xx, latency, timeouts, a script, a seed."""
from __future__ import annotations

import time

import pytest
import requests

from tests.live_standins import running_shopify_stand_in
from tests.support import API_KEY, API_SECRET

SHOP = "test-shop.myshopify.com"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP)
        yield handle


@pytest.fixture(autouse=True)
def no_faults_after(shopify):
    yield
    requests.delete(f"{shopify.url}/standin/faults", timeout=5)


def graphql(shopify, timeout: float = 5) -> requests.Response:
    return requests.post(f"{shopify.url}/{SHOP}/admin/api/2026-10/graphql.json", timeout=timeout,
                         json={"query": "{ shop { name } }"},
                         headers={"X-Shopify-Access-Token": "shpat_not_issued"})


def test_a_scripted_sequence_answers_exactly_that(shopify):
    shopify.faults(sequence=[429, 503, "ok"], retry_after=2)
    first, second, third = graphql(shopify), graphql(shopify), graphql(shopify)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "2.0"
    assert "Reduce request rates" in first.json()["errors"]
    assert second.status_code == 503
    assert third.status_code == 401  # the real answer once the script is used up
    assert graphql(shopify).status_code == 401


def test_a_lost_answer_runs_the_request_then_answers_504_for_the_named_operations(shopify):
    shopify.faults(sequence=["lost"], operations=["refundCreate"])
    assert graphql(shopify).status_code == 401  # another operation: untouched, script kept
    lost = requests.post(f"{shopify.url}/{SHOP}/admin/api/2026-10/graphql.json", timeout=5,
                         json={"query": "mutation { refundCreate(input: {orderId: \"x\"}) "
                                        "{ refund { id } } }"},
                         headers={"X-Shopify-Access-Token": "shpat_not_issued"})
    assert lost.status_code == 504  # the real answer (401 here) never reaches the caller
    assert requests.get(f"{shopify.url}/standin/faults", timeout=5).json()["injected"] == {
        "lost": 1}
    with pytest.raises(requests.HTTPError):
        shopify.faults(sequence=["vanished"])


def test_a_429_rate_of_one_throttles_every_call_and_counts_them(shopify):
    shopify.faults(rate_429=1.0)
    assert [graphql(shopify).status_code for _ in range(3)] == [429, 429, 429]
    assert requests.get(f"{shopify.url}/standin/faults", timeout=5).json()["injected"] == {"429": 3}


def test_a_5xx_rate_answers_the_chosen_server_error(shopify):
    shopify.faults(rate_5xx=1.0, status_5xx=502)
    response = graphql(shopify)
    assert response.status_code == 502
    assert response.json() == {"errors": "Bad Gateway"}


def test_added_latency_slows_every_call(shopify):
    shopify.faults(latency_ms=300)
    started = time.monotonic()
    assert graphql(shopify).status_code == 401
    assert time.monotonic() - started >= 0.3


def test_a_timeout_holds_the_connection_past_the_clients_patience(shopify):
    shopify.faults(rate_timeout=1.0, timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        graphql(shopify, timeout=0.3)


def test_the_same_seed_fails_the_same_calls(shopify):
    def run() -> list[int]:
        shopify.faults(rate_5xx=0.5, seed=7)
        return [graphql(shopify).status_code for _ in range(16)]

    first = run()
    assert first == run()
    assert {401, 503} <= set(first)


def test_faults_target_the_admin_api_unless_oauth_is_named(shopify):
    shopify.faults(rate_5xx=1.0)
    token = requests.post(f"{shopify.url}/{SHOP}/admin/oauth/access_token", timeout=5, json={
        "client_id": API_KEY, "client_secret": API_SECRET, "code": "unknown"})
    assert token.status_code == 400
    shopify.faults(rate_5xx=1.0, targets=["oauth"])
    token = requests.post(f"{shopify.url}/{SHOP}/admin/oauth/access_token", timeout=5, json={
        "client_id": API_KEY, "client_secret": API_SECRET, "code": "unknown"})
    assert token.status_code == 503
    assert graphql(shopify).status_code == 401


def test_deleting_the_faults_restores_normal_answers(shopify):
    shopify.faults(rate_429=1.0)
    requests.delete(f"{shopify.url}/standin/faults", timeout=5)
    assert graphql(shopify).status_code == 401


@pytest.mark.parametrize("knobs, message", [
    ({"rate_429": 1.5}, "between 0 and 1"),
    ({"rate_429": 0.6, "rate_5xx": 0.6}, "must not exceed 1"),
    ({"status_5xx": 418}, "status_5xx"),
    ({"targets": ["storefront"]}, "unknown targets"),
    ({"sequence": [200]}, "sequence step"),
    ({"latency": 5}, "unknown fault settings"),
])
def test_nonsense_settings_are_refused_with_the_reason(shopify, knobs, message):
    response = requests.post(f"{shopify.url}/standin/faults", json=knobs, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_small_bucket_throttles_costly_queries_like_shopify(shopify):
    token = shopify.stand_in.tokens.issue_offline(
        SHOP, frozenset({"read_products"}), expiring=True)["access_token"]
    shopify.faults(throttle={"size": 10, "restore_rate": 1})
    try:
        response = requests.post(
            f"{shopify.url}/{SHOP}/admin/api/2026-10/graphql.json", timeout=10,
            json={"query": "{ products(first: 50) { nodes { id title } } }"},
            headers={"X-Shopify-Access-Token": token})
        assert response.status_code == 200
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
        status = body["extensions"]["cost"]["throttleStatus"]
        assert status["maximumAvailable"] == 10 and status["restoreRate"] == 1
    finally:
        shopify.faults(throttle={"preset": "standard"})
