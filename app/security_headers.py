"""Response headers every page needs to load inside the Shopify admin, and nowhere else."""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from app.auth.shop_domain import sanitize_shop_domain

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


def register(app: Flask) -> None:
    """Add the Content-Security-Policy (and preload hints) to every HTML response."""

    @app.after_request
    def add_embedding_headers(response: Response) -> Response:
        if response.mimetype not in HTML_TYPES:
            return response
        settings = current_app.config["SETTINGS"]
        shop = g.get("shop_domain") or request.args.get("shop")
        policy = frame_ancestors(settings, shop)
        others = [
            directive.strip()
            for directive in response.headers.get("Content-Security-Policy", "").split(";")
            if directive.strip() and not directive.strip().lower().startswith("frame-ancestors")
        ]
        response.headers["Content-Security-Policy"] = "; ".join([*others, policy])
        response.headers.setdefault(
            "Link",
            f'<{settings.app_bridge_url}>; rel="preload"; as="script", '
            f'<{settings.polaris_url}>; rel="preload"; as="script"',
        )
        return response
