"""The simulated admin: the iframe URL it gives the app, and the scripts and tokens it serves."""
from __future__ import annotations

import base64
import html
import re
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests

from app.auth.oauth import verify_query_hmac
from tests.live_standins import running_shopify_stand_in
from tests.support import API_KEY, API_SECRET, APP_URL

SHOP = "test-shop.myshopify.com"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP)
        yield handle


def iframe_src(page: str) -> str:
    match = re.search(r'<iframe id="app-iframe"[^>]*\ssrc="([^"]+)"', page)
    assert match, "the admin page embeds no app iframe"
    return html.unescape(match.group(1))


def decode(token: str) -> dict:
    return jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY)


def test_the_admin_embeds_the_app_with_shopifys_signed_parameters(shopify):
    page = requests.get(shopify.admin_url(SHOP), timeout=5)
    assert page.status_code == 200
    src = iframe_src(page.text)
    assert src.startswith(f"{APP_URL}/app?")
    pairs = parse_qsl(urlsplit(src).query)
    params = dict(pairs)
    assert params["embedded"] == "1"
    assert params["shop"] == SHOP
    assert params["locale"] == "es"
    assert verify_query_hmac(pairs, API_SECRET)
    assert not verify_query_hmac(pairs, "another-secret")
    host = params["host"]
    assert not host.endswith("=")
    decoded_host = base64.b64decode(host + "=" * (-len(host) % 4)).decode()
    assert decoded_host == f"{urlsplit(shopify.url).netloc}/store/test-shop"
    claims = decode(params["id_token"])
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["iss"] == f"https://{SHOP}/admin"
    assert claims["sub"] == "1"
    assert claims["exp"] - claims["nbf"] == 60


def test_a_path_after_the_app_opens_that_page_of_the_app(shopify):
    src = iframe_src(requests.get(shopify.admin_url(SHOP, "/products"), timeout=5).text)
    assert src.startswith(f"{APP_URL}/app/products?")


def test_another_staff_member_gets_their_own_session_token(shopify):
    src = iframe_src(requests.get(shopify.admin_url(SHOP) + "?user=3", timeout=5).text)
    assert decode(dict(parse_qsl(urlsplit(src).query))["id_token"])["sub"] == "3"


def test_the_store_nav_and_app_link_are_on_the_page(shopify):
    page = requests.get(shopify.admin_url(SHOP), timeout=5).text
    assert SHOP in page
    assert 'id="app-nav"' in page
    assert shopify.config.app_name in page


@pytest.mark.parametrize("path", ["/store/nobody/apps/" + API_KEY, "/store/test-shop/apps/other"])
def test_an_unknown_store_or_app_is_not_found(shopify, path):
    assert requests.get(shopify.url + path, timeout=5).status_code == 404


def test_app_bridge_and_polaris_are_served_as_scripts(shopify):
    bridge = requests.get(f"{shopify.url}/cdn/app-bridge.js", timeout=5)
    assert bridge.status_code == 200
    assert bridge.headers["Content-Type"].startswith("text/javascript")
    assert "idToken" in bridge.text and "shopify-reload" in bridge.text
    polaris = requests.get(f"{shopify.url}/cdn/polaris.js", timeout=5)
    assert polaris.status_code == 200
    assert polaris.headers["Content-Type"].startswith("text/javascript")


def test_session_tokens_are_fresh_and_readable_only_by_the_app_origin(shopify):
    response = requests.get(f"{shopify.url}/standin/session-token",
                            params={"shop": SHOP, "user": "2"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP_URL
    claims = decode(response.json()["token"])
    assert claims["sub"] == "2" and claims["dest"] == f"https://{SHOP}"
    missing = requests.get(f"{shopify.url}/standin/session-token",
                           params={"shop": "nobody.myshopify.com"}, timeout=5)
    assert missing.status_code == 404


def test_the_front_page_lists_the_stores(shopify):
    page = requests.get(shopify.url + "/", timeout=5)
    assert page.status_code == 200
    assert SHOP in page.text


def test_the_orders_page_refunds_and_fulfils_and_shopify_sends_the_webhooks(shopify):
    shop = "admin-orders.myshopify.com"
    shopify.create_shop(shop, seed=True, installed=True)  # webhooks go to installed apps only
    placed = shopify.store.create_order(shop, line_items=[{"sku": "LAM-LED", "quantity": 1}])
    store_url = f"{shopify.url}/store/admin-orders"

    page = requests.get(f"{store_url}/orders", timeout=5)
    fulfilled = requests.post(f"{store_url}/orders/{placed['_number']}/fulfil", timeout=5,
                              data={"company": "Servientrega", "number": "G-1"})
    refunded = requests.post(f"{store_url}/orders/{placed['_number']}/refund", timeout=5)
    again = requests.post(f"{store_url}/orders/{placed['_number']}/refund", timeout=5)

    assert page.status_code == 200 and placed["name"] in page.text
    assert fulfilled.status_code == refunded.status_code == 200  # back on the orders page
    assert again.status_code == 422  # nothing left to refund: refused as Shopify refuses
    order = shopify.store.shop(shop).orders[placed["id"]]
    assert order["displayFinancialStatus"] == "REFUNDED" and len(order["_refunds"]) == 1
    topics = [d["topic"] for d in shopify.deliveries(shop=shop)]
    assert "fulfillments/create" in topics and "refunds/create" in topics
