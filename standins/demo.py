"""The demo's one-step connection: `python -m standins demo-connect` connects a shop that installed the app
to a Dropi and an Ecomdrop account through the Settings services a merchant's clicks use (each
credential checked live, stored encrypted, flows chosen from the account's own flows, every
Dropi warehouse mapped to a Shopify location), so every page of the app has data to show.

`make run` (standins/runner.py) first opens the app once from the simulated admin, which installs it
by token exchange as a browser would, then runs this command with the stand-ins' credentials.
"""
from __future__ import annotations

import html
import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime

import click
import requests
from flask import Flask
from sqlalchemy import select

from app.clients.dropi import DROPI_HOSTS
from app.clients.ecomdrop import Flow
from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from app.services.settings import (
    DropiForm,
    EcomdropForm,
    IntegrationClients,
    Notice,
    SettingsInvalid,
    SettingsUnavailable,
    account_flows,
    load_configuration,
    load_locations,
    save_dropi,
    save_ecomdrop,
    save_location_mappings,
    save_options,
    sync_dropi_token_field,
)
from app.services.settings.recovery import RecoveryForm, save_recovery
from standins.demo_replies import wire_customer_replies

log = logging.getLogger(__name__)

# Exit status of `python -m standins demo-connect` when the shop must first be opened in the admin.
NEEDS_ADMIN_VISIT = 3
NEW_ORDER_WORDS = ("nuevo pedido", "new order", "pedido", "order")
ABANDONED_CART_WORDS = ("carrito", "abandon", "cart")
# How long the stand-in's customer takes to answer on WhatsApp.
CUSTOMER_ANSWER_SECONDS = 8.0
INCIDENT_WORDS = ("novedad", "incident", "incidencia")
BROWSER_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/131.0.0.0 Safari/537.36")
IFRAME_SRC = re.compile(r'id="app-iframe"[^>]*\ssrc="([^"]+)"')


class DemoConnectError(RuntimeError):
    """The demo shop could not be connected; `message` says why and what to do."""

    def __init__(self, message: str, *, needs_admin_visit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.needs_admin_visit = needs_admin_visit


@dataclass
class DemoConnection:
    """What `connect_demo_shop` set up, for the command's summary (no secret in it)."""

    shop_domain: str
    dropi_country: str
    new_order_flow: str | None = None
    abandoned_cart_flow: str | None = None
    mappings: list[tuple[str, str]] = field(default_factory=list)  # (warehouse, location)
    notices: list[str] = field(default_factory=list)


def connect_demo_shop(clients: IntegrationClients, shop_domain: str, *, dropi_country: str,
                      dropi_token: str, ecomdrop_key: str, cache,
                      dropi_store_name: str | None = None) -> DemoConnection:
    """Connect the installed shop `shop_domain` to Ecomdrop and Dropi as the Settings page
    would, choose the flows, map each Dropi warehouse to a Shopify location (in the order
    both list them) and turn the connector on. Running it again changes nothing new.

    Raises DemoConnectError with the services' own message when a step is refused."""
    shop = _installed_shop(shop_domain)
    started = utcnow()
    result = DemoConnection(shop.domain, dropi_country.upper())
    _save(result, save_ecomdrop, clients, shop, EcomdropForm(api_key=ecomdrop_key), cache)
    _choose_flows(result, clients, shop, cache)
    _save(result, save_dropi, clients, shop, DropiForm(
        country=result.dropi_country, store_name=dropi_store_name or shop.name or "",
        token=dropi_token))
    _sync_token_field(result, clients, shop, started)
    _map_locations(result, clients, shop)
    _save(result, save_options, shop, {"active": True, "get_shipments": True,
                                          "get_stock": True}, clients)
    # The demo's abandoned checkouts get their WhatsApp after a minute, not the usual hour.
    _save(result, save_recovery, shop, RecoveryForm(delay_minutes="1", audience="marketing"))
    log.info("demo shop %s connected to Dropi %s and Ecomdrop", shop.domain,
             result.dropi_country)
    return result


def _installed_shop(shop_domain: str) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.domain == shop_domain.strip().lower()))
    if shop is None or not shop.is_installed:
        raise DemoConnectError(
            f"{shop_domain} has not installed the app yet: open the app once from the "
            f"(simulated) Shopify admin, then run this again.", needs_admin_visit=True)
    return shop


def _save(result: DemoConnection, save, *args) -> None:
    try:
        outcome = save(*args)
    except SettingsInvalid as invalid:
        raise DemoConnectError(" ".join(invalid.errors.values())) from None
    _remember(result, outcome.notices)


def _remember(result: DemoConnection, notices: list[Notice | None]) -> None:
    result.notices += [str(n.message) for n in notices if n is not None]


def _choose_flows(result: DemoConnection, clients, shop: Shop, cache) -> None:
    try:
        flows = account_flows(clients, shop, cache, refresh=True)
    except SettingsUnavailable as unavailable:
        raise DemoConnectError(unavailable.message) from None
    new_order, abandoned = pick_flows(flows)
    incident = _named(flows, INCIDENT_WORDS, exclude=(new_order, abandoned))
    _save(result, save_ecomdrop, clients, shop, EcomdropForm(
        new_order_flow_id=new_order.id if new_order else "",
        abandoned_cart_flow_id=abandoned.id if abandoned else "",
        incident_flow_id=incident.id if incident else ""), cache)
    result.new_order_flow = new_order.name if new_order else None
    result.abandoned_cart_flow = abandoned.name if abandoned else None


def pick_flows(flows: list[Flow]) -> tuple[Flow | None, Flow | None]:
    """The new-order and abandoned-cart flows by their names, else the account's first two."""
    abandoned = _named(flows, ABANDONED_CART_WORDS, exclude=())
    new_order = _named(flows, NEW_ORDER_WORDS, exclude=(abandoned,))
    rest = [f for f in flows if f not in (new_order, abandoned)]
    new_order = new_order or (rest.pop(0) if rest else None)
    abandoned = abandoned or (rest.pop(0) if rest else None)
    return new_order, abandoned


def _named(flows: list[Flow], words: tuple[str, ...], exclude) -> Flow | None:
    for word in words:
        for flow in flows:
            if flow not in exclude and word in flow.name.lower():
                return flow
    return None


def _sync_token_field(result: DemoConnection, clients, shop: Shop, started: datetime) -> None:
    # The Ecomdrop account may be new (a restarted stand-in) while the saved token is not.
    config = load_configuration(shop)
    if config.ecomdrop_dropi_token_synced_at is None or (
            config.ecomdrop_dropi_token_synced_at < started):
        _remember(result, [sync_dropi_token_field(clients, config)])


def _map_locations(result: DemoConnection, clients, shop: Shop) -> None:
    section = load_locations(clients, shop)
    db.session.refresh(shop)
    if shop.needs_reauthorization:
        raise DemoConnectError(
            f"The app's access to {shop.domain} must be renewed: open the app once from the "
            f"(simulated) Shopify admin, then run this again.", needs_admin_visit=True)
    if section.problems or not section.locations:
        raise DemoConnectError(" ".join(section.problems) or "The shop has no active location.")
    rows = [row for row in section.rows if row.listed]
    chosen = {row.warehouse_id: section.locations[i % len(section.locations)].id
              for i, row in enumerate(rows)}
    try:
        saved = save_location_mappings(clients, shop, chosen)
    except SettingsInvalid as invalid:
        raise DemoConnectError(" ".join(invalid.errors.values())) from None
    names = {location.id: location.name for location in saved.locations}
    result.mappings = [(row.warehouse_name, names[row.location_id])
                       for row in saved.rows if row.location_id]


def import_sample_products(settings, shop_domain: str, count: int) -> list[str]:
    """Import the first `count` in-stock products of the shop's Dropi catalog with the default
    preferences, through the same service as the Import button (running it again updates those
    products, never duplicates them); returns their titles. Raises DemoConnectError."""
    from app.clients.dropi import DropiError
    from app.clients.shopify import ShopifyError
    from app.services.product_import import (
        ImportPreferences,
        ImportProblem,
        import_context_for,
        import_product,
    )

    shop = _installed_shop(shop_domain)
    titles = []
    try:
        context = import_context_for(settings, shop)
        for product in context.dropi.list_products(start=0, page_size=count, in_stock=True).items:
            result = import_product(context, str(product.id), ImportPreferences())
            if not result.ok:
                messages = [str(e.get("message")) for e in result.user_errors]
                raise DemoConnectError(f"{product.name}: {' '.join(messages)}")
            titles.append(product.name)
    except (ImportProblem, DropiError, ShopifyError) as exc:
        raise DemoConnectError(exc.merchant_message) from None
    return titles


def register(app: Flask) -> None:
    """The `demo-connect` command (`python -m standins demo-connect`)."""

    @app.cli.command("demo-connect")
    @click.option("--shop", "shop_domain", required=True, help="e.g. demo-shop.myshopify.com")
    @click.option("--dropi-country", default="CO", show_default=True,
                  type=click.Choice(sorted(DROPI_HOSTS), case_sensitive=False))
    @click.option("--dropi-token", required=True, envvar="DEMO_DROPI_TOKEN",
                  help="Dropi integration token (or DEMO_DROPI_TOKEN).")
    @click.option("--ecomdrop-key", required=True, envvar="DEMO_ECOMDROP_KEY",
                  help="Ecomdrop API key (or DEMO_ECOMDROP_KEY).")
    @click.option("--dropi-store-name", default=None, help="Defaults to the shop's name.")
    @click.option("--import-products", "import_count", default=0, show_default=True,
                  type=click.IntRange(0, 50), help="Also import this many Dropi products.")
    @click.option("--answer-after", default=CUSTOMER_ANSWER_SECONDS, show_default=True,
                  type=click.FloatRange(0, 600),
                  help="Seconds the stand-in's customer takes to confirm on WhatsApp.")
    def demo_connect(shop_domain, dropi_country, dropi_token, ecomdrop_key, dropi_store_name,
                     import_count, answer_after):
        """Connect an installed shop to Dropi and Ecomdrop as the Settings page would."""
        from flask_babel import force_locale

        from app.extensions import cache

        clients = IntegrationClients(app.config["SETTINGS"])
        try:
            with force_locale("en"):  # the other commands speak English too
                result = connect_demo_shop(
                    clients, shop_domain, dropi_country=dropi_country, dropi_token=dropi_token,
                    ecomdrop_key=ecomdrop_key, cache=cache, dropi_store_name=dropi_store_name)
                _print_summary(result)
                if wire_customer_replies(clients.settings, shop_domain,
                                         delay_seconds=answer_after):
                    click.echo("  Cash-on-delivery orders wait for the customer's WhatsApp "
                               "answer; the Ecomdrop stand-in answers 'si' a few seconds "
                               "after each order.")
                if import_count:
                    titles = import_sample_products(clients.settings, shop_domain, import_count)
                    click.echo(f"  Imported from Dropi: {', '.join(titles) or '(none in stock)'}")
        except DemoConnectError as exc:
            click.echo(f"Not connected: {exc.message}", err=True)
            raise SystemExit(NEEDS_ADMIN_VISIT if exc.needs_admin_visit else 1) from None


def _print_summary(result: DemoConnection) -> None:
    click.echo(f"{result.shop_domain} is connected to Dropi {result.dropi_country} and Ecomdrop.")
    click.echo(f"  New-order flow: {result.new_order_flow or '(none)'}; abandoned-cart flow: "
               f"{result.abandoned_cart_flow or '(none)'}")
    for warehouse, location in result.mappings:
        click.echo(f"  Dropi warehouse {warehouse} -> Shopify location {location}")
    for notice in result.notices:
        click.echo(f"  {notice}")


# -- used by `make run` ---------------------------------------------------------------------
def open_from_admin(admin_url: str, timeout: float = 60.0) -> int:
    """Load the app's iframe URL from the simulated admin page once, as a browser would (the
    first load installs the app by token exchange); returns the app's HTTP status."""
    page = requests.get(admin_url, timeout=timeout)
    page.raise_for_status()
    found = IFRAME_SRC.search(page.text)
    if found is None:
        raise DemoConnectError(f"{admin_url} does not embed the app.")
    answer = requests.get(html.unescape(found.group(1)), timeout=timeout,
                          headers={"User-Agent": BROWSER_USER_AGENT})
    return answer.status_code


def install_and_connect(admin_url: str, shop_domain: str, credentials: dict[str, str],
                        env: dict[str, str], flask_command: list[str]) -> str | None:
    """Open the app from the admin, then run `python -m standins demo-connect` (once more after another
    visit when the app's access had to be renewed). Returns None, or why it failed."""
    command = [*flask_command, "demo-connect", "--shop", shop_domain,
               "--dropi-country", credentials["dropi_country"],
               "--import-products", str(credentials.get("import_products", 0))]
    secrets = {"DEMO_DROPI_TOKEN": credentials["dropi_token"],
               "DEMO_ECOMDROP_KEY": credentials["ecomdrop_key"]}
    for _attempt in (1, 2):
        try:
            status = open_from_admin(admin_url)
        except (requests.RequestException, DemoConnectError) as exc:
            return f"the app could not be opened from the admin ({exc})"
        if status != 200:
            return f"opening the app from the admin answered HTTP {status}"
        done = subprocess.run(command, env={**env, **secrets}, timeout=300, check=False)
        if done.returncode != NEEDS_ADMIN_VISIT:
            return None if done.returncode == 0 else "demo-connect failed (see above)"
    return "the app's access to the shop could not be renewed"


def flask_command(python: str) -> list[str]:
    """`python -m standins` with the given interpreter: the app's CLI plus `demo-connect`."""
    return [python, "-m", "standins"]


def create_app_with_demo_commands() -> Flask:
    """The app as `wsgi.py` builds it, with `demo-connect` added (never in production)."""
    from app import create_app

    app = create_app()
    register(app)
    return app
