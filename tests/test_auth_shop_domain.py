"""Only `<name>.myshopify.com` shops and Shopify admin hosts are ever trusted."""
from __future__ import annotations

import base64

import pytest

from app.auth.shop_domain import admin_url_for_host, decode_host, sanitize_shop_domain
from tests.support import encoded_host

HOSTILE_SHOPS = [
    "evil.com",
    "x.myshopify.com.evil.com",
    "-x.myshopify.com",
    "x.myshopify.com/",
    "x.myshopify.com@evil.com",
    "https://x.myshopify.com",
    "x_y.myshopify.com",
    ".myshopify.com",
    "x.myshopify.com\nSet-Cookie: a=b",
    "",
    None,
]


@pytest.mark.parametrize("hostile", HOSTILE_SHOPS)
def test_hostile_shop_domains_are_rejected(hostile):
    assert sanitize_shop_domain(hostile) is None


def test_valid_shop_domains_are_lower_cased():
    assert sanitize_shop_domain("My-Store.MyShopify.com") == "my-store.myshopify.com"
    assert sanitize_shop_domain("shop1.myshopify.com") == "shop1.myshopify.com"


def test_an_unpadded_host_decodes_to_the_admin_location():
    host = encoded_host("new-danoja.myshopify.com")
    assert not host.endswith("=")
    assert decode_host(host) == "admin.shopify.com/store/new-danoja"
    research_example = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbmV3LWRhbm9qYQ"
    assert decode_host(research_example) == "admin.shopify.com/store/new-danoja"


def test_the_legacy_shop_admin_host_is_accepted():
    host = base64.b64encode(b"my-store.myshopify.com/admin").decode()
    assert decode_host(host) == "my-store.myshopify.com/admin"


@pytest.mark.parametrize("raw", [b"evil.com/store/x", b"admin.shopify.com.evil.com/x",
                                 b"evil.com@admin.shopify.com", b"admin.shopify.com\\@evil.com"])
def test_hosts_outside_the_shopify_admin_are_rejected(raw):
    assert decode_host(base64.b64encode(raw).decode().rstrip("=")) is None


def test_malformed_hosts_are_rejected():
    for host in ("", None, "not base64!", "a" * 2000, "%%%"):
        assert decode_host(host) is None


def test_the_local_admin_stand_in_host_is_accepted_only_when_configured():
    host = base64.b64encode(b"127.0.0.1:5001/store/demo-shop").decode().rstrip("=")
    assert decode_host(host) is None
    decoded = decode_host(host, admin_origin="http://127.0.0.1:5001")
    assert decoded == "127.0.0.1:5001/store/demo-shop"
    assert admin_url_for_host(decoded, admin_origin="http://127.0.0.1:5001") == (
        "http://127.0.0.1:5001/store/demo-shop"
    )
    assert admin_url_for_host("admin.shopify.com/store/x") == "https://admin.shopify.com/store/x"
