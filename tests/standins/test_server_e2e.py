"""The real app, served over HTTP, against the Shopify stand-in: what the demo relies on."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from app.models import Shop
from tests.live_standins import running_app, running_shopify_stand_in, stand_in_settings, wait_until

pytestmark = pytest.mark.e2e
SHOP = "test-shop.myshopify.com"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP, seed=True)
        yield handle


@pytest.fixture
def app(shopify, tmp_path):
    with running_app(stand_in_settings(tmp_path, shopify=shopify), shopify=shopify) as running:
        yield running


def iframe_url(shopify) -> str:
    page = requests.get(shopify.admin_url(SHOP), timeout=10).text
    return html.unescape(re.search(r'id="app-iframe"[^>]*\ssrc="([^"]+)"', page).group(1))


def token_stats(shopify) -> dict:
    return requests.get(f"{shopify.url}/standin/tokens", timeout=5).json()["shops"].get(SHOP, {})


def test_the_app_is_healthy_and_points_at_the_stand_in(shopify, app):
    assert app.get("/healthz").status_code == 200
    assert app.settings.shop_base_url(SHOP) == f"{shopify.url}/{SHOP}"
    assert shopify.config.app_url == app.url


def test_opening_the_app_in_the_admin_installs_it_by_token_exchange(shopify, app):
    url = iframe_url(shopify)
    assert url.startswith(app.url + "/app?")
    response = app.get(url, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert "text/html" in response.headers["Content-Type"]
    stats = token_stats(shopify)
    assert stats["token_exchange_calls"] >= 1
    assert stats["live_access_tokens"] >= 1
    with app.app.app_context():
        installed = Shop.query.filter_by(domain=SHOP).one()
        assert installed.is_installed
        assert installed.name == "Tienda Andina"  # read from the stand-in's Admin GraphQL
        assert installed.refresh_token.startswith("shprt_")


def test_without_an_id_token_the_app_bounces_through_app_bridge(shopify, app):
    params = dict(parse_qsl(urlsplit(iframe_url(shopify)).query))
    del params["id_token"]
    response = app.get(f"/app?{urlencode(params)}", allow_redirects=False)
    assert response.status_code in (302, 303)
    bounce = response.headers["Location"]
    assert urlsplit(bounce).path == "/auth/session-token"
    assert dict(parse_qsl(urlsplit(bounce).query))["shopify-reload"].startswith(app.url + "/app")
    page = app.get(bounce if bounce.startswith("http") else app.url + bounce)
    assert page.status_code == 200
    assert f'src="{shopify.url}/cdn/app-bridge.js"' in page.text


def test_the_apps_webhook_endpoint_accepts_the_stand_ins_signature(shopify, app):
    requests.post(f"{shopify.url}/standin/webhooks", timeout=5, json={
        "shop": SHOP, "topic": "customers/data_request",
        "payload": {"shop_domain": SHOP, "customer": {"id": 1, "email": "a@example.com"},
                    "orders_requested": [], "data_request": {"id": 9}}})
    shopify.wait_for_webhooks()
    [delivery] = shopify.deliveries(topic="customers/data_request")
    assert delivery["attempts"][-1]["status"] == 200, delivery["attempts"]


def test_uninstalling_in_the_admin_reaches_the_apps_worker(shopify, tmp_path):
    # Last in the module: the shared stand-in's shop is uninstalled afterwards.
    settings = stand_in_settings(tmp_path / "worker", shopify=shopify)
    with running_app(settings, shopify=shopify, worker=True) as app:
        assert app.get(iframe_url(shopify), timeout=30).status_code == 200
        requests.post(f"{shopify.url}/standin/shops/{SHOP}/uninstall", timeout=5)
        shopify.wait_for_webhooks()

        def uninstalled():
            with app.app.app_context():
                return Shop.query.filter_by(domain=SHOP).one().uninstalled_at is not None

        wait_until(uninstalled, timeout=15)
        [delivery] = shopify.deliveries(topic="app/uninstalled")
        assert delivery["attempts"][-1]["status"] == 200
