"""The embedded shell: App Bridge and Polaris loading, vendored htmx, navigation, fragments."""
from __future__ import annotations

import html as html_lib
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint

from app import admin
from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_view
from tests.conftest import create_shop
from tests.support import API_KEY, encoded_host, mint_session_token

SHOP = "test-shop.myshopify.com"


def document_url(path: str, shop: str = SHOP, locale: str = "es") -> str:
    token = mint_session_token(shop)
    return (f"{path}?shop={shop}&host={encoded_host(shop)}&embedded=1&locale={locale}"
            f"&id_token={token}")


def htmx_headers(shop: str = SHOP) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_session_token(shop)}", "HX-Request": "true"}


def nav_links(html: str) -> list[tuple[str, str]]:
    nav = html.split('<nav class="app-nav"', 1)[1].split("</nav>", 1)[0]
    return [(html_lib.unescape(href), label)
            for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)]


def test_document_load_puts_app_bridge_first_then_polaris_htmx_and_app_js(client, shop):
    response = client.get(document_url("/app"))

    assert response.status_code == 200
    head = response.get_data(as_text=True).split("</head>", 1)[0]
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in head
    scripts = re.findall(r"<script([^>]*)></script>", head)
    assert scripts[0] == ' src="https://cdn.shopify.com/shopifycloud/app-bridge.js"'
    assert "defer" not in scripts[0] and "async" not in scripts[0]
    assert ' src="https://cdn.shopify.com/shopifycloud/polaris.js" defer' in scripts
    assert ' src="/static/vendor/htmx-2.0.11.min.js" defer' in scripts
    assert ' src="/static/js/app.js" defer' in scripts
    assert head.index("shopify-api-key") < head.index("app-bridge.js")


def test_pages_carry_no_inline_script(client, shop):
    html = client.get(document_url("/app")).get_data(as_text=True)

    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html


def test_cdn_addresses_come_from_settings(app, client, shop):
    settings = app.config["SETTINGS"]
    settings.app_bridge_url = "http://127.0.0.1:5001/cdn/app-bridge.js"
    settings.polaris_url = "http://127.0.0.1:5001/cdn/polaris.js"

    html = client.get(document_url("/app")).get_data(as_text=True)

    assert '<script src="http://127.0.0.1:5001/cdn/app-bridge.js"></script>' in html
    assert '<script src="http://127.0.0.1:5001/cdn/polaris.js" defer></script>' in html
    assert "cdn.shopify.com" not in html


def test_vendored_htmx_and_app_js_are_served_with_the_license_header(client):
    htmx = client.get("/static/vendor/htmx-2.0.11.min.js")
    app_js = client.get("/static/js/app.js")
    css = client.get("/static/css/app.css")

    assert htmx.status_code == app_js.status_code == css.status_code == 200
    assert htmx.get_data(as_text=True).startswith("/*! htmx 2.0.11")
    assert "Zero-Clause BSD" in htmx.get_data(as_text=True).splitlines()[0]
    assert 'version:"2.0.11"' in htmx.get_data(as_text=True)
    assert client.get("/static/vendor/htmx-2.0.11.LICENSE").status_code == 200
    script = app_js.get_data(as_text=True)
    assert '"Bearer " + state.token' in script
    assert "X-Shopify-Retry-Invalid-Session-Request" in script
    for body in (htmx, app_js, css):
        body.close()


@pytest.fixture
def reports_in_nav(monkeypatch):
    """A section listed in the menu whose area does not exist (yet)."""
    monkeypatch.setattr(admin, "NAV", [*admin.NAV, ("reports.index", "Reports")])


def registered_labels(app) -> list[str]:
    return [str(label) for endpoint, label in admin.NAV if endpoint in app.view_functions]


def test_navigation_lists_only_registered_areas_with_embedded_parameters(
    app, client, shop, reports_in_nav
):
    html = client.get(document_url("/app", locale="en")).get_data(as_text=True)

    links = nav_links(html)
    assert [label for _, label in links] == ["Home", *registered_labels(app)]
    assert "AI agent" in registered_labels(app) and "Reports" not in registered_labels(app)
    for href, _ in links:
        query = parse_qs(urlsplit(href).query)
        assert query["shop"] == [SHOP] and query["embedded"] == ["1"]
        assert query["host"] == [encoded_host(SHOP)] and query["locale"] == ["en"]
        assert "id_token" not in query
    menu = html.split("<ui-nav-menu>", 1)[1].split("</ui-nav-menu>", 1)[0]
    assert 'rel="home">Home</a>' in menu and ">AI agent</a>" in menu
    assert "Reports" not in html


def test_a_newly_registered_area_appears_in_the_navigation(app, shop, reports_in_nav):
    reports = Blueprint("reports", __name__, url_prefix="/app/reports")
    reports.add_url_rule("", "index", embedded_view(lambda: "reports"))
    app.register_blueprint(reports)
    client = app.test_client()

    links = nav_links(client.get(document_url("/app", locale="en")).get_data(as_text=True))

    assert links[-1][1] == "Reports"
    assert urlsplit(links[-1][0]).path == "/app/reports"


def test_current_section_is_marked(client, shop):
    html = client.get(document_url("/app/ai-agent", locale="en")).get_data(as_text=True)

    nav = html.split('<nav class="app-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'aria-current="page">AI agent<', nav)
    assert not re.search(r'aria-current="page">Home<', nav)


def test_htmx_request_with_session_token_gets_the_fragment_only(client, shop):
    response = client.get("/app", headers=htmx_headers())

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="connection-status"' in html
    assert "<html" not in html and "<nav" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_without_a_valid_token_is_asked_to_retry(client, shop):
    response = client.get("/app", headers={
        "HX-Request": "true", "Authorization": f"Bearer {mint_session_token(secret='wrong')}"})

    assert response.status_code == 401
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_one_shop_session_never_shows_another_shop(client, shop):
    create_shop("other-shop.myshopify.com", name="Other Shop", currency="MXN")

    html = client.get("/app", headers=htmx_headers("other-shop.myshopify.com"))
    page = client.get(document_url("/app", shop="other-shop.myshopify.com")).get_data(as_text=True)

    assert html.status_code == 200
    assert "Other Shop" in page and "MXN" in page
    assert "Test Shop" not in page and SHOP not in page


@pytest.mark.parametrize("kind", ["success", "error"])
def test_toast_adds_an_hx_trigger_next_to_existing_events(app, kind):
    with app.test_request_context("/"):
        response = app.make_response("ok")
        response.headers["HX-Trigger"] = "refreshList"

        toast(response, "Guardado", kind)

    assert json.loads(response.headers["HX-Trigger"]) == {
        "refreshList": None, "toast": {"message": "Guardado", "kind": kind}}


def test_toast_refuses_an_unknown_kind(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        toast(app.make_response("ok"), "x", "warning")


def test_history_restore_gets_the_whole_page(app):
    with app.test_request_context(
        "/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ):
        response = render_page_or_fragment("errors/page.html", "errors/_banner.html",
                                           title="T", message="M", reference=None, status=404)

    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_templates_render_outside_a_request(app):
    from flask import render_template_string

    text = render_template_string("{{ shell.nav|length }} {{ shell.home_url }}")

    assert text == "0 None"
