"""Webhooks over real HTTP from the Shopify stand-in to the running app: signed deliveries,
duplicates with one event id, out-of-order arrival, uninstall and a privacy request."""
from __future__ import annotations

import time

import pytest
import requests

from app.extensions import db
from app.models import ComplianceRequest, Shop, WebhookEvent, WebhookStatus
from tests.conftest import create_shop, run_pending_jobs
from tests.live_standins import running_app, running_shopify_stand_in, stand_in_settings, wait_until

pytestmark = pytest.mark.e2e
SHOP = "test-shop.myshopify.com"


@pytest.fixture
def shopify_stand_in():
    with running_shopify_stand_in(webhook_copies=3) as handle:
        handle.create_shop(SHOP, installed=True)
        yield handle


@pytest.fixture
def app(shopify_stand_in, tmp_path):
    settings = stand_in_settings(tmp_path, shopify=shopify_stand_in)
    with running_app(settings, shopify=shopify_stand_in) as running:
        with running.app.app_context():
            create_shop(SHOP)
            yield running


def _events() -> list[WebhookEvent]:
    db.session.expire_all()
    return list(db.session.execute(db.select(WebhookEvent).order_by(WebhookEvent.id)).scalars())


def _answers(shopify_stand_in) -> list[int]:
    return [attempt["status"] for d in shopify_stand_in.deliveries() for attempt in d["attempts"]]


def test_an_uninstall_delivered_three_times_is_stored_once_and_cleans_up(shopify_stand_in, app):
    response = requests.post(f"{shopify_stand_in.url}/standin/shops/{SHOP}/uninstall", timeout=5)
    assert response.json()["uninstalled"] is True
    shopify_stand_in.wait_for_webhooks()

    assert _answers(shopify_stand_in) == [200, 200, 200]
    [event] = _events()
    assert event.topic == "app/uninstalled" and event.status == WebhookStatus.RECEIVED
    assert run_pending_jobs() == 1
    db.session.expire_all()
    shop = db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one()
    assert shop.uninstalled_at is not None
    assert shop.access_token is None and shop.refresh_token is None


def test_scope_changes_arriving_newest_first_leave_the_newest_scopes(shopify_stand_in, app):
    requests.post(
        f"{shopify_stand_in.url}/standin/webhooks/settings",
        json={"out_of_order": True, "copies": 1},
        timeout=5,
    )
    shopify_stand_in.stand_in.update_scopes(SHOP, {"read_products"})
    time.sleep(0.01)
    shopify_stand_in.stand_in.update_scopes(SHOP, {"read_products", "read_orders"})
    requests.post(f"{shopify_stand_in.url}/standin/webhooks/flush", timeout=5)
    shopify_stand_in.wait_for_webhooks()

    arrived = [e.payload["current"] for e in _events()]
    assert arrived == [["read_orders", "read_products"], ["read_products"]]
    assert run_pending_jobs() == 2
    db.session.expire_all()
    shop = db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one()
    assert shop.scopes == "read_orders,read_products"


def test_a_privacy_request_from_the_stand_in_is_answered_and_recorded(shopify_stand_in, app):
    payload = {
        "shop_domain": SHOP,
        "customer": {"id": 7, "email": "x@example.com"},
        "orders_requested": [],
        "data_request": {"id": 31},
    }
    body = {"shop": SHOP, "topic": "customers/data_request", "payload": payload}
    sent = requests.post(f"{shopify_stand_in.url}/standin/webhooks", json=body, timeout=5)
    assert sent.status_code == 202
    shopify_stand_in.wait_for_webhooks()

    assert _answers(shopify_stand_in) == [200, 200, 200]
    run_pending_jobs()
    request = wait_until(
        lambda: db.session.execute(db.select(ComplianceRequest)).scalar_one_or_none()
    )
    assert (request.topic, request.shopify_customer_id, request.request_id) == (
        "customers/data_request",
        "7",
        "31",
    )
