"""The AI agent page's profile sections in Chromium, inside the simulated Shopify admin, with the
real app and the Shopify and Ecomdrop stand-ins over HTTP: the merchant saves the profile, sees
what the agent will know, has it written to an Ecomdrop bot field and restores a version."""
from __future__ import annotations

import pytest
import requests

from app.extensions import db
from app.models import Shop, ShopConfiguration
from standins.ecomdrop import DEMO_API_KEY
from tests.browser_support import screenshot
from tests.live_standins import (
    running_app,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import BROWSER_USER_AGENT

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

SHOP = "test-shop.myshopify.com"
DROPI_TOKEN_FIELD_CO = 640597  # a bot field every stand-in account has


@pytest.fixture
def services(tmp_path):
    with running_shopify_stand_in(locale="en") as shopify, \
            running_ecomdrop_stand_in() as ecomdrop:
        shopify.create_shop(SHOP, seed=True)
        settings = stand_in_settings(tmp_path, shopify=shopify, ecomdrop=ecomdrop)
        with running_app(settings, shopify=shopify) as app:
            yield shopify, ecomdrop, app


@pytest.fixture
def admin(browser, services):
    """The AI agent page open in the simulated admin with Ecomdrop connected."""
    shopify, _, app = services
    page = browser.new_context(user_agent=BROWSER_USER_AGENT).new_page()
    page.set_default_timeout(15_000)
    page.goto(shopify.admin_url(SHOP, "/ai-agent"))
    frame = page.frame_locator("iframe")
    frame.locator("#ai-agent-form").wait_for()
    with app.app.app_context():  # the shop installed itself on that first load
        shop = db.session.query(Shop).filter_by(domain=SHOP).one()
        db.session.add(ShopConfiguration(shop_id=shop.id, ecomdrop_api_key=DEMO_API_KEY))
        db.session.commit()
    page.reload()
    frame = page.frame_locator("iframe")
    frame.locator("#agent-bot-field").wait_for()
    yield page, frame
    page.context.close()


def bot_field_value(ecomdrop, field_id: int):
    accounts = requests.get(f"{ecomdrop.url}/standin/accounts", timeout=5).json()["accounts"]
    fields = next(a for a in accounts if a["name"] == "Tienda Demo")["bot_fields"]
    return next(f["value"] for f in fields if f["id"] == field_id)


def save_profile(page, frame, name: str) -> None:
    frame.locator("#field-agent_name").fill(name)
    frame.locator("#field-company_name").fill("ClickShop")
    frame.locator("#ai-agent-form button[type=submit]").click()
    page.locator("[data-testid=toast]", has_text="AI agent settings saved.").first.wait_for()


def test_the_merchant_previews_writes_and_restores_the_profile(services, admin):
    _, ecomdrop, _ = services
    page, frame = admin

    save_profile(page, frame, "Valentina")
    frame.locator("#agent-profile-preview [data-profile-json]",
                  has_text='"agentName": "Valentina"').wait_for()

    frame.locator("#agent-bot-field-id").fill("31337")
    frame.locator("#agent-bot-field button[type=submit]").click()
    frame.locator("#agent-bot-field", has_text="has no bot field 31337").wait_for()
    frame.locator("#agent-bot-field-id").fill(str(DROPI_TOKEN_FIELD_CO))
    frame.locator("#agent-bot-field button[type=submit]").click()
    frame.locator("#agent-bot-field [data-sync-status]", has_text="Last written").wait_for()
    assert "Valentina" in bot_field_value(ecomdrop, DROPI_TOKEN_FIELD_CO)

    save_profile(page, frame, "Andrés")
    frame.locator("#agent-versions", has_text="Version 2").wait_for()
    screenshot(page, "ai-agent-profile")
    page.once("dialog", lambda dialog: dialog.accept())
    frame.locator("#agent-version-1 button", has_text="Restore").click()
    frame.locator("#agent-versions", has_text="restored from version 1").wait_for()
    assert frame.locator("#field-agent_name").input_value() == "Valentina"
