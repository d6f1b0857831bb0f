"""Token exchange, rotating refresh tokens and the Admin API's token check, over HTTP."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.live_standins import running_shopify_stand_in
from tests.support import API_KEY, API_SECRET, APP_URL, mint_session_token

SHOP = "test-shop.myshopify.com"
OTHER_SHOP = "other-shop.myshopify.com"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in(access_token_lifetime=120, refresh_token_lifetime=600) as handle:
        handle.create_shop(SHOP)
        handle.create_shop(OTHER_SHOP)
        yield handle


def token_endpoint(shopify, shop: str = SHOP, **body) -> requests.Response:
    payload = {"client_id": API_KEY, "client_secret": API_SECRET, **body}
    return requests.post(f"{shopify.url}/{shop}/admin/oauth/access_token", json=payload, timeout=5)


def exchange(shopify, session_token: str, *, requested: str = OFFLINE, shop: str = SHOP):
    return token_endpoint(shopify, shop, grant_type=TOKEN_EXCHANGE, subject_token=session_token,
                          subject_token_type=ID_TOKEN, requested_token_type=requested,
                          expiring="1")


def refresh(shopify, refresh_token: str) -> requests.Response:
    return token_endpoint(shopify, grant_type="refresh_token", refresh_token=refresh_token)


def shop_name(shopify, access_token: str, shop: str = SHOP) -> requests.Response:
    return requests.post(f"{shopify.url}/{shop}/admin/api/2026-10/graphql.json", timeout=10,
                         json={"query": "{ shop { name } }"},
                         headers={"X-Shopify-Access-Token": access_token})


def approved_code(shopify) -> str:
    """Approve the install page (offline access): the code Shopify sends to the callback."""
    query = urlencode({"client_id": API_KEY, "scope": "read_products",
                       "redirect_uri": f"{APP_URL}/auth/callback", "state": "s"})
    response = requests.post(f"{shopify.url}/{SHOP}/admin/oauth/authorize?{query}",
                             allow_redirects=False, timeout=5)
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]


def refresh_calls(shopify, shop: str = SHOP) -> int:
    stats = requests.get(f"{shopify.url}/standin/tokens", timeout=5).json()["shops"]
    return stats.get(shop, {}).get("refresh_calls", 0)


def test_a_valid_session_token_gets_an_expiring_offline_token(shopify):
    response = exchange(shopify, mint_session_token(SHOP))
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("shpat_")
    assert body["refresh_token"].startswith("shprt_")
    assert body["expires_in"] == 120
    assert body["refresh_token_expires_in"] == 600
    assert "write_products" in body["scope"].split(",")
    assert shop_name(shopify, body["access_token"]).status_code == 200


@pytest.mark.parametrize("bad_token", [
    pytest.param(mint_session_token(SHOP, secret="wrong-secret"), id="wrong signature"),
    pytest.param(mint_session_token(SHOP, audience="another-app"), id="another app"),
    pytest.param(mint_session_token(OTHER_SHOP), id="another shop"),
    pytest.param(mint_session_token(SHOP, issued_at=1_700_000_000), id="expired"),
    pytest.param("not-a-jwt", id="garbage"),
])
def test_an_invalid_session_token_is_refused(shopify, bad_token):
    response = exchange(shopify, bad_token)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_subject_token"}


def test_an_online_token_names_the_staff_member(shopify):
    body = exchange(shopify, mint_session_token(SHOP, user_id="2"), requested=ONLINE).json()
    assert body["access_token"].startswith("shpua_")
    assert body["associated_user"]["id"] == 2
    assert body["associated_user"]["account_owner"] is False
    assert body["associated_user"]["email"]
    assert body["associated_user_scope"] == body["scope"]
    assert body["expires_in"] > 0


def test_refresh_rotates_and_the_old_token_dies_once_the_new_one_is_used(shopify):
    first = exchange(shopify, mint_session_token(SHOP)).json()
    before = refresh_calls(shopify)
    second = refresh(shopify, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    # A lost response: the previous refresh token still works until the new token is used.
    retried = refresh(shopify, first["refresh_token"])
    assert retried.status_code == 200
    assert shop_name(shopify, retried.json()["access_token"]).status_code == 200
    refused = refresh(shopify, first["refresh_token"])
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant"}
    assert refresh(shopify, retried.json()["refresh_token"]).status_code == 200
    assert refresh_calls(shopify) == before + 4


def test_an_unknown_refresh_token_is_refused(shopify):
    response = refresh(shopify, "shprt_" + "0" * 32)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_a_non_expiring_token_migrates_to_an_expiring_pair(shopify):
    code = approved_code(shopify)
    old = token_endpoint(shopify, code=code).json()["access_token"]
    migrated = token_endpoint(shopify, grant_type=TOKEN_EXCHANGE, subject_token=old,
                              subject_token_type=OFFLINE, requested_token_type=OFFLINE,
                              expiring="1")
    assert migrated.status_code == 200
    assert migrated.json()["refresh_token"].startswith("shprt_")
    assert shop_name(shopify, old).status_code == 401


@pytest.mark.parametrize("token", ["", "shpat_unknown", "Bearer nonsense"])
def test_graphql_with_a_bad_token_is_401_like_shopify(shopify, token):
    response = shop_name(shopify, token)
    assert response.status_code == 401
    assert response.json() == {"errors": INVALID_TOKEN}


def test_a_token_only_opens_its_own_shop(shopify):
    token = exchange(shopify, mint_session_token(SHOP)).json()["access_token"]
    assert shop_name(shopify, token, OTHER_SHOP).status_code == 401


def test_an_expired_access_token_is_401_and_refresh_recovers(shopify):
    body = exchange(shopify, mint_session_token(SHOP)).json()
    expired = requests.post(f"{shopify.url}/standin/tokens/expire", timeout=5,
                            json={"shop": SHOP, "which": "access"}).json()["expired"]
    assert expired >= 1
    assert shop_name(shopify, body["access_token"]).status_code == 401
    fresh = refresh(shopify, body["refresh_token"]).json()["access_token"]
    assert shop_name(shopify, fresh).status_code == 200


def test_an_unknown_shop_is_404(shopify):
    response = shop_name(shopify, "shpat_x", "nobody.myshopify.com")
    assert response.status_code == 404
