"""One blueprint per area of the embedded admin, and the shell every admin page shares."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l

from app.auth.embedded import embedded_url

# The app's sections, in menu order. An entry appears once its endpoint is registered.
NAV: list[tuple[str, str]] = [
    ("products.index", _l("Products")),
    ("orders.index", _l("Orders")),
    ("sync.index", _l("Sync")),
    ("settings.index", _l("Settings")),
    ("ai_agent.index", _l("AI agent")),
]
HOME_ENDPOINT = "home.index"
# Blueprints whose pages belong to another menu entry's area.
NAV_AREA_OF = {"abandoned_checkouts": "orders", "shipments": "orders",
               "price_changes": "products"}


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


@dataclass(frozen=True)
class Shell:
    """What base.html needs: App Bridge and Polaris sources and the navigation."""

    api_key: str
    app_bridge_url: str
    polaris_url: str
    home_url: str | None
    home_active: bool
    nav: list[NavItem]


def register_admin_blueprints(app: Flask) -> None:
    """Register the `bp` of every module in app/admin (home.py, products.py, ...)."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        blueprint = getattr(module, "bp", None)
        if isinstance(blueprint, Blueprint):
            app.register_blueprint(blueprint)
    app.jinja_env.globals.setdefault("embedded_url", embedded_url)
    app.context_processor(lambda: {"shell": shell_context()})


def endpoint_registered(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def nav_items() -> list[NavItem]:
    """The NAV entries whose area exists, with links that keep the embedded parameters."""
    current = NAV_AREA_OF.get(request.blueprint, request.blueprint)
    return [
        NavItem(embedded_url(endpoint), str(label), active=endpoint.split(".")[0] == current)
        for endpoint, label in NAV
        if endpoint_registered(endpoint)
    ]


def shell_context() -> Shell:
    settings = current_app.config["SETTINGS"]
    authenticated = (has_request_context() and g.get("shop") is not None
                     and endpoint_registered(HOME_ENDPOINT))
    home_url = None
    if authenticated:
        home_url = embedded_url(HOME_ENDPOINT)
    return Shell(
        api_key=settings.shopify_api_key,
        app_bridge_url=settings.app_bridge_url,
        polaris_url=settings.polaris_url,
        home_url=home_url,
        home_active=authenticated and request.endpoint == HOME_ENDPOINT,
        nav=nav_items() if authenticated else [],
    )
