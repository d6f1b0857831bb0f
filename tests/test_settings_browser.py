"""The Settings page in Chromium, inside the simulated Shopify admin, with the real app and the
Shopify, Dropi and Ecomdrop stand-ins over HTTP: a merchant fills and saves every section."""
from __future__ import annotations


import pytest
import requests

from app.models import LocationMapping, ShopConfiguration
from standins.ecomdrop import DEMO_API_KEY
from tests.live_standins import (
    running_app,
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import BROWSER_USER_AGENT

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

SHOP = "test-shop.myshopify.com"


@pytest.fixture
def services(tmp_path):
    with running_shopify_stand_in(locale="en") as shopify, running_dropi_stand_in() as dropi, \
            running_ecomdrop_stand_in() as ecomdrop:
        shopify.create_shop(SHOP, seed=True)
        settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi, ecomdrop=ecomdrop)
        with running_app(settings, shopify=shopify) as app:
            yield shopify, dropi, ecomdrop, app


@pytest.fixture
def admin(browser, services):
    """The settings page open in the simulated admin; returns (page, app frame)."""
    shopify = services[0]
    page = browser.new_context(user_agent=BROWSER_USER_AGENT).new_page()
    page.set_default_timeout(15_000)
    page.goto(shopify.admin_url(SHOP, "/settings"))
    frame = page.frame_locator("iframe")
    frame.locator("#settings-ecomdrop").wait_for()
    yield page, frame
    page.context.close()


def dropi_token(dropi, country: str) -> str:
    tokens = requests.get(f"{dropi.url}/standin/tokens", timeout=5).json()["tokens"]
    return next(t["token"] for t in tokens if t["country"] == country)


def bot_field(ecomdrop, name: str):
    accounts = requests.get(f"{ecomdrop.url}/standin/accounts", timeout=5).json()["accounts"]
    fields = next(a for a in accounts if a["name"] == "Tienda Demo")["bot_fields"]
    return next(f["value"] for f in fields if f["name"] == name)


def wait_for_toast(page, message: str) -> None:
    page.locator("[data-testid=toast]", has_text=message).first.wait_for()


def stored(app):
    with app.app.app_context():
        config = ShopConfiguration.query.one()
        mappings = [(m.dropi_warehouse_name, m.shopify_location_name)
                    for m in LocationMapping.query.all()]
        return config, mappings


def test_a_merchant_fills_and_saves_the_settings(services, admin):
    _, dropi, ecomdrop, app = services
    page, frame = admin
    token = dropi_token(dropi, "CO")

    frame.locator("#field-ecomdrop_api_key").fill("a-key-ecomdrop-does-not-know")
    frame.locator("#settings-ecomdrop button[type=submit]").click()
    frame.locator("#field-ecomdrop_api_key-error").wait_for()
    assert "Ecomdrop rejected the API key" in frame.locator("#settings-ecomdrop").inner_text()

    frame.locator("#field-ecomdrop_api_key").fill(DEMO_API_KEY)
    frame.locator("#settings-ecomdrop button[type=submit]").click()
    wait_for_toast(page, "Ecomdrop settings saved.")
    frame.locator("#field-new_order_flow_id").select_option(label="Nuevo pedido")
    frame.locator("#field-abandoned_cart_flow_id").select_option(label="Carrito abandonado")
    with page.expect_response(lambda r: "/app/settings/ecomdrop" in r.url
                              and r.request.method == "POST") as answer:
        frame.locator("#settings-ecomdrop button[type=submit]").click()
    assert answer.value.status == 200

    frame.locator("#field-dropi_country").select_option("CO")
    frame.locator("#field-dropi_store_name").fill("Tienda Andina CO")
    frame.locator("#field-dropi_token").fill(token)
    frame.locator("#settings-dropi button[type=submit]").click()
    wait_for_toast(page, "Dropi settings saved.")
    assert "when you turn the connector on" in frame.locator("#settings-dropi").inner_text()

    frame.locator("#settings-locations-form select").first.select_option(index=1)
    frame.locator("#settings-locations-form button[type=submit]").click()
    wait_for_toast(page, "Location mapping saved.")

    frame.locator("#field-active").check()
    frame.locator("#field-get_products").check()
    frame.locator("#settings-options button[type=submit]").click()
    wait_for_toast(page, "Connector options saved.")
    assert frame.locator("#field-get_products").is_checked()
    assert "DROPI TOKEN CO" in frame.locator("#settings-options").inner_text()

    config, mappings = stored(app)
    assert config.ecomdrop_api_key == DEMO_API_KEY and config.dropi_token == token
    assert config.dropi_store_name == "Tienda Andina CO" and config.active is True
    assert config.get_products is True
    assert config.ecomdrop_new_order_flow_id and config.ecomdrop_abandoned_cart_flow_id
    assert len(mappings) == 1
    assert bot_field(ecomdrop, "DROPI TOKEN CO") == token
    status = frame.locator("#settings-status").inner_text()
    assert status.count("Connected") == 2
    html = frame.locator("html").inner_html()
    assert token not in html and DEMO_API_KEY not in html


def test_a_failed_save_keeps_what_was_typed_except_the_secret(services, admin):
    page, frame = admin

    frame.locator("#field-dropi_country").select_option("MX")
    frame.locator("#field-dropi_store_name").fill("Tienda Norte")
    frame.locator("#field-dropi_token").fill("not-a-dropi-token")
    frame.locator("#settings-dropi button[type=submit]").click()
    frame.locator("#field-dropi_token-error").wait_for()

    assert frame.locator("#field-dropi_country").input_value() == "MX"
    assert frame.locator("#field-dropi_store_name").input_value() == "Tienda Norte"
    assert frame.locator("#field-dropi_token").input_value() == ""
    assert "not a Dropi integration token" in frame.locator("#settings-dropi").inner_text()
