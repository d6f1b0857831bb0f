"""The App Bridge stand-in in a real browser: an app page inside the simulated admin gets session
tokens, sends them with fetch (retrying once on an invalid session), shows toasts and its menu in
the admin, and the bounce page reloads with a fresh id_token."""
from __future__ import annotations

from urllib.parse import urlencode

import jwt
import pytest
from flask import Flask, jsonify, request

from tests.live_standins import ServerThread, running_shopify_stand_in
from tests.support import API_KEY, API_SECRET

pytestmark = pytest.mark.browser
SHOP = "test-shop.myshopify.com"

APP_PAGE = """<!doctype html><html><head>
<meta name="shopify-api-key" content="{api_key}">
<script src="{bridge}"></script></head><body>
<s-app-nav><a href="/app" rel="home">Inicio</a><a href="/app/products">Productos</a></s-app-nav>
<p id="who">waiting</p>
<script>
shopify.idToken()
  .then(function () { return fetch("/api/whoami"); })
  .then(function (r) { return r.json(); })
  .then(function (body) {
    document.getElementById("who").textContent = "user " + body.user + " of " + body.shop +
      " after " + body.attempts + " attempts";
    shopify.toast.show("Guardado");
  });
</script></body></html>"""


class FakeApp:
    """Just enough of an embedded app to exercise App Bridge: pages and a token-checking API."""

    def __init__(self):
        self.attempts = 0
        self.bridge_url = ""
        app = Flask(__name__)
        app.add_url_rule("/app", "home", self.home)
        app.add_url_rule("/api/whoami", "whoami", self.whoami)
        app.add_url_rule("/auth/session-token", "bounce", self.bounce)
        app.add_url_rule("/app/reloaded", "reloaded", self.reloaded)
        self.server = ServerThread(app).start()
        self.url = self.server.url

    def home(self):
        return APP_PAGE.replace("{api_key}", API_KEY).replace("{bridge}", self.bridge_url)

    def whoami(self):
        self.attempts += 1
        claims = _claims(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if claims is None or self.attempts == 1:  # the first call plays an invalid session
            return "", 401, {"X-Shopify-Retry-Invalid-Session-Request": "1"}
        return jsonify(user=claims["sub"], shop=claims["dest"].removeprefix("https://"),
                       attempts=self.attempts)

    def bounce(self):
        return f'<script data-api-key="{API_KEY}" src="{self.bridge_url}"></script>'

    def reloaded(self):
        claims = _claims(request.args.get("id_token", ""))
        return f"<p id='result'>{'valid token for ' + claims['dest'] if claims else 'no token'}</p>"


def _claims(token: str) -> dict | None:
    try:
        return jwt.decode(token, API_SECRET, algorithms=["HS256"], audience=API_KEY)
    except jwt.PyJWTError:
        return None


@pytest.fixture
def fake_app():
    app = FakeApp()
    yield app
    app.server.stop()


@pytest.fixture
def shopify(fake_app):
    with running_shopify_stand_in(app_url=fake_app.url) as handle:
        fake_app.bridge_url = f"{handle.url}/cdn/app-bridge.js"
        handle.create_shop(SHOP)
        yield handle


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_embedded_app_gets_tokens_toasts_and_its_menu_in_the_admin(shopify, fake_app, page):
    page.goto(shopify.admin_url(SHOP))
    frame = page.frame_locator("#app-iframe")
    who = frame.locator("#who")
    who.filter(has_text="user 1 of test-shop.myshopify.com after 2 attempts").wait_for(
        timeout=10_000)
    page.locator("[data-testid=toast]", has_text="Guardado").wait_for(timeout=5_000)
    assert page.locator("#app-nav a").all_inner_texts() == ["Productos"]


def test_the_bounce_page_reloads_the_target_with_a_fresh_id_token(shopify, fake_app, page):
    target = f"{fake_app.url}/app/reloaded?shop={SHOP}"
    page.goto(f"{fake_app.url}/auth/session-token?" + urlencode(
        {"shop": SHOP, "shopify-reload": target}))
    page.locator("#result").wait_for(timeout=10_000)
    assert page.locator("#result").inner_text() == f"valid token for https://{SHOP}"


def test_the_bounce_page_never_reloads_another_site(shopify, fake_app, page):
    page.goto(f"{fake_app.url}/auth/session-token?" + urlencode(
        {"shop": SHOP, "shopify-reload": "https://evil.example/steal"}))
    page.wait_for_timeout(500)
    assert page.url.startswith(fake_app.url + "/auth/session-token")
