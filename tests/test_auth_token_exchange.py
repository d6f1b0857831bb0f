"""Token exchange on the first load: the exact request, the stored shop, online sessions."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from flask import Blueprint, g

from app.auth.embedded import embedded_view
from app.extensions import db
from app.models import Session, Shop
from app.models.types import utcnow
from tests.conftest import create_shop
from tests.support import (
    API_KEY,
    API_SECRET,
    embedded_query,
    htmx_headers,
    mint_session_token,
    shop_details_payload,
    shopify_token_grant,
)

SHOP = "test-shop.myshopify.com"
TOKEN_URL = f"https://{SHOP}/admin/oauth/access_token"
GRAPHQL_URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
PAGE = "/app/exchange-probe"

probe = Blueprint("exchange_probe", __name__, url_prefix=PAGE)


@probe.get("")
@embedded_view
def page():
    return f"installed {g.shop.domain} as {g.shop.name}"


@probe.get("/me")
@embedded_view(online_token=True)
def me():
    return f"hello {g.online_session.first_name} ({g.online_session.email})"


@pytest.fixture
def client(app):
    app.register_blueprint(probe)
    return app.test_client()


@pytest.fixture
def shopify_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def stored_shop() -> Shop | None:
    db.session.expire_all()
    return db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one_or_none()


def test_first_load_exchanges_the_session_token_and_installs_the_shop(client, shopify_http):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_first", "shprt_first"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())
    token = mint_session_token(SHOP)

    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=token)}")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"installed {SHOP} as Tienda Bogotá"
    exchange = shopify_http.calls[0].request
    assert exchange.headers["Content-Type"] == "application/json"
    assert exchange.headers["Accept"] == "application/json"
    assert json.loads(exchange.body) == {
        "client_id": API_KEY,
        "client_secret": API_SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": token,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        "expiring": "1",
    }
    details = shopify_http.calls[1].request
    assert details.headers["X-Shopify-Access-Token"] == "shpat_first"
    assert "query ShopDetails" in json.loads(details.body)["query"]


def test_the_installed_shop_keeps_tokens_expiry_and_details(client, shopify_http):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_first", "shprt_first",
                                                     scope="read_products,read_orders"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())
    client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")

    shop = stored_shop()
    now = utcnow()
    assert shop.access_token == "shpat_first" and shop.refresh_token == "shprt_first"
    assert abs((shop.access_token_expires_at - now) - timedelta(hours=1)) < timedelta(seconds=30)
    assert abs((shop.refresh_token_expires_at - now) - timedelta(days=30)) < timedelta(seconds=30)
    assert (shop.name, shop.currency, shop.timezone) == ("Tienda Bogotá", "COP", "America/Bogota")
    assert shop.scopes == "read_products,read_orders"
    assert shop.installed_at is not None and shop.uninstalled_at is None
    assert shop.needs_reauthorization is False


def test_a_reinstall_records_a_new_install_and_clears_the_uninstall(client, shopify_http, app):
    long_ago = utcnow() - timedelta(days=90)
    create_shop(SHOP, installed_at=long_ago, uninstalled_at=utcnow() - timedelta(days=1),
                access_token=None, refresh_token=None)
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_again", "shprt_again"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload(name="Renamed"))

    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")

    assert response.status_code == 200
    shop = stored_shop()
    assert shop.uninstalled_at is None and shop.installed_at > long_ago + timedelta(days=80)
    assert shop.access_token == "shpat_again" and shop.name == "Renamed"


def test_a_live_stored_token_means_no_exchange(client, shopify_http, shop):
    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")
    assert response.status_code == 200
    assert len(shopify_http.calls) == 0


def test_invalid_subject_token_sends_the_document_through_the_bounce(client, shopify_http):
    shopify_http.post(TOKEN_URL, status=400, json={"error": "invalid_subject_token"})
    response = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/session-token?")
    assert stored_shop() is None


def test_invalid_subject_token_on_htmx_answers_401_with_the_retry_header(client, shopify_http,
                                                                         shop):
    shopify_http.post(TOKEN_URL, status=400, json={"error": "invalid_subject_token"})
    response = client.get(f"{PAGE}/me", headers=htmx_headers(mint_session_token(SHOP)))
    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_a_failing_token_endpoint_shows_a_clear_page_and_stores_nothing(client, shopify_http):
    shopify_http.post(TOKEN_URL, status=502, body="bad gateway")
    query = embedded_query(SHOP, id_token=mint_session_token(SHOP), locale="en")
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "could not get access to your store" in body
    assert "Reload the app" in body
    assert stored_shop() is None


def test_install_survives_a_failing_shop_details_query_and_retries_it_later(client, shopify_http):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_first", "shprt_first"))
    shopify_http.post(GRAPHQL_URL, status=404, body="Not Found")
    first = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")
    assert first.status_code == 200
    assert stored_shop().access_token == "shpat_first" and stored_shop().name is None

    shopify_http.replace(responses.POST, GRAPHQL_URL, json=shop_details_payload(name="Later"))
    second = client.get(f"{PAGE}?{embedded_query(SHOP, id_token=mint_session_token(SHOP))}")
    assert second.get_data(as_text=True) == f"installed {SHOP} as Later"
    token_calls = [c for c in shopify_http.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 1


def test_an_online_token_is_exchanged_once_per_user_and_stored(client, shopify_http, shop):
    user = {"id": 902541635, "first_name": "Ana", "last_name": "Gómez", "email": "ana@example.com",
            "email_verified": True, "account_owner": True, "locale": "es-CO", "collaborator": False}
    shopify_http.post(TOKEN_URL, json=shopify_token_grant(
        "shpua_online", None, expires_in=86399, associated_user=user,
        associated_user_scope="read_products"))
    token = mint_session_token(SHOP, user_id="902541635")

    first = client.get(f"{PAGE}/me", headers=htmx_headers(token))
    again = mint_session_token(SHOP, user_id="902541635")
    second = client.get(f"{PAGE}/me", headers=htmx_headers(again))

    assert first.get_data(as_text=True) == "hello Ana (ana@example.com)"
    assert second.status_code == 200 and len(shopify_http.calls) == 1
    body = json.loads(shopify_http.calls[0].request.body)
    assert body["requested_token_type"] == "urn:shopify:params:oauth:token-type:online-access-token"
    assert body["subject_token"] == token and body["expiring"] == "1"
    session = db.session.get(Session, f"{SHOP}_902541635")
    assert session.is_online and session.access_token == "shpua_online"
    assert (session.user_id, session.last_name, session.locale) == (902541635, "Gómez", "es-CO")
    assert session.account_owner and session.email_verified and not session.collaborator
    assert session.scope == "read_products" and session.shop_id == shop.id
