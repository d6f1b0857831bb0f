"""The Products pages in Chromium, inside the simulated Shopify admin, with the real app and the
Shopify and Dropi stand-ins over HTTP: a merchant searches the Dropi catalog, opens the import
form, sees the preview, imports, and finds the product in the Shopify store."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import LocationMapping, Shop, ShopConfiguration
from standins.dropi import geography
from tests.live_standins import (
    running_app,
    running_dropi_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
    wait_until,
)
from tests.support import BROWSER_USER_AGENT

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

SHOP = "test-shop.myshopify.com"


@pytest.fixture
def services(tmp_path):
    with running_shopify_stand_in(locale="en") as shopify, running_dropi_stand_in() as dropi:
        shopify.create_shop(SHOP, seed=True)
        settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi)
        with running_app(settings, shopify=shopify) as app:
            yield shopify, dropi, app


def connect_dropi_and_map_bogota(shopify, dropi, app) -> int:
    """What the merchant does in Settings: Dropi CO connected, its first warehouse stocked in
    the shop's Bogotá location."""
    location = next(loc for loc in shopify.store.shop(SHOP).locations.values()
                    if loc["name"] == "Bodega Bogotá")
    warehouse = geography.warehouses("CO")[0]
    with app.app.app_context():
        shop = Shop.query.filter_by(domain=SHOP).one()
        db.session.add(ShopConfiguration(
            shop_id=shop.id, dropi_country="CO",
            dropi_token=dropi.app.extensions["dropi_stand_in"].token_for("CO")))
        db.session.add(LocationMapping(shop_id=shop.id, shopify_location_id=location["id"],
                                       shopify_location_name=location["name"],
                                       dropi_warehouse_id=str(warehouse.id),
                                       dropi_warehouse_name=warehouse.name))
        db.session.commit()
    return warehouse.id


def simple_product_in(dropi, warehouse_id: int) -> dict:
    catalog = dropi.app.extensions["dropi_stand_in"].state.catalog("CO")
    return next(p for p in sorted(catalog.values(), key=lambda p: p["id"])
                if p["type"] == "SIMPLE" and not p["_private"] and any(
                    r["warehouse_id"] == warehouse_id and r["stock"]
                    for r in p["warehouse_product"]))


def test_a_merchant_imports_a_dropi_product_and_finds_it_in_the_store(browser, services):
    shopify, dropi, app = services
    page = browser.new_context(user_agent=BROWSER_USER_AGENT).new_page()
    page.set_default_timeout(20_000)
    page.goto(shopify.admin_url(SHOP, "/products"))
    frame = page.frame_locator("iframe")
    frame.get_by_text("Connect your Dropi account in Settings").wait_for()

    warehouse_id = connect_dropi_and_map_bogota(shopify, dropi, app)
    product = simple_product_in(dropi, warehouse_id)
    page.reload()
    frame = page.frame_locator("iframe")
    frame.locator("#catalog-q").press_sequentially(product["sku"])  # active search on keyup
    row = frame.locator(f'tr[data-product-id="{product["id"]}"]')
    row.wait_for()
    assert frame.locator("tr[data-product-id]").count() == 1
    row.get_by_role("link", name="Import", exact=True).click()

    frame.locator("#import-form").wait_for()
    frame.locator("#field-price_rule").fill("cost*1.5")
    frame.locator("#field-price_ending").fill("900")
    previewed = frame.locator("#import-preview td[data-price]")
    wait_until(lambda: previewed.count() == 1
               and previewed.first.get_attribute("data-price").endswith("900"), timeout=15)
    price = Decimal(previewed.first.get_attribute("data-price"))
    frame.get_by_role("button", name="Import to Shopify").click()

    frame.get_by_text("The product is in your Shopify store.").wait_for()
    store = shopify.store.shop(SHOP)
    [created] = [p for p in store.products.values() if p["handle"] == f"dropi-co-{product['id']}"]
    [variant] = [store.variants[v] for v in created["_variants"]]
    assert created["title"] == product["name"] and variant["price"] == price
    number = created["id"].rsplit("/", 1)[-1]
    link = frame.get_by_role("link", name="Open the product in Shopify")
    assert re.search(rf"/{SHOP}/admin/products/{number}$", link.get_attribute("href"))

    frame.get_by_role("link", name="See your imported products").click()
    frame.locator("#imported-list").wait_for()
    assert product["name"] in frame.locator("#imported-list").inner_text()
    page.context.close()
