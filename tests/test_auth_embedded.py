"""@embedded_view: what the admin, App Bridge and htmx see for good and bad sessions."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from flask import Blueprint, render_template_string

from app.auth.embedded import embedded_url, embedded_view
from tests.support import (
    API_KEY,
    APP_URL,
    csp_directive,
    embedded_query,
    encoded_host,
    htmx_headers,
    mint_session_token,
)

SHOP = "test-shop.myshopify.com"
PAGE = "/app/auth-probe"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

probe = Blueprint("auth_probe", __name__, url_prefix=PAGE)


@probe.route("", methods=["GET", "POST"])
@embedded_view
def page():
    return render_template_string(
        "<p>shop={{ g.shop_domain }} user={{ g.user_id }} name={{ g.shop.name }} "
        "host={{ g.host }} locale={{ g.locale }}</p><a href=\"{{ link }}\">next</a>",
        link=embedded_url("auth_probe.page", tab="orders"),
    )


@pytest.fixture
def client(app):
    app.register_blueprint(probe)
    with responses.RequestsMock() as no_network:  # any call to Shopify would fail the test
        yield app.test_client()
        assert not no_network.calls


def test_a_document_load_with_a_valid_token_renders_for_the_tokens_shop(client, shop):
    token = mint_session_token(SHOP, user_id="7")
    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=token, locale='en-US')}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"shop={SHOP} user=7 name=Test Shop" in body
    assert f"host={encoded_host(SHOP)}" in body and "locale=en" in body
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("claimed", ["evil", "evil-shop.myshopify.com", "evil.com"])
def test_the_shop_in_the_query_is_ignored_in_favour_of_the_token(client, shop, other_shop, claimed):
    token = mint_session_token(SHOP)
    response = client.get(f"{PAGE}?embedded=1&shop={claimed}&id_token={token}")
    assert response.status_code == 200
    assert f"shop={SHOP}" in response.get_data(as_text=True)
    assert claimed not in response.headers["Content-Security-Policy"]


def test_links_built_with_embedded_url_keep_the_embedded_parameters(client, shop):
    token = mint_session_token(SHOP)
    body = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=token)}").get_data(as_text=True)
    href = body.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == PAGE
    assert query == {"shop": [SHOP], "host": [encoded_host(SHOP)], "embedded": ["1"],
                     "locale": ["es"], "tab": ["orders"]}


def test_htmx_request_with_an_expired_token_gets_401_and_the_retry_header(client, shop):
    expired = mint_session_token(SHOP, issued_at=time.time() - 120)
    response = client.post(PAGE, headers=htmx_headers(expired))
    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_htmx_request_without_a_token_gets_401_and_the_retry_header(client, shop):
    response = client.get(PAGE, headers=htmx_headers(None))
    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_fetch_with_a_bearer_token_for_another_app_gets_401(client, shop):
    token = mint_session_token(SHOP, audience="another-app")
    response = client.get(PAGE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_htmx_request_with_a_valid_bearer_token_runs_the_view(client, shop):
    response = client.post(PAGE, headers=htmx_headers(mint_session_token(SHOP, user_id="9")))
    assert response.status_code == 200
    assert f"shop={SHOP} user=9" in response.get_data(as_text=True)


def test_cookies_alone_never_authenticate(client, shop):
    client.set_cookie("session", "anything")
    assert client.get(PAGE, headers={"HX-Request": "true"}).status_code == 401
    assert client.get(f"{PAGE}?{embedded_query(SHOP)}").status_code == 302


def _bounce_target(response):
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    return location.path, parse_qs(location.query)


def test_a_document_load_without_id_token_is_sent_to_the_bounce_page(client, shop):
    response = client.get(f"{PAGE}?{embedded_query(SHOP)}")
    path, query = _bounce_target(response)
    assert path == "/auth/session-token"
    assert query["shop"] == [SHOP] and query["embedded"] == ["1"]
    reload_url = urlsplit(query["shopify-reload"][0])
    assert f"{reload_url.scheme}://{reload_url.netloc}" == APP_URL
    assert reload_url.path == PAGE
    assert parse_qs(reload_url.query) == {"embedded": ["1"], "shop": [SHOP],
                                          "host": [encoded_host(SHOP)], "locale": ["es"]}


def test_an_invalid_id_token_is_dropped_from_the_bounce_and_reload_urls(client, shop):
    stale = mint_session_token(SHOP, issued_at=time.time() - 300)
    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=stale)}")
    path, query = _bounce_target(response)
    assert path == "/auth/session-token"
    assert "id_token" not in query
    assert "id_token" not in query["shopify-reload"][0]
    assert stale not in response.headers["Location"]


def test_the_bounce_page_holds_only_app_bridge(client, app):
    query = f"{embedded_query(SHOP)}&shopify-reload={APP_URL}{PAGE}"
    response = client.get(f"/auth/session-token?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in body
    assert f'data-api-key="{API_KEY}"' in body
    assert f'src="{app.config["SETTINGS"].app_bridge_url}"' in body
    assert body.count("<script") == 1
    assert csp_directive(response, "frame-ancestors") == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    )


def test_a_page_opened_outside_the_admin_goes_to_the_app_inside_the_admin(client, shop):
    host = encoded_host(SHOP)
    assert not host.endswith("=")
    response = client.get(f"{PAGE}?shop={SHOP}&host={host}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://admin.shopify.com/store/test-shop/apps/{API_KEY}"


def test_outside_the_admin_without_host_the_shop_admin_is_used(client):
    response = client.get(f"{PAGE}?shop={SHOP}")
    assert response.headers["Location"] == f"https://admin.shopify.com/store/test-shop/apps/{API_KEY}"


def test_outside_the_admin_without_shop_or_host_a_clear_page_explains(client):
    response = client.get(f"{PAGE}?locale=en")
    assert response.status_code == 400
    assert "This app runs inside the Shopify admin" in response.get_data(as_text=True)
    spanish = client.get(f"{PAGE}?locale=es").get_data(as_text=True)
    assert "admin de Shopify" in spanish


@pytest.mark.parametrize("hostile", ["evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com"])
def test_hostile_shops_are_rejected_on_document_loads(client, hostile):
    for query in (f"embedded=1&shop={hostile}", f"shop={hostile}"):
        response = client.get(f"{PAGE}?{query}")
        assert response.status_code == 400
        assert hostile not in response.headers.get("Location", "")
        assert hostile not in response.headers["Content-Security-Policy"]


def test_a_host_that_is_not_a_shopify_admin_is_rejected(client):
    response = client.get(f"{PAGE}?shop={SHOP}&host=ZXZpbC5jb20vc3RvcmUveA")  # evil.com/store/x
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_crawlers_get_410(client, shop):
    token = mint_session_token(SHOP)
    for url in (f"{PAGE}?{embedded_query(SHOP, id_token=token)}", f"/auth?shop={SHOP}",
                f"/auth/session-token?shop={SHOP}"):
        assert client.get(url, headers={"User-Agent": GOOGLEBOT}).status_code == 410


def test_headless_browsers_count_as_crawlers(client, shop):
    agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0.0.0"
    response = client.get(f"{PAGE}?{embedded_query(SHOP)}", headers={"User-Agent": agent})
    assert response.status_code == 410


@pytest.mark.parametrize("agent", [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Shopify POS/9.12.0 (iOS)",
    "Mozilla/5.0 (Linux; Android 14) Shopify Mobile/Android/9.160.0 (Build 1) Googlebot",
])
def test_shopify_pos_and_mobile_are_never_treated_as_crawlers(client, shop, agent):
    token = mint_session_token(SHOP)
    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=token)}",
                          headers={"User-Agent": agent})
    assert response.status_code == 200
