"""Response headers: the Content-Security-Policy every page needs to load inside the Shopify
admin and nowhere else, no MIME sniffing, and no caching of merchant pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from app.auth.shop_domain import sanitize_shop_domain
from app.clients.dropi import DROPI_HOSTS, dropi_base_url
from app.services.html_sanitizer import DROPI_IMAGE_ORIGINS, SHOPIFY_CDN_ORIGIN

SHOPIFY_ADMIN_ORIGIN = "https://admin.shopify.com"
HTML_TYPES = ("text/html",)


def frame_ancestors(settings, shop_domain: str | None) -> str:
    """`frame-ancestors` allowing the shop's own admin and Shopify's unified admin only.

    `shop_domain` is sanitized first; an unknown or invalid shop leaves only the admin
    origin(s). A local stand-in admin (settings.admin_origin) is allowed as well.
    """
    sources = []
    shop = sanitize_shop_domain(shop_domain)
    if shop:
        sources.append(f"https://{shop}")
    sources.append(SHOPIFY_ADMIN_ORIGIN)
    admin_origin = (settings.admin_origin or "").rstrip("/")
    if admin_origin and admin_origin != SHOPIFY_ADMIN_ORIGIN:
        sources.append(admin_origin)
    return "frame-ancestors " + " ".join(sources) + ";"


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an absolute http(s) URL, else None."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _unique(*origins: str | None) -> str:
    return " ".join(dict.fromkeys(o for o in origins if o))


def content_policy(settings) -> str:
    """Every directive but frame-ancestors: scripts only from this app and Shopify's CDN (the
    configured App Bridge and Polaris origins), images only from this app, Shopify's CDN and
    Dropi's image hosts, no plugins, no <base> elsewhere, no inline script."""
    # The same for every response of an app: built once per settings object.
    key = id(settings)
    cached = _POLICIES.get(key)
    if cached is None or cached[0] is not settings:
        cached = _POLICIES[key] = (settings, _content_policy(settings))
    return cached[1]


_POLICIES: dict[int, tuple[object, str]] = {}


def _content_policy(settings) -> str:
    cdn = [origin_of(settings.app_bridge_url), origin_of(settings.polaris_url)]
    dropi_images = [origin_of(settings.dropi_image_base_url), *DROPI_IMAGE_ORIGINS]
    dropi_images += [origin_of(dropi_base_url(settings, country)) for country in DROPI_HOSTS
                     if dropi_base_url(settings, country)]
    directives = [
        "default-src 'self'",
        "script-src " + _unique("'self'", *cdn),
        # App Bridge and Polaris insert <style> elements; style cannot run code.
        "style-src " + _unique("'self'", "'unsafe-inline'", *cdn),
        "img-src " + _unique("'self'", "data:", SHOPIFY_CDN_ORIGIN, *cdn, *dropi_images),
        "font-src " + _unique("'self'", SHOPIFY_CDN_ORIGIN, *cdn),
        "connect-src " + _unique("'self'", *cdn),
        "object-src 'none'",
        "base-uri 'self'",
    ]
    return "; ".join(directives) + ";"


def register(app: Flask) -> None:
    """Add the security headers to every response (the policy to HTML ones)."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype not in HTML_TYPES:
            return response
        settings = current_app.config["SETTINGS"]
        shop = g.get("shop_domain") or request.args.get("shop")
        response.headers["Content-Security-Policy"] = (
            content_policy(settings) + " " + frame_ancestors(settings, shop))
        # Merchant pages carry shop data and a session token in their URL: never cache them.
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault(
            "Link",
            f'<{settings.app_bridge_url}>; rel="preload"; as="script", '
            f'<{settings.polaris_url}>; rel="preload"; as="script"',
        )
        return response
