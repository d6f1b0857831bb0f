"""The Shopify stand-in's OAuth over HTTP: the install page, its signed redirect, the code grant."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
import requests

from standins.shopify.signing import query_hmac
from tests.live_standins import running_shopify_stand_in
from tests.support import API_KEY, API_SECRET, APP_URL

SHOP = "test-shop.myshopify.com"
REDIRECT_URI = f"{APP_URL}/auth/callback"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP)
        yield handle


def shopify_hmac(params: dict, secret: str = API_SECRET) -> str:
    """Research §3, written out independently: sorted keys, form encoding with %20."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    message = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def authorize_url(shopify, **overrides) -> str:
    params = {"client_id": API_KEY, "scope": "read_products,write_orders",
              "redirect_uri": REDIRECT_URI, "state": "f00dfeed" * 4, "grant_options[]": ""}
    params.update(overrides)
    return f"{shopify.url}/{SHOP}/admin/oauth/authorize?{urlencode(params)}"


def approve(shopify, **overrides) -> dict:
    response = requests.post(authorize_url(shopify, **overrides), allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return dict(parse_qsl(urlsplit(location).query))


def token_request(shopify, **body) -> requests.Response:
    payload = {"client_id": API_KEY, "client_secret": API_SECRET, **body}
    return requests.post(f"{shopify.url}/{SHOP}/admin/oauth/access_token", json=payload, timeout=5)


def test_query_hmac_matches_shopifys_published_vectors():
    params = {"code": "0907a61c0c8d55e99db179b68161bc00", "shop": "some-shop.myshopify.com",
              "state": "0.6784241404160823", "timestamp": "1337178173"}
    assert query_hmac(params, "hush") == (
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf")
    del params["state"]
    assert query_hmac(params, "hush") == (
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20")


def test_install_page_lists_the_requested_scopes(shopify):
    page = requests.get(authorize_url(shopify), timeout=5)
    assert page.status_code == 200
    assert "read_products" in page.text and "write_orders" in page.text
    assert "Install app" in page.text


def test_approving_redirects_to_the_app_with_a_valid_hmac(shopify):
    params = approve(shopify)
    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["shop"] == SHOP
    assert params["state"] == "f00dfeed" * 4
    assert abs(int(params["timestamp"]) - time.time()) < 5
    assert hmac.compare_digest(params["hmac"], shopify_hmac(params))
    assert shopify_hmac(params, "another-secret") != params["hmac"]
    host = base64.b64decode(params["host"] + "=" * (-len(params["host"]) % 4)).decode()
    assert host == f"{urlsplit(shopify.url).netloc}/store/test-shop"


def test_a_code_is_worth_one_expiring_offline_token(shopify):
    code = approve(shopify)["code"]
    first = token_request(shopify, code=code, expiring="1")
    assert first.status_code == 200
    body = first.json()
    assert body["access_token"].startswith("shpat_")
    assert body["refresh_token"].startswith("shprt_")
    assert body["expires_in"] == 3600
    assert body["scope"] == "read_products,write_orders"
    again = token_request(shopify, code=code, expiring="1")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"


def test_a_code_without_expiring_gives_a_token_that_never_expires(shopify):
    body = token_request(shopify, code=approve(shopify)["code"]).json()
    assert body["access_token"].startswith("shpat_")
    assert "refresh_token" not in body and "expires_in" not in body


def test_per_user_grant_gives_an_online_token_with_the_staff_member(shopify):
    code = approve(shopify, **{"grant_options[]": "per-user"})["code"]
    body = token_request(shopify, code=code).json()
    assert body["access_token"].startswith("shpua_")
    assert body["associated_user"]["id"] == 1
    assert body["associated_user"]["account_owner"] is True
    assert body["associated_user_scope"] == "read_products,write_orders"


def test_the_token_endpoint_takes_a_form_body_too(shopify):
    code = approve(shopify)["code"]
    response = requests.post(f"{shopify.url}/{SHOP}/admin/oauth/access_token", timeout=5, data={
        "client_id": API_KEY, "client_secret": API_SECRET, "code": code})
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("shpat_")


def test_a_wrong_client_secret_is_refused(shopify):
    code = approve(shopify)["code"]
    response = token_request(shopify, code=code, client_secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_an_unknown_client_id_is_refused_on_both_endpoints(shopify):
    page = requests.get(authorize_url(shopify, client_id="someone-else"), timeout=5)
    assert page.status_code == 400
    assert "someone-else" in page.text
    response = token_request(shopify, code="whatever", client_id="someone-else")
    assert response.status_code == 400


def test_a_redirect_uri_outside_the_app_is_refused(shopify):
    page = requests.get(authorize_url(shopify, redirect_uri="https://evil.example/cb"), timeout=5)
    assert page.status_code == 400
    assert "redirect_uri is not whitelisted" in page.text


def test_an_unknown_shop_has_no_install_page(shopify):
    url = authorize_url(shopify).replace(SHOP, "nobody.myshopify.com")
    assert requests.get(url, timeout=5).status_code == 404
