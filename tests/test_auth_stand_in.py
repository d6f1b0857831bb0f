"""Auth flows over real HTTP against the local Shopify stand-in: OAuth, exchange and refresh."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import requests

from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from app.services.shopify_session import shopify_client_for
from app.services.shopify_tokens import fresh_offline_token
from tests.live_standins import running_app, running_shopify_stand_in, stand_in_settings
from tests.support import API_KEY, htmx_headers

pytestmark = pytest.mark.e2e
SHOP = "test-shop.myshopify.com"


@pytest.fixture
def shopify_stand_in():
    with running_shopify_stand_in() as handle:
        handle.create_shop(SHOP, seed=True)
        yield handle


@pytest.fixture
def app(shopify_stand_in, tmp_path):
    settings = stand_in_settings(tmp_path, shopify=shopify_stand_in)
    with running_app(settings, shopify=shopify_stand_in) as running:
        yield running


def token_stats(shopify_stand_in) -> dict:
    stats = requests.get(f"{shopify_stand_in.url}/standin/tokens", timeout=5).json()
    return stats["shops"].get(SHOP, {})


def installed_shop(app) -> Shop:
    db.session.expire_all()
    return db.session.execute(db.select(Shop).filter_by(domain=SHOP)).scalar_one()


def open_in_admin(shopify_stand_in, app) -> requests.Response:
    page = requests.get(shopify_stand_in.admin_url(SHOP), timeout=10).text
    url = html.unescape(re.search(r'id="app-iframe"[^>]*\ssrc="([^"]+)"', page).group(1))
    return app.get(url, timeout=30)


def test_an_install_started_outside_the_admin_goes_through_oauth(shopify_stand_in, app):
    begin = app.get(f"/auth?shop={SHOP}", allow_redirects=False)
    assert begin.status_code == 302
    consent_url = begin.headers["Location"]
    assert consent_url.startswith(f"{shopify_stand_in.url}/{SHOP}/admin/oauth/authorize?")
    state_cookie = begin.cookies.get("shopify_app_state") or re.search(
        r"shopify_app_state=([^;]+)", begin.headers["Set-Cookie"]).group(1)

    approved = requests.post(consent_url, allow_redirects=False, timeout=10)
    callback_url = approved.headers["Location"]
    assert callback_url.startswith(f"{app.url}/auth/callback?")
    # The cookie is Secure; browsers send it to http://127.0.0.1, python's cookie jar does not.
    done = app.get(callback_url, allow_redirects=False,
                   headers={"Cookie": f"shopify_app_state={state_cookie}"})

    assert done.status_code == 302
    assert done.headers["Location"] == f"{shopify_stand_in.url}/store/test-shop/apps/{API_KEY}"
    with app.app.app_context():
        shop = installed_shop(app)
        assert shop.is_installed and shop.name == "Tienda Andina"
        assert shop.refresh_token and shop.access_token_expires_at > utcnow()


def test_the_callback_without_the_state_cookie_never_reaches_the_token_endpoint(shopify_stand_in,
                                                                                app):
    begin = app.get(f"/auth?shop={SHOP}", allow_redirects=False)
    approved = requests.post(begin.headers["Location"], allow_redirects=False, timeout=10)
    refused = app.get(approved.headers["Location"], allow_redirects=False)
    assert refused.status_code == 403
    assert token_stats(shopify_stand_in).get("live_access_tokens", 0) == 0


def test_an_expiring_token_is_refreshed_against_the_stand_in_and_keeps_working(shopify_stand_in,
                                                                               app):
    assert open_in_admin(shopify_stand_in, app).status_code == 200
    with app.app.app_context():
        shop = installed_shop(app)
        old_access, old_refresh = shop.access_token, shop.refresh_token
        shop.access_token_expires_at = utcnow() + timedelta(seconds=60)
        db.session.commit()

        token = fresh_offline_token(app.settings, shop)
        data = shopify_client_for(app.settings, shop).query("shop_details")

        assert token != old_access and shop.refresh_token != old_refresh
        assert data["shop"]["myshopifyDomain"] == SHOP
        assert installed_shop(app).access_token == token
    assert token_stats(shopify_stand_in)["refresh_calls"] == 1


def test_htmx_requests_with_the_stand_ins_session_token_are_accepted(shopify_stand_in, app):
    assert open_in_admin(shopify_stand_in, app).status_code == 200
    response = app.get("/app", headers=htmx_headers(shopify_stand_in.session_token(SHOP)))
    assert response.status_code == 200
    expired = app.get("/app", headers=htmx_headers("x.y.z"))
    assert expired.status_code == 401
    assert expired.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_the_stand_in_admin_may_frame_the_app(shopify_stand_in, app):
    page = open_in_admin(shopify_stand_in, app)
    assert page.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com {shopify_stand_in.url};"
    )
