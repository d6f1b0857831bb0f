"""Security headers: a full Content-Security-Policy on HTML, no MIME sniffing, no caching of
merchant pages, and no inline script anywhere in the templates."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from tests.support import csp_directive, encoded_host, make_settings, mint_session_token

SHOP = "test-shop.myshopify.com"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MERCHANT_PAGES = ["/app", "/app/settings", "/app/products", "/app/orders", "/app/ai-agent"]


def document_url(path: str) -> str:
    return (f"{path}?shop={SHOP}&host={encoded_host(SHOP)}&embedded=1"
            f"&id_token={mint_session_token(SHOP)}")


def test_html_gets_a_policy_that_limits_scripts_to_this_app_and_shopifys_cdn(client, shop):
    response = client.get(document_url("/app"))
    assert response.status_code == 200
    assert csp_directive(response, "default-src") == "default-src 'self';"
    assert csp_directive(response, "script-src") == "script-src 'self' https://cdn.shopify.com;"
    assert csp_directive(response, "object-src") == "object-src 'none';"
    assert csp_directive(response, "base-uri") == "base-uri 'self';"
    assert csp_directive(response, "frame-ancestors") == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;")
    assert "'unsafe-inline'" not in csp_directive(response, "script-src")
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_images_may_come_only_from_this_app_shopifys_cdn_and_dropi(client, shop):
    sources = csp_directive(client.get(document_url("/app")), "img-src").rstrip(";").split()[1:]
    assert {"'self'", "https://cdn.shopify.com", "https://d39ru7awumhhs2.cloudfront.net",
            "https://*.dropi.co", "https://*.dropi.mx"} <= set(sources)
    assert "*" not in sources and "https:" not in sources and "http:" not in sources


def test_the_configured_cdn_and_dropi_stand_in_origins_are_the_ones_allowed(tmp_path):
    settings = make_settings(tmp_path, shopify_app_bridge_url="http://127.0.0.1:5001/cdn/ab.js",
                             shopify_polaris_url="http://127.0.0.1:5001/cdn/polaris.js",
                             dropi_url_template="http://127.0.0.1:5002/{country}/integrations",
                             dropi_image_base_url="http://127.0.0.1:5002/")
    response = create_app(settings).test_client().get(f"/auth/session-token?shop={SHOP}")
    assert csp_directive(response, "script-src") == "script-src 'self' http://127.0.0.1:5001;"
    assert "http://127.0.0.1:5002" in csp_directive(response, "img-src")


@pytest.mark.parametrize("path", MERCHANT_PAGES)
def test_merchant_pages_are_never_cached_nor_sniffed(client, shop, path):
    response = client.get(document_url(path))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert csp_directive(response, "script-src")


def test_fragments_and_non_html_answers_are_not_sniffed_either(client, shop):
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"
    fragment = client.get("/app/settings", headers={
        "Authorization": f"Bearer {mint_session_token(SHOP)}", "HX-Request": "true"})
    assert fragment.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix()
                                            for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_script(template):
    text = (TEMPLATES / template).read_text()
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text) == []
    assert re.findall(r"\son[a-z]+\s*=", text) == []
    assert "javascript:" not in text


def test_the_exit_iframe_page_runs_its_script_from_a_static_file(client):
    response = client.get(f"/auth/exit-iframe?shop={SHOP}&exitIframe=https://{SHOP}/admin/apps/x")
    body = response.get_data(as_text=True)
    assert '<script src="/static/js/exit-iframe.js"></script>' in body
    script = client.get("/static/js/exit-iframe.js")
    assert 'window.open(link.href, "_top")' in script.get_data(as_text=True)
