"""static/js/app.js in a real browser against the real app over HTTP.

App Bridge's CDN script is replaced by a small stand-in whose `shopify.idToken()` hands out
real signed session tokens from a list the test chooses, and whose `shopify.toast.show`
records toasts; Polaris' CDN is unreachable, as it is offline.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AIConfiguration
from tests.conftest import create_shop
from tests.live_standins import running_app
from tests.support import encoded_host, make_settings, mint_session_token

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

SHOP = "test-shop.myshopify.com"
APP_BRIDGE_WITH_TOAST = """
window.__toasts = [];
window.shopify = {
  idToken: function () {
    var tokens = window.__sessionTokens;
    return Promise.resolve(tokens.length > 1 ? tokens.shift() : tokens[0]);
  },
  toast: { show: function (message, options) {
    window.__toasts.push({ message: message, isError: !!(options && options.isError) });
  } }
};
"""
APP_BRIDGE_WITHOUT_TOAST = APP_BRIDGE_WITH_TOAST.replace("toast: {", "unused: {")
# Headless Chromium names itself "HeadlessChrome", which the app rightly treats as a crawler.
DESKTOP_CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/130.0.0.0 Safari/537.36")


@pytest.fixture
def served(tmp_path):
    with running_app(make_settings(tmp_path)) as running:
        with running.app.app_context():
            create_shop()
        yield running


def open_admin_page(browser, served, *, tokens, bridge=APP_BRIDGE_WITH_TOAST, locale="es"):
    """The AI agent page loaded like the admin loads it; returns (page, requests seen)."""
    page = browser.new_context(user_agent=DESKTOP_CHROME).new_page()
    page.set_default_timeout(10_000)
    # The page's profile sections load themselves first, with a token of their own; the
    # test's tokens are handed out from then on.
    loading = [mint_session_token(lifetime=600)] if bridge is not None else tokens
    page.add_init_script(f"window.__sessionTokens = {json.dumps(loading)};")
    if bridge is None:
        page.route("**/shopifycloud/app-bridge.js", lambda route: route.abort())
    else:
        page.route("**/shopifycloud/app-bridge.js", lambda route: route.fulfill(
            body=bridge, content_type="application/javascript"))
    page.route("**/shopifycloud/polaris.js", lambda route: route.abort())
    seen = []
    page.on("request", lambda request: seen.append(request) if "/app/" in request.url else None)
    page.goto(f"{served.url}/app/ai-agent?shop={SHOP}&host={encoded_host()}&embedded=1"
              f"&locale={locale}&id_token={mint_session_token(lifetime=600)}")
    if bridge is not None:
        page.locator("#agent-versions").wait_for()
        page.evaluate(f"window.__sessionTokens = {json.dumps(tokens)}")
        seen.clear()
    return page, seen


def wait_for_js(page, expression: str, timeout_ms: int = 10_000) -> None:
    """Poll `expression` from the test side: the page's Content-Security-Policy forbids the
    eval that Playwright's own wait_for_function would run inside the page."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression) is True:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{expression} still false after {timeout_ms} ms")


def posts(seen):
    return [request for request in seen if request.method == "POST"]


def saved_agent_name(served):
    with served.app.app_context():
        row = db.session.scalar(select(AIConfiguration))
        return row.agent_name if row else None


def test_save_sends_the_session_token_and_shows_the_toast(browser, served):
    token = mint_session_token(lifetime=600)
    page, seen = open_admin_page(browser, served, tokens=[token])

    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")
    wait_for_js(page, "window.__toasts.length === 1")

    assert page.evaluate("window.__toasts") == [
        {"message": "Configuración del agente IA guardada.", "isError": False}]
    assert [r.headers.get("authorization") for r in posts(seen)] == [f"Bearer {token}"]
    assert posts(seen)[0].headers.get("accept-language") == "es"
    assert saved_agent_name(served) == "Valentina"
    assert page.input_value("#field-agent_name") == "Valentina"


def test_rejected_token_is_retried_once_with_a_fresh_one(browser, served):
    stale = mint_session_token(secret="an-old-secret", lifetime=600)
    fresh = mint_session_token(lifetime=600)
    page, seen = open_admin_page(browser, served, tokens=[stale, fresh])

    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")
    wait_for_js(page, "window.__toasts.length === 1")

    assert [r.headers.get("authorization") for r in posts(seen)] == [
        f"Bearer {stale}", f"Bearer {fresh}"]
    assert saved_agent_name(served) == "Valentina"
    assert page.inner_text("#app-errors").strip() == ""


def test_a_second_rejection_shows_a_banner_and_is_not_retried_again(browser, served):
    stale = mint_session_token(secret="an-old-secret", lifetime=600)
    page, seen = open_admin_page(browser, served, tokens=[stale])

    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")
    page.locator("#app-errors [role=alert]").wait_for()

    assert "Tu sesión de Shopify expiró" in page.inner_text("#app-errors")
    assert len(posts(seen)) == 2
    assert saved_agent_name(served) is None
    assert page.input_value("#field-agent_name") == "Valentina"


def test_invalid_form_is_swapped_in_with_errors_and_typed_values(browser, served):
    page, _ = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)],
                              locale="en")

    page.fill("#field-agent_name", "Valentina")
    page.fill("#field-company_description", "Hogar y tecnología")
    page.fill("#field-notification-cancellation-name", "Ana")
    page.fill("#field-notification-cancellation-phone", "123")
    page.click("button[type=submit]")
    alert = page.get_by_role("group", name="Cancellation").get_by_role("alert")
    alert.wait_for()

    assert "This is not a valid phone number" in alert.inner_text()

    assert page.input_value("#field-agent_name") == "Valentina"
    assert page.input_value("#field-company_description") == "Hogar y tecnología"
    assert page.input_value("#field-notification-cancellation-phone") == "123"
    assert page.evaluate("window.__toasts") == []
    assert page.inner_text("#app-errors").strip() == ""


def test_faq_rows_are_added_and_removed(browser, served):
    page, seen = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)])
    rows = page.locator("#faq_pre_sale-rows [data-row]")
    assert rows.count() == 1

    page.click("#faq_pre_sale-rows + button")
    wait_for_js(page, "document.querySelectorAll('#faq_pre_sale-rows [data-row]').length === 2")
    rows.nth(1).locator("input").fill("¿Hacen envíos?")
    rows.nth(0).get_by_role("button", name="Eliminar").click()

    assert rows.count() == 1
    assert rows.nth(0).locator("input").input_value() == "¿Hacen envíos?"
    added = [r for r in seen if "/faq-row" in r.url]
    assert added and added[0].headers.get("authorization", "").startswith("Bearer ey")


def test_server_error_banner_is_swapped_into_the_error_region(browser, served):
    served.app.config["MAX_CONTENT_LENGTH"] = 2000
    page, _ = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)])

    page.fill("#field-agent_name", "Valentina")
    page.fill("#field-policies", "x" * 3000)
    page.click("button[type=submit]")
    page.locator("#app-errors [data-app-banner]").wait_for()

    assert "Demasiado grande" in page.inner_text("#app-errors")
    assert page.input_value("#field-agent_name") == "Valentina"
    page.click("#app-errors [data-remove-closest]")
    assert page.inner_text("#app-errors").strip() == ""


def test_an_answer_that_is_not_ours_gets_a_plain_banner(browser, served):
    page, _ = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)])
    page.route("**/app/ai-agent?*", lambda route: route.fulfill(
        status=502, body="<html><body>Bad gateway</body></html>", content_type="text/html")
        if route.request.method == "POST" else route.continue_())

    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")
    page.locator("#app-errors [role=alert]").wait_for()

    assert "Algo salió mal de nuestro lado" in page.inner_text("#app-errors")
    assert "Bad gateway" not in page.content()


def test_without_app_bridge_toast_the_page_shows_its_own(browser, served):
    page, _ = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)],
                              bridge=APP_BRIDGE_WITHOUT_TOAST)

    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")

    toast = page.locator("#app-toasts .toast")
    toast.get_by_text("Configuración del agente IA guardada.").wait_for()


def test_page_stays_readable_when_the_cdn_is_unreachable(browser, served):
    page, _ = open_admin_page(browser, served, tokens=[], bridge=None)

    assert page.get_by_role("heading", name="Agente IA", level=1).is_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="Inicio").is_visible()
    page.fill("#field-agent_name", "Valentina")
    page.click("button[type=submit]")
    page.locator("#app-errors [role=alert]").wait_for()
    assert "Tu sesión de Shopify expiró" in page.inner_text("#app-errors")


def test_empty_required_field_is_flagged_before_anything_is_sent(browser, served):
    page, seen = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)])

    page.click("button[type=submit]")

    assert page.evaluate("document.querySelector('#field-agent_name').validity.valueMissing")
    assert page.evaluate("document.activeElement.id") == "field-agent_name"
    assert posts(seen) == []


def test_a_successful_save_clears_the_previous_error_banner(browser, served):
    served.app.config["MAX_CONTENT_LENGTH"] = 2000
    page, _ = open_admin_page(browser, served, tokens=[mint_session_token(lifetime=600)])
    page.fill("#field-agent_name", "Valentina")
    page.fill("#field-policies", "x" * 3000)
    page.click("button[type=submit]")
    page.locator("#app-errors [data-app-banner]").wait_for()

    page.fill("#field-policies", "Cambios en 30 días")
    page.click("button[type=submit]")
    wait_for_js(page, "window.__toasts.length === 1")

    assert page.inner_text("#app-errors").strip() == ""
    assert saved_agent_name(served) == "Valentina"
