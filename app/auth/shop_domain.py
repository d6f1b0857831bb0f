"""Shop domains and the admin `host` parameter: the only shapes the app ever trusts."""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
HOST_PARAM = re.compile(r"^[0-9a-zA-Z+/]+={0,2}$")
SHOPIFY_ADMIN_HOST_SUFFIXES = (
    ".myshopify.com", ".shopify.com", ".myshopify.io", ".spin.dev", ".shop.dev",
)
MAX_DOMAIN_LENGTH = 255


def sanitize_shop_domain(value: str | None) -> str | None:
    """`value` lower-cased when it is exactly `<name>.myshopify.com`, otherwise None."""
    if not value or len(value) > MAX_DOMAIN_LENGTH:
        return None
    candidate = value.strip().lower()
    if not SHOP_DOMAIN.fullmatch(candidate):
        return None
    return candidate


def decode_host(host: str | None, *, admin_origin: str | None = None) -> str | None:
    """The admin location encoded in Shopify's `host` parameter (e.g. `admin.shopify.com/store/x`).

    Shopify sends it as base64 without padding. Only Shopify admin hosts are accepted, plus the
    host of `admin_origin` when the app runs against a local stand-in of the admin.
    """
    if not host or len(host) > 1024 or not HOST_PARAM.match(host):
        return None
    padded = host + "=" * (-len(host) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not decoded or any(ch.isspace() for ch in decoded) or "\\" in decoded or "@" in decoded:
        return None
    netloc = decoded.split("/", 1)[0]
    if _is_shopify_admin_host(netloc) or netloc == _origin_netloc(admin_origin):
        return decoded
    return None


def admin_url_for_host(decoded_host: str, *, admin_origin: str | None = None) -> str:
    """Absolute URL of a decoded host: https, or the stand-in admin's own scheme."""
    netloc = decoded_host.split("/", 1)[0]
    scheme = "https"
    if admin_origin and netloc == _origin_netloc(admin_origin):
        scheme = urlsplit(admin_origin).scheme or "https"
    return f"{scheme}://{decoded_host}"


def store_name(shop_domain: str) -> str:
    """`acme.myshopify.com` -> `acme` (the name used in admin.shopify.com/store/<name>)."""
    return shop_domain.split(".", 1)[0]


def _is_shopify_admin_host(netloc: str) -> bool:
    hostname = netloc.lower()
    if not re.fullmatch(r"[a-z0-9.-]+", hostname):
        return False
    return hostname == "admin.shopify.com" or hostname.endswith(SHOPIFY_ADMIN_HOST_SUFFIXES)


def _origin_netloc(origin: str | None) -> str | None:
    if not origin:
        return None
    return urlsplit(origin).netloc or None
