"""Expiring offline tokens: refresh under the margin, rotate both tokens, one refresh at a time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from flask import Blueprint, g

from app.auth.embedded import embedded_view
from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from app.services.shopify_session import shopify_client_for
from app.services.shopify_tokens import (
    ReauthorizationRequired,
    TokenRequestFailed,
    fresh_offline_token,
)
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
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGE = "/app/refresh-probe"

probe = Blueprint("refresh_probe", __name__, url_prefix=PAGE)


@probe.route("", methods=["GET", "POST"])
@embedded_view
def page():
    return f"working with {g.shop.domain}"


@pytest.fixture
def shopify_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def expiring_shop(app):
    """A shop whose offline token has 5 minutes left (under the 10 minute margin)."""
    return create_shop(SHOP, access_token="shpat_old", refresh_token="shprt_old",
                       access_token_expires_at=utcnow() + timedelta(minutes=5))


def settings_of(app):
    return app.config["SETTINGS"]


def reloaded(shop_id: int) -> Shop:
    db.session.expire_all()
    return db.session.get(Shop, shop_id)


def test_refresh_sends_the_exact_grant_and_stores_both_rotated_tokens(app, shopify_http,
                                                                      expiring_shop):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_new", "shprt_new"))

    token = fresh_offline_token(settings_of(app), expiring_shop)

    assert token == "shpat_new" and expiring_shop.access_token == "shpat_new"
    request = shopify_http.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"client_id": API_KEY, "client_secret": API_SECRET,
                                        "grant_type": "refresh_token", "refresh_token": "shprt_old"}
    shop = reloaded(expiring_shop.id)
    assert (shop.access_token, shop.refresh_token) == ("shpat_new", "shprt_new")
    assert shop.access_token_expires_at - utcnow() > timedelta(minutes=59)
    assert shop.refresh_token_expires_at - utcnow() > timedelta(days=29)


def test_a_token_with_more_than_the_margin_left_is_used_as_it_is(app, shopify_http, shop):
    assert fresh_offline_token(settings_of(app), shop) == shop.access_token
    assert len(shopify_http.calls) == 0


def test_two_threads_racing_cause_exactly_one_refresh(app, shopify_http, expiring_shop):
    def slow_grant(request):
        time.sleep(0.3)
        return 200, {}, json.dumps(shopify_token_grant("shpat_new", "shprt_new"))

    shopify_http.add_callback(responses.POST, TOKEN_URL, callback=slow_grant)
    shop_id, start, results = expiring_shop.id, threading.Barrier(2, timeout=30), []

    def worker():
        with app.app_context():
            shop = db.session.get(Shop, shop_id)
            start.wait()
            results.append(fresh_offline_token(settings_of(app), shop))
            db.session.remove()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["shpat_new", "shpat_new"]
    assert len(shopify_http.calls) == 1
    assert reloaded(shop_id).refresh_token == "shprt_new"


RACER = """
import json, os, sys, time
from pathlib import Path
import responses
from app import create_app
from app.extensions import db
from app.models import Shop
from app.services.shopify_tokens import fresh_offline_token
from tests.support import make_settings, shopify_token_grant

instance, shop_id, token_url, ready, go = sys.argv[1:6]
app = create_app(make_settings(Path(instance)))
with app.app_context(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
    def slow_grant(request):
        time.sleep(0.5)
        grant = shopify_token_grant(f"shpat_{os.getpid()}", f"shprt_{os.getpid()}")
        return 200, {}, json.dumps(grant)
    mock.add_callback(responses.POST, token_url, callback=slow_grant)
    shop = db.session.get(Shop, int(shop_id))
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.005)
    token = fresh_offline_token(app.config["SETTINGS"], shop)
    print(json.dumps({"calls": len(mock.calls), "token": token}))
"""


def test_two_processes_racing_cause_exactly_one_refresh(app, expiring_shop, instance_dir, tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    racers = []
    for number in range(2):
        ready = tmp_path / f"ready-{number}"
        args = [sys.executable, "-c", RACER, str(instance_dir), str(expiring_shop.id), TOKEN_URL,
                str(ready), str(go)]
        racers.append((ready, subprocess.Popen(args, cwd=PROJECT_ROOT, env=env,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready, _ in racers) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outcomes = []
    for _, process in racers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()[-2000:]
        outcomes.append(json.loads(out.decode().strip().splitlines()[-1]))
    assert sum(outcome["calls"] for outcome in outcomes) == 1
    assert outcomes[0]["token"] == outcomes[1]["token"]
    assert reloaded(expiring_shop.id).access_token == outcomes[0]["token"]


def test_a_refresh_in_the_middle_of_the_callers_unsaved_work_neither_blocks_nor_loses_it(
        app, shopify_http, expiring_shop, other_shop):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_new", "shprt_new"))
    other_shop.name = "Renamed while importing"
    db.session.flush()  # the caller now holds an open write transaction

    assert fresh_offline_token(settings_of(app), expiring_shop) == "shpat_new"
    db.session.commit()

    assert reloaded(other_shop.id).name == "Renamed while importing"
    assert (reloaded(expiring_shop.id).access_token, reloaded(expiring_shop.id).refresh_token) == (
        "shpat_new", "shprt_new")


def test_invalid_grant_flags_the_shop_for_reauthorization(app, shopify_http, expiring_shop):
    shopify_http.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})

    with pytest.raises(ReauthorizationRequired) as refused:
        fresh_offline_token(settings_of(app), expiring_shop)

    shop = reloaded(expiring_shop.id)
    assert shop.needs_reauthorization is True
    assert "refresh token was refused" in shop.reauthorization_reason
    assert refused.value.shop_domain == SHOP
    assert shop.refresh_token == "shprt_old"
    with pytest.raises(ReauthorizationRequired):  # no second attempt against Shopify
        fresh_offline_token(settings_of(app), shop)
    assert len(shopify_http.calls) == 1


def test_after_invalid_grant_htmx_shows_the_reauthorization_banner(app, shopify_http,
                                                                   expiring_shop):
    app.register_blueprint(probe)
    shopify_http.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    client = app.test_client()

    response = client.post(f"{PAGE}?locale=en", headers=htmx_headers(mint_session_token(SHOP)))

    assert response.status_code == 401
    assert "X-Shopify-Retry-Invalid-Session-Request" not in response.headers
    body = response.get_data(as_text=True)
    assert "Renew the app&#39;s access to your store" in body or "Renew the app's access" in body
    assert "no longer accepts the app&#39;s saved access" in body
    assert f'href="https://admin.shopify.com/store/test-shop/apps/{API_KEY}" target="_top"' in body
    assert "data-app-banner" in body


def test_the_next_document_load_renews_access_with_a_token_exchange(app, shopify_http,
                                                                    expiring_shop):
    app.register_blueprint(probe)
    expiring_shop.needs_reauthorization = True
    expiring_shop.reauthorization_reason = "refused"
    db.session.commit()
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_renewed", "shprt_renewed"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())

    token = mint_session_token(SHOP)
    response = app.test_client().get(f"{PAGE}?{embedded_query(SHOP, id_token=token)}")

    assert response.status_code == 200
    assert json.loads(shopify_http.calls[0].request.body)["subject_token"] == token
    shop = reloaded(expiring_shop.id)
    assert shop.needs_reauthorization is False and shop.reauthorization_reason is None
    assert (shop.access_token, shop.refresh_token) == ("shpat_renewed", "shprt_renewed")


def test_without_refresh_allowed_no_refresh_is_attempted(app, shopify_http, expiring_shop):
    settings = settings_of(app)
    assert fresh_offline_token(settings, expiring_shop, allow_refresh=False) == "shpat_old"
    expiring_shop.access_token_expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(ReauthorizationRequired):
        fresh_offline_token(settings, expiring_shop, allow_refresh=False)
    assert len(shopify_http.calls) == 0


def test_a_failed_refresh_keeps_the_tokens_and_does_not_flag_the_shop(app, shopify_http,
                                                                      expiring_shop):
    shopify_http.post(TOKEN_URL, status=503, body="unavailable")
    with pytest.raises(TokenRequestFailed):
        fresh_offline_token(settings_of(app), expiring_shop)
    shop = reloaded(expiring_shop.id)
    assert (shop.access_token, shop.refresh_token) == ("shpat_old", "shprt_old")
    assert shop.needs_reauthorization is False


def test_client_refreshes_before_calling_shopify_when_under_the_margin(app, shopify_http,
                                                                       expiring_shop):
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_new", "shprt_new"))
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())

    data = shopify_client_for(settings_of(app), expiring_shop).query("shop_details")

    assert data["shop"]["currencyCode"] == "COP"
    assert [call.request.url for call in shopify_http.calls] == [TOKEN_URL, GRAPHQL_URL]
    assert shopify_http.calls[1].request.headers["X-Shopify-Access-Token"] == "shpat_new"


def test_client_refreshes_once_after_a_401_and_retries_with_the_new_token(app, shopify_http, shop):
    shopify_http.post(GRAPHQL_URL, status=401,
                      body='{"errors":"[API] Invalid API key or access token"}')
    shopify_http.post(GRAPHQL_URL, json=shop_details_payload())
    shopify_http.post(TOKEN_URL, json=shopify_token_grant("shpat_new", "shprt_new"))

    data = shopify_client_for(settings_of(app), shop).query("shop_details")

    assert data["shop"]["name"] == "Tienda Bogotá"
    graphql = [c.request for c in shopify_http.calls if c.request.url == GRAPHQL_URL]
    sent = [r.headers["X-Shopify-Access-Token"] for r in graphql]
    assert sent == ["shpat_testshoplive", "shpat_new"]
    assert sum(1 for c in shopify_http.calls if c.request.url == TOKEN_URL) == 1
    assert reloaded(shop.id).refresh_token == "shprt_new"
