"""Every HTML page may only be framed by the shop's admin; no token or secret reaches the logs."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import responses
from flask import Blueprint, g

from app import create_app
from app.auth.embedded import embedded_view
from app.auth.oauth import query_hmac
from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from app.services.shopify_tokens import ReauthorizationRequired, fresh_offline_token
from tests.conftest import create_shop
from tests.support import (
    API_SECRET,
    csp_directive,
    embedded_query,
    htmx_headers,
    make_settings,
    mint_session_token,
    shop_details_payload,
    shopify_token_grant,
)

SHOP = "test-shop.myshopify.com"
ADMIN_ONLY = "frame-ancestors https://admin.shopify.com;"
FOR_SHOP = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
PAGE = "/app/csp-probe"

probe = Blueprint("csp_probe", __name__, url_prefix=PAGE)


@probe.get("")
@embedded_view
def page():
    return f"<p>{g.shop_domain}</p>"


@pytest.fixture
def client(app):
    app.register_blueprint(probe)
    return app.test_client()


@pytest.mark.parametrize("url, policy", [
    (f"/auth/session-token?shop={SHOP}", FOR_SHOP),
    ("/auth/session-token", ADMIN_ONLY),
    (f"/auth?shop={SHOP}&embedded=1", FOR_SHOP),
    ("/auth?shop=evil.com", ADMIN_ONLY),
    (f"/auth/exit-iframe?shop={SHOP}&exitIframe=https://evil.com", FOR_SHOP),
    (f"{PAGE}?shop=evil.com&embedded=1", ADMIN_ONLY),
    (f"{PAGE}?shop={SHOP}", FOR_SHOP),
    (f"/app/no-such-page?shop={SHOP}", FOR_SHOP),
])
def test_every_html_response_carries_frame_ancestors(client, url, policy):
    response = client.get(url)
    assert response.mimetype == "text/html"
    assert csp_directive(response, "frame-ancestors") == policy


def test_the_verified_shop_wins_over_the_query_in_the_policy(client, shop):
    token = mint_session_token(SHOP)
    response = client.get(f"{PAGE}?embedded=1&shop=other-shop.myshopify.com&id_token={token}")
    assert response.status_code == 200
    assert csp_directive(response, "frame-ancestors") == FOR_SHOP


@pytest.mark.parametrize("hostile", [
    "evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com",
    "x.myshopify.com https://evil.com", "x.myshopify.com;script-src *", "x.myshopify.com\r\nX: y",
])
def test_an_unsanitized_shop_never_reaches_the_policy(client, hostile):
    response = client.get("/auth/session-token?" + urlencode({"shop": hostile}))
    assert csp_directive(response, "frame-ancestors") == ADMIN_ONLY


def test_the_local_admin_stand_in_may_frame_the_app(tmp_path):
    settings = make_settings(tmp_path, shopify_admin_origin="http://127.0.0.1:5001")
    response = create_app(settings).test_client().get(f"/auth/session-token?shop={SHOP}")
    assert csp_directive(response, "frame-ancestors") == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com http://127.0.0.1:5001;"
    )


ACCESS, REFRESH = "opaque-access-5c1f9e", "opaque-refresh-77d0b2"
RENEWED_ACCESS, RENEWED_REFRESH = "opaque-access-renewed-a41c", "opaque-refresh-renewed-09be"
OAUTH_ACCESS = "opaque-oauth-access-3e8d"


def test_no_token_or_secret_reaches_the_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    token_url = f"https://{SHOP}/admin/oauth/access_token"
    graphql_url = f"https://{SHOP}/admin/api/2026-10/graphql.json"
    id_token = mint_session_token(SHOP)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as shopify:
        shopify.post(token_url, json=shopify_token_grant(ACCESS, REFRESH, expires_in=300))
        shopify.post(graphql_url, json=shop_details_payload())
        client.get(f"{PAGE}?{embedded_query(SHOP, id_token=id_token)}")
        client.get(PAGE, headers=htmx_headers("not-a-valid-session-token-value"))

        shopify.replace(responses.POST, token_url,
                        json=shopify_token_grant(RENEWED_ACCESS, RENEWED_REFRESH))
        shop = db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one()
        fresh_offline_token(app.config["SETTINGS"], shop)

        shopify.replace(responses.POST, token_url, json=shopify_token_grant(OAUTH_ACCESS, None))
        consent = client.get("/auth?shop=other-shop.myshopify.com")
        state = parse_qs(urlsplit(consent.headers["Location"]).query)["state"][0]
        pairs = [("code", "code-9d2f"), ("shop", "other-shop.myshopify.com"), ("state", state),
                 ("timestamp", str(int(time.time())))]
        shopify.post("https://other-shop.myshopify.com/admin/oauth/access_token",
                     json=shopify_token_grant(OAUTH_ACCESS, None))
        shopify.post("https://other-shop.myshopify.com/admin/api/2026-10/graphql.json",
                     json=shop_details_payload())
        client.get("/auth/callback?" + urlencode(pairs + [("hmac", query_hmac(pairs, API_SECRET))]))

    assert shop.access_token == RENEWED_ACCESS  # the flows above really ran
    logged = caplog.text
    assert "token exchange" in logged and "refreshed the offline token" in logged
    for secret in (ACCESS, REFRESH, RENEWED_ACCESS, RENEWED_REFRESH, OAUTH_ACCESS, API_SECRET,
                   id_token, "not-a-valid-session-token-value", "code-9d2f", state):
        assert secret not in logged


def test_the_shop_factory_tokens_are_not_logged_when_a_refresh_is_refused(app, caplog):
    caplog.set_level(logging.DEBUG)
    shop = create_shop(SHOP, access_token="opaque-old-1d", refresh_token="opaque-old-refresh-2e",
                       access_token_expires_at=utcnow() + timedelta(seconds=30))
    with responses.RequestsMock() as shopify:
        shopify.post(f"https://{SHOP}/admin/oauth/access_token", status=400,
                     json={"error": "invalid_grant", "error_description": "opaque-old-refresh-2e"})
        with pytest.raises(ReauthorizationRequired):
            fresh_offline_token(app.config["SETTINGS"], shop)
    assert "needs re-authorization" in caplog.text
    assert "opaque-old-1d" not in caplog.text and "opaque-old-refresh-2e" not in caplog.text
