"""Webhook delivery from the Shopify stand-in to a small receiver, over real HTTP."""
from __future__ import annotations

import hmac
import json
import threading

import pytest
import requests
from flask import Flask, request
from werkzeug.datastructures import Headers

from tests.live_standins import ServerThread, running_shopify_stand_in, wait_until
from tests.support import API_SECRET, webhook_hmac

SHOP = "test-shop.myshopify.com"
HEADERS = ("X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain",
           "X-Shopify-API-Version", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id",
           "X-Shopify-Triggered-At")


class Receiver:
    """A stand-in for the app's /webhooks: records every request, answers from a script."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        self._lock = threading.Lock()
        app = Flask(__name__)
        app.add_url_rule("/webhooks", "webhooks", self._receive, methods=["POST"])
        self.server = ServerThread(app).start()
        self.url = self.server.url

    def _receive(self):
        with self._lock:
            self.received.append({"headers": Headers(request.headers),
                                  "body": request.get_data()})
            status = self.answers.pop(0) if self.answers else 200
        return "", status

    def topics(self) -> list[str]:
        return [r["headers"]["X-Shopify-Topic"] for r in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.stop()


@pytest.fixture
def shopify(receiver):
    with running_shopify_stand_in(app_url=receiver.url) as handle:
        handle.create_shop(SHOP, installed=True)
        yield handle


def trigger(shopify, topic: str, payload: dict | None = None, shop: str = SHOP):
    body = {"shop": shop, "topic": topic}
    if payload is not None:
        body["payload"] = payload
    response = requests.post(f"{shopify.url}/standin/webhooks", json=body, timeout=5)
    assert response.status_code == 202, response.text
    return response.json()


def test_a_webhook_arrives_signed_with_shopifys_headers(shopify, receiver):
    payload = {"id": 450789469, "name": "#1001", "note": "Entrega en Medellín"}
    sent = trigger(shopify, "orders/create", payload)
    shopify.wait_for_webhooks()
    [delivery] = receiver.received
    headers, body = delivery["headers"], delivery["body"]
    assert all(name in headers for name in HEADERS)
    assert hmac.compare_digest(headers["X-Shopify-Hmac-Sha256"], webhook_hmac(body, API_SECRET))
    assert headers["X-Shopify-Hmac-Sha256"] != webhook_hmac(body, "another-secret")
    assert json.loads(body) == payload
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == SHOP
    assert headers["X-Shopify-API-Version"] == "2026-10"
    assert headers["X-Shopify-Event-Id"] == sent["event_id"]
    assert headers["X-Shopify-Webhook-Id"] == sent["webhook_ids"][0]
    [record] = shopify.deliveries(topic="orders/create")
    assert record["state"] == "delivered"
    assert record["attempts"][0]["status"] == 200


def test_a_failing_answer_is_retried_with_the_same_payload(shopify, receiver):
    receiver.answers = [500, 503]
    trigger(shopify, "products/update", {"id": 7})
    shopify.wait_for_webhooks()
    assert len(receiver.received) == 3
    assert len({r["body"] for r in receiver.received}) == 1
    assert len({r["headers"]["X-Shopify-Webhook-Id"] for r in receiver.received}) == 1
    [record] = shopify.deliveries()
    assert [a["status"] for a in record["attempts"]] == [500, 503, 200]
    assert record["state"] == "delivered"


def test_a_delivery_that_keeps_failing_gives_up_after_the_retries(shopify, receiver):
    receiver.answers = [500] * 10
    trigger(shopify, "orders/updated", {"id": 1})
    shopify.wait_for_webhooks()
    retries = len(shopify.config.webhook_retry_delays)
    assert len(receiver.received) == 1 + retries
    assert shopify.deliveries()[0]["state"] == "failed"


def test_each_event_can_arrive_several_times_with_one_event_id(shopify, receiver):
    requests.post(f"{shopify.url}/standin/webhooks/settings", json={"copies": 3}, timeout=5)
    trigger(shopify, "orders/create", {"id": 1})
    shopify.wait_for_webhooks()
    assert len(receiver.received) == 3
    assert len({r["headers"]["X-Shopify-Event-Id"] for r in receiver.received}) == 1
    assert len({r["headers"]["X-Shopify-Webhook-Id"] for r in receiver.received}) == 3


def test_out_of_order_delivers_held_events_newest_first(shopify, receiver):
    requests.post(f"{shopify.url}/standin/webhooks/settings", timeout=5,
                  json={"out_of_order": True, "hold_seconds": 30})
    for number in (1, 2, 3):
        trigger(shopify, "orders/updated", {"id": 1, "version": number})
    assert receiver.received == []
    released = requests.post(f"{shopify.url}/standin/webhooks/flush", timeout=5).json()
    assert released == {"released": 3}
    shopify.wait_for_webhooks()
    assert [json.loads(r["body"])["version"] for r in receiver.received] == [3, 2, 1]


def test_held_events_go_out_by_themselves_after_the_hold(shopify, receiver):
    requests.post(f"{shopify.url}/standin/webhooks/settings", timeout=5,
                  json={"out_of_order": True, "hold_seconds": 0.2})
    trigger(shopify, "orders/updated", {"id": 1, "version": 1})
    trigger(shopify, "orders/updated", {"id": 1, "version": 2})
    wait_until(lambda: len(receiver.received) == 2, timeout=5)
    assert [json.loads(r["body"])["version"] for r in receiver.received] == [2, 1]


def test_store_events_reach_the_app(shopify, receiver):
    shopify.store.emit(SHOP, "checkouts/create", {"id": 99, "token": "abc"})
    shopify.wait_for_webhooks()
    assert receiver.topics() == ["checkouts/create"]


def test_a_shop_without_the_app_sends_it_nothing_until_it_installs(shopify, receiver):
    shop = "new-shop.myshopify.com"
    shopify.create_shop(shop, seed=True)  # the seed places orders: no webhook for them
    shopify.store.emit(shop, "orders/create", {"id": 1})
    shopify.wait_for_webhooks()
    assert receiver.received == []
    session_token = shopify.session_token(shop)
    exchanged = requests.post(f"{shopify.url}/{shop}/admin/oauth/access_token", timeout=5, json={
        "client_id": shopify.config.api_key, "client_secret": shopify.config.api_secret,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": session_token,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token"})
    assert exchanged.status_code == 200
    shopify.store.emit(shop, "orders/create", {"id": 2})
    shopify.wait_for_webhooks()
    assert [json.loads(r["body"])["id"] for r in receiver.received] == [2]


def test_uninstalling_kills_tokens_and_sends_app_uninstalled(shopify, receiver):
    token = shopify.stand_in.tokens.issue_offline(SHOP, frozenset({"read_products"}),
                                                  expiring=True)["access_token"]
    response = requests.post(f"{shopify.url}/standin/shops/{SHOP}/uninstall", timeout=5)
    assert response.json()["uninstalled"] is True
    shopify.wait_for_webhooks()
    assert receiver.topics() == ["app/uninstalled"]
    assert json.loads(receiver.received[0]["body"])["myshopify_domain"] == SHOP
    assert shopify.stand_in.tokens.authenticate(token, SHOP) is None
    shopify.store.emit(SHOP, "orders/create", {"id": 5})
    shopify.wait_for_webhooks()
    assert receiver.topics() == ["app/uninstalled"]


def test_switching_delivery_off_records_without_sending(shopify, receiver):
    requests.post(f"{shopify.url}/standin/webhooks/settings", json={"enabled": False}, timeout=5)
    trigger(shopify, "customers/redact", {"shop_domain": SHOP, "customer": {"id": 1}})
    shopify.wait_for_webhooks()
    assert receiver.received == []
    assert shopify.deliveries()[0]["state"] == "suppressed"


@pytest.mark.parametrize("body, message", [
    ({"shop": "not a shop", "topic": "orders/create", "payload": {}}, "shop"),
    ({"shop": SHOP, "topic": "ORDERS_CREATE", "payload": {}}, "topic"),
    ({"shop": SHOP, "topic": "orders/create", "payload": [1]}, "payload"),
])
def test_a_bad_trigger_is_refused_with_the_reason(shopify, body, message):
    response = requests.post(f"{shopify.url}/standin/webhooks", json=body, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]


BULK_RUN = """mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }")
{ bulkOperation { id } userErrors { message } } }"""
SUBSCRIBE_BULK = """mutation { webhookSubscriptionCreate(topic: BULK_OPERATIONS_FINISH,
webhookSubscription: {uri: "http://127.0.0.1:9/bulk", format: JSON}) {
userErrors { message } } }"""


def test_bulk_finish_is_sent_only_to_an_app_subscribed_to_it(receiver):
    with running_shopify_stand_in(app_url=receiver.url,
                                  app_topics=frozenset({"orders/create"})) as shopify:
        shopify.create_shop(SHOP, installed=True)
        token = shopify.stand_in.tokens.issue_offline(SHOP, frozenset({"read_products"}),
                                                      expiring=False)["access_token"]

        def run_bulk(query: str) -> dict:
            response = requests.post(f"{shopify.url}/{SHOP}/admin/api/2026-10/graphql.json",
                                     json={"query": query}, timeout=10,
                                     headers={"X-Shopify-Access-Token": token})
            return response.json()["data"]

        first = run_bulk(BULK_RUN)["bulkOperationRunQuery"]["bulkOperation"]
        shopify.store.wait_bulk(first["id"])
        shopify.wait_for_webhooks()
        assert "bulk_operations/finish" not in receiver.topics()

        assert run_bulk(SUBSCRIBE_BULK)["webhookSubscriptionCreate"]["userErrors"] == []
        second = run_bulk(BULK_RUN)["bulkOperationRunQuery"]["bulkOperation"]
        shopify.store.wait_bulk(second["id"])
        shopify.wait_for_webhooks()
        [finish] = [r for r in receiver.received
                    if r["headers"]["X-Shopify-Topic"] == "bulk_operations/finish"]
        payload = json.loads(finish["body"])
        assert (payload["admin_graphql_api_id"], payload["status"]) == (second["id"],
                                                                        "completed")
