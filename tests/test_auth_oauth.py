"""Classic OAuth: query HMAC, the state cookie, the code grant and the way back to the admin."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
import responses
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.auth.oauth import STATE_SALT, query_hmac, verify_query_hmac
from app.extensions import db
from app.models import Shop
from tests.support import API_KEY, API_SECRET, APP_URL, shop_details_payload, shopify_token_grant

SHOP = "test-shop.myshopify.com"
TOKEN_URL = f"https://{SHOP}/admin/oauth/access_token"
GRAPHQL_URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
HOSTILE = ["evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com"]
VECTOR = ("code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com"
          "&state=0.6784241404160823&timestamp=1337178173")


def test_the_shopify_documentation_vectors_pass():
    assert query_hmac(parse_qsl(VECTOR), "hush") == (
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf")
    without_state = VECTOR.replace("&state=0.6784241404160823", "")
    assert query_hmac(parse_qsl(without_state), "hush") == (
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20")
    vector_hmac = "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    signed = parse_qsl(VECTOR) + [("hmac", vector_hmac)]
    assert verify_query_hmac(signed, "hush", now=1337178173 + 30)


def test_a_value_with_a_space_is_signed_with_percent_20():
    message = "shop=some-shop.myshopify.com&timestamp=1700000000&title=Mi%20Tienda"
    expected = hmac.new(b"hush", message.encode(), hashlib.sha256).hexdigest()
    pairs = [("title", "Mi Tienda"), ("shop", "some-shop.myshopify.com"),
             ("timestamp", "1700000000"), ("hmac", expected)]
    assert verify_query_hmac(pairs, "hush", now=1700000000)


def signed_pairs(timestamp: int, secret: str = "hush") -> list[tuple[str, str]]:
    pairs = [("shop", "some-shop.myshopify.com"), ("timestamp", str(timestamp))]
    return pairs + [("hmac", query_hmac(pairs, secret))]


def test_the_timestamp_must_be_within_90_seconds():
    now = 1_700_000_000
    assert verify_query_hmac(signed_pairs(now - 90), "hush", now=now)
    assert verify_query_hmac(signed_pairs(now + 90), "hush", now=now)
    assert not verify_query_hmac(signed_pairs(now - 91), "hush", now=now)
    assert not verify_query_hmac(signed_pairs(now + 91), "hush", now=now)


def test_a_wrong_secret_a_tampered_value_or_a_missing_timestamp_fail():
    now = 1_700_000_000
    assert not verify_query_hmac(signed_pairs(now, secret="other"), "hush", now=now)
    tampered = [("shop", "evil-shop.myshopify.com"), *signed_pairs(now)[1:]]
    assert not verify_query_hmac(tampered, "hush", now=now)
    no_stamp = [("shop", "a.myshopify.com")]
    no_stamp += [("hmac", query_hmac(no_stamp, "hush"))]
    assert not verify_query_hmac(no_stamp, "hush", now=now)
    text_stamp = [("shop", "a.myshopify.com"), ("timestamp", "soon")]
    assert not verify_query_hmac(text_stamp + [("hmac", query_hmac(text_stamp, "hush"))], "hush")


@pytest.fixture
def shopify_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def begin(client, shop=SHOP):
    response = client.get(f"/auth?shop={shop}")
    cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
    return response, cookie


def test_begin_redirects_to_consent_with_a_short_lived_strict_state_cookie(client, app):
    response, cookie = begin(client)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"https://{SHOP}/admin/oauth/authorize"
    query = parse_qs(target.query, keep_blank_values=True)
    assert query["client_id"] == [API_KEY]
    assert query["redirect_uri"] == [f"{APP_URL}/auth/callback"]
    assert query["scope"] == [app.config["SETTINGS"].shopify_scopes]
    assert query["grant_options[]"] == [""]
    state = query["state"][0]
    assert len(state) == 64 and int(state, 16) >= 0
    morsel = cookie["shopify_app_state"]
    assert morsel["max-age"] == "60" and morsel["path"] == "/auth/callback"
    assert morsel["samesite"] == "Lax" and morsel["secure"] and morsel["httponly"]
    assert state not in morsel.value  # signed and encoded, not the bare nonce


def test_begin_inside_the_iframe_leaves_it_first(client):
    response = client.get(f"/auth?shop={SHOP}&embedded=1")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="{APP_URL}/auth?shop={SHOP}" target="_top"' in body
    assert "Set-Cookie" not in response.headers


def callback_query(state: str, *, shop: str = SHOP, timestamp: int | None = None) -> str:
    pairs = [("code", "auth-code-123"), ("shop", shop), ("state", state),
             ("timestamp", str(timestamp or int(time.time())))]
    return urlencode(pairs + [("hmac", query_hmac(pairs, API_SECRET))])


def test_callback_exchanges_the_code_installs_and_opens_the_app_in_the_admin(client, shopify_http):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_oauth", "shprt_oauth"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())
    consent, _ = begin(client)
    state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]

    callback_url = f"/auth/callback?{callback_query(state)}"
    response = client.get(callback_url)

    assert response.status_code == 302
    assert response.headers["Location"] == f"https://admin.shopify.com/store/test-shop/apps/{API_KEY}"
    assert json.loads(shopify_http.calls[0].request.body) == {
        "client_id": API_KEY, "client_secret": API_SECRET, "code": "auth-code-123", "expiring": "1"}
    shop = db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one()
    assert shop.access_token == "shpat_oauth" and shop.refresh_token == "shprt_oauth"
    assert shop.name == "Tienda Bogotá" and shop.installed_at is not None
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert client.get(callback_url).status_code == 403  # the state works once
    assert len(shopify_http.calls) == 2


def test_callback_without_the_state_cookie_is_refused_before_any_token_request(shopify_http, app):
    fresh = app.test_client()
    response = fresh.get(f"/auth/callback?{callback_query('a' * 64)}")
    assert response.status_code == 403
    assert len(shopify_http.calls) == 0


def test_a_state_cookie_older_than_60_seconds_is_refused(client, shopify_http, app):
    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 61

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=STATE_SALT, signer=SignedLongAgo)
    state = "c" * 64
    client.set_cookie("shopify_app_state", old.dumps({"state": state, "shop": SHOP}),
                      path="/auth/callback")
    assert client.get(f"/auth/callback?{callback_query(state)}").status_code == 403
    assert len(shopify_http.calls) == 0


def test_callback_with_another_state_is_refused(client, shopify_http):
    begin(client)
    response = client.get(f"/auth/callback?{callback_query('b' * 64)}")
    assert response.status_code == 403
    assert len(shopify_http.calls) == 0


def test_callback_with_a_bad_hmac_is_refused(client, shopify_http):
    consent, _ = begin(client)
    state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]
    query = callback_query(state).replace("auth-code-123", "stolen-code")
    assert client.get(f"/auth/callback?{query}").status_code == 403
    assert len(shopify_http.calls) == 0


def test_callback_with_an_old_timestamp_is_refused(client, shopify_http):
    consent, _ = begin(client)
    state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]
    query = callback_query(state, timestamp=int(time.time()) - 91)
    assert client.get(f"/auth/callback?{query}").status_code == 403
    assert len(shopify_http.calls) == 0


def test_callback_for_another_shop_than_the_one_started_is_refused(client, shopify_http):
    consent, _ = begin(client)
    state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]
    query = callback_query(state, shop="other-shop.myshopify.com")
    assert client.get(f"/auth/callback?{query}").status_code == 403
    assert len(shopify_http.calls) == 0


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_shops_are_rejected_by_begin_and_callback(client, shopify_http, hostile):
    response = client.get(f"/auth?shop={hostile}")
    assert response.status_code == 400
    assert "Location" not in response.headers and "Set-Cookie" not in response.headers
    consent, _ = begin(client)
    state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]
    refused = client.get(f"/auth/callback?{callback_query(state, shop=hostile)}")
    assert refused.status_code in (400, 403)
    exit_page = client.get("/auth/exit-iframe?" + urlencode(
        {"exitIframe": f"{APP_URL}/auth?shop={SHOP}", "shop": hostile}))
    assert exit_page.status_code == 400
    assert len(shopify_http.calls) == 0


@pytest.mark.parametrize("target", [
    f"{APP_URL}/auth?shop={SHOP}",
    f"https://{SHOP}/admin/apps/{API_KEY}",
    f"https://admin.shopify.com/store/test-shop/apps/{API_KEY}",
])
def test_exit_iframe_opens_this_app_or_the_shops_admin(client, target):
    response = client.get("/auth/exit-iframe?" + urlencode({"exitIframe": target, "shop": SHOP}))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'href="{target.replace("&", "&amp;")}" target="_top"' in body
    assert 'window.open(link.href, "_top")' in body


@pytest.mark.parametrize("target", [
    "https://evil.com/phish",
    "https://evil.com@admin.shopify.com.evil.com/",
    "javascript:alert(1)",
    "//evil.com/x",
    "https://other-shop.myshopify.com/admin",
    "https://admin.shopify.com/store/other-shop/apps/x",
    "http://test-shop.myshopify.com/admin",
])
def test_exit_iframe_refuses_any_other_destination(client, target):
    response = client.get("/auth/exit-iframe?" + urlencode({"exitIframe": target, "shop": SHOP}))
    assert response.status_code == 400
    assert target not in response.get_data(as_text=True)
