"""A merchant in Chromium opens the simulated Shopify admin, sees the embedded app and goes
through each of its pages (home, products, orders, settings, AI agent, imported products) from
the admin's menu, with the demo's data behind them (the shop installed from the admin, connected
by `python -m standins demo-connect`'s service, one product imported, one order placed). Each
page is saved as test-output/admin-<page>.png."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import OrderRecord, Shop, StepName, StepState
from app.services.order_pipeline import record_order
from app.services.product_import import ImportPreferences, import_context_for, import_product
from standins.shopify.demo_orders import place_demo_order
from standins.shopify.payloads import order_payload
from tests.browser_support import new_admin_page, running_stack, screenshot

pytestmark = pytest.mark.browser
SHOP = "demo-shop.myshopify.com"
# Sidebar label (Spanish: the stand-in admin's locale), what shows the page has its data.
PAGES = {
    "products": ("Productos", "tr[data-product-id]"),
    "orders": ("Pedidos", "tr[data-order-id]"),
    "settings": ("Ajustes", "#settings-locations-form select"),
    "ai-agent": ("Agente IA", "#field-agent_name"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The stand-ins and app, the demo shop installed, connected and with one import."""
    with running_stack(tmp_path_factory.mktemp("browser"), worker=False) as stack:
        stack.shopify.create_shop(SHOP, seed=True)
        stack.install(SHOP)
        stack.connect(SHOP)
        with stack.app.app.app_context():
            shop = Shop.query.filter_by(domain=SHOP).one()
            context = import_context_for(stack.app.settings, shop)
            catalog = stack.dropi.app.extensions["dropi_stand_in"].state.catalog("CO")
            product = min((p for p in catalog.values() if not p["_private"]),
                          key=lambda p: p["id"])
            import_product(context, str(product["id"]), ImportPreferences())
            # A buyer orders after the install; the app records it as its orders/create
            # webhook would (no worker runs here to process the delivery).
            store = stack.shopify.store
            with store.transaction():
                placed = place_demo_order(store.shop(SHOP))
            record_order(shop, order_payload(store.shop(SHOP), store.shop(SHOP).orders[placed.id]))
        yield stack, product


@pytest.fixture(scope="module")
def admin(browser, demo):
    """The app inside the simulated admin, opened once; each test moves on from the menu."""
    stack, _ = demo
    page = new_admin_page(browser, height=1100)
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_violations.append(message.text))
    page.goto(stack.shopify.admin_url(SHOP))
    frame = page.frame_locator("#app-iframe")
    frame.locator("#connection-status").wait_for()
    yield page, frame
    page.context.close()


def sidebar_link(page, label: str):
    return page.locator("#app-nav a", has_text=label)


def test_the_admin_shows_the_app_home_and_its_menu(admin):
    page, frame = admin
    page.locator("[data-testid=app-link]").click()  # the app's home, from wherever it was
    frame.locator("#connection-status").wait_for()
    sidebar_link(page, "Ajustes").wait_for()  # the menu arrives from App Bridge

    menu = page.locator("#app-nav a").all_inner_texts()
    screenshot(page, "admin-home")

    assert {"Productos", "Pedidos", "Ajustes", "Agente IA"} <= set(menu)
    assert frame.locator("h1").inner_text() == "Tienda Andina"
    assert frame.locator("#connection-status s-badge").all_inner_texts().count("Conectado") == 3


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_opens_from_the_admin_menu_with_its_data(admin, name):
    page, frame = admin
    label, data = PAGES[name]

    sidebar_link(page, label).click()
    frame.locator(data).first.wait_for()
    screenshot(page, f"admin-{name}")

    assert frame.locator("h1").inner_text() == label
    assert sidebar_link(page, label).get_attribute("aria-current") == "page"
    assert frame.locator("#app-errors [role=alert]").count() == 0


def test_imported_products_open_from_the_products_tabs(admin, demo):
    page, frame = admin
    _, product = demo
    sidebar_link(page, "Productos").click()
    frame.get_by_role("link", name="Productos importados").click()

    listed = frame.locator("#imported-list")
    listed.get_by_text(product["name"]).first.wait_for()
    screenshot(page, "admin-imported-products")

    assert frame.locator("h1").inner_text() == "Productos importados"


def test_an_order_waiting_for_the_merchant_is_confirmed_from_its_page(admin, demo):
    page, frame = admin
    stack, _ = demo
    with stack.app.app.app_context():
        order = OrderRecord.query.one()
        confirmation = order.step(StepName.CONFIRMATION)
        confirmation.state, confirmation.reason = StepState.WAITING, "customer_not_asked"
        db.session.commit()
    sidebar_link(page, "Pedidos").click()
    frame.locator("tr[data-order-id] a").first.click()
    frame.get_by_role("button", name="Confirmar").click()  # an htmx post with the session token

    frame.get_by_text("Confirmado por ti.").wait_for()
    screenshot(page, "admin-order")

    assert frame.locator("#app-errors [role=alert]").count() == 0
    assert frame.get_by_role("button", name="Confirmar").count() == 0


def test_no_page_visited_broke_the_content_security_policy(admin):
    page, _ = admin
    assert page.csp_violations == []
