"""`python -m standins demo-connect` against the Shopify, Dropi and Ecomdrop stand-ins and the real app over
HTTP: the demo shop is installed from the simulated admin, then connected through the Settings
services (live checks, encrypted storage, flows, one location per warehouse)."""
from __future__ import annotations

import sys

import pytest
import requests
from sqlalchemy import func, select, text

from standins.demo import (NEEDS_ADMIN_VISIT, flask_command, install_and_connect, pick_flows,
                           register as register_demo_commands)
from app.clients.ecomdrop import Flow
from app.extensions import db
from app.models import LocationMapping, Shop, ShopConfiguration
from standins.runner import stand_in_environment
from standins.dropi import geography
from standins.ecomdrop import DEMO_API_KEY
from tests.browser_support import running_stack
from tests.support import API_KEY, API_SECRET

pytestmark = pytest.mark.e2e
SHOP = "demo-shop.myshopify.com"


@pytest.fixture
def stack(tmp_path):
    with running_stack(tmp_path, worker=False) as running:
        running.shopify.create_shop(SHOP, seed=True)
        yield running


def run_cli(stack, *args: str):
    register_demo_commands(stack.app.app)
    return stack.app.app.test_cli_runner().invoke(args=["demo-connect", "--shop", SHOP, *args])


def stored(stack):
    with stack.app.app.app_context():
        config = db.session.scalar(select(ShopConfiguration))
        mappings = [(m.dropi_warehouse_name, m.shopify_location_name) for m in
                    db.session.scalars(select(LocationMapping).order_by(LocationMapping.id))]
        raw = db.session.execute(text(
            "SELECT dropi_token, ecomdrop_api_key FROM shop_configurations")).one()
        return config, mappings, raw


def ecomdrop_account(stack) -> dict:
    accounts = requests.get(f"{stack.ecomdrop.url}/standin/accounts", timeout=5).json()
    return next(a for a in accounts["accounts"] if a["name"] == "Tienda Demo")


def test_demo_connect_connects_the_installed_shop_and_running_it_again_changes_nothing(
        stack):
    stack.install(SHOP)
    token = stack.dropi_token("CO")

    result = run_cli(stack, "--dropi-country", "CO", "--dropi-token", token,
                     "--ecomdrop-key", DEMO_API_KEY)

    assert result.exit_code == 0, result.output
    config, mappings, raw = stored(stack)
    assert config.dropi_country == "CO" and config.dropi_token == token
    assert config.ecomdrop_api_key == DEMO_API_KEY and config.active is True
    assert config.get_shipments is True and config.create_orders is True
    assert token not in raw and DEMO_API_KEY not in raw  # encrypted at rest
    flows = {str(f["id"]): f["name"] for f in ecomdrop_account(stack)["flows"]}
    assert flows[config.ecomdrop_new_order_flow_id] == "Nuevo pedido"
    assert flows[config.ecomdrop_abandoned_cart_flow_id] == "Carrito abandonado"
    warehouses = [w.name for w in geography.warehouses("CO")]
    locations = [loc["name"] for loc in stack.shopify.store.shop(SHOP).locations.values()]
    assert sorted(w for w, _ in mappings) == sorted(warehouses)
    assert {loc for _, loc in mappings} <= set(locations) and len(mappings) >= 2
    assert len({loc for _, loc in mappings}) == min(len(warehouses), len(locations))
    fields = {f["name"]: f["value"] for f in ecomdrop_account(stack)["bot_fields"]}
    assert fields["DROPI TOKEN CO"] == token
    assert "is connected to Dropi CO and Ecomdrop" in result.output
    assert "Nuevo pedido" in result.output and "Carrito abandonado" in result.output
    assert token not in result.output and DEMO_API_KEY not in result.output

    again = run_cli(stack, "--dropi-token", token, "--ecomdrop-key", DEMO_API_KEY)

    assert again.exit_code == 0, again.output
    assert stored(stack)[1] == mappings
    with stack.app.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ShopConfiguration)) == 1


def test_every_page_has_data_after_demo_connect_with_sample_imports(stack):
    stack.install(SHOP)
    result = run_cli(stack, "--dropi-token", stack.dropi_token("CO"),
                     "--ecomdrop-key", DEMO_API_KEY, "--import-products", "2")
    assert result.exit_code == 0, result.output

    home = stack.app.get(stack.iframe_url(SHOP))
    catalog = stack.app.get(stack.iframe_url(SHOP, "/products"))
    imported = stack.app.get(stack.iframe_url(SHOP, "/products/imported"))
    settings = stack.app.get(stack.iframe_url(SHOP, "/settings"))

    assert home.text.count("Conectado") == 3
    assert catalog.status_code == 200 and "data-product-id" in catalog.text
    assert settings.status_code == 200 and "Nuevo pedido" in settings.text
    titles = result.output.split("Imported from Dropi: ")[1].strip().split(", ")
    assert len(titles) == 2 and all(title in imported.text for title in titles)
    store = stack.shopify.store.shop(SHOP)
    assert sum(p["handle"].startswith("dropi-co-") for p in store.products.values()) == 2


def test_a_shop_that_never_opened_the_app_is_told_to_open_it_first(stack):
    result = run_cli(stack, "--dropi-token", stack.dropi_token("CO"),
                     "--ecomdrop-key", DEMO_API_KEY)
    assert result.exit_code == NEEDS_ADMIN_VISIT
    assert "open the app once" in result.output


def test_a_refused_credential_stores_nothing_and_says_why(stack):
    stack.install(SHOP)

    wrong_key = run_cli(stack, "--dropi-token", stack.dropi_token("CO"),
                        "--ecomdrop-key", "not-an-ecomdrop-key")
    wrong_country = run_cli(stack, "--dropi-country", "MX", "--dropi-token",
                            stack.dropi_token("CO"), "--ecomdrop-key", DEMO_API_KEY)

    assert wrong_key.exit_code == 1 and "Ecomdrop rejected the API key" in wrong_key.output
    assert wrong_country.exit_code == 1 and "rejected the integration token" in (
        wrong_country.output)
    config, mappings, _ = stored(stack)
    assert config.dropi_token is None and mappings == []


def test_flows_are_picked_by_name_else_in_the_accounts_order():
    named = [Flow("1", "Confirmación de envío"), Flow("2", "Carrito abandonado"),
             Flow("3", "Nuevo pedido")]
    assert pick_flows(named) == (named[2], named[1])
    other = [Flow("7", "Bienvenida"), Flow("8", "Seguimiento")]
    assert pick_flows(other) == (other[0], other[1])
    assert pick_flows([]) == (None, None)


def subprocess_env(stack) -> dict[str, str]:
    """The environment `make run` gives its children, for this test's app and stand-ins."""
    settings = stack.app.settings
    env = {
        "PATH": "/usr/bin:/bin", "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
        "INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url, "QUEUE_NAME": settings.queue_name,
        "SECRET_KEY": settings.secret_key, "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
    }
    env.update(stand_in_environment(stack.app.url, stack.shopify.url, stack.dropi.url,
                                    stack.ecomdrop.url))
    return env


def test_make_runs_step_renews_the_apps_access_when_shopify_forgot_it_then_connects(stack):
    stack.install(SHOP)
    stack.connect(SHOP)
    # A restarted Shopify stand-in no longer knows the app's saved tokens.
    requests.post(f"{stack.shopify.url}/standin/tokens/expire", json={"shop": SHOP,
                  "which": "all"}, timeout=5).raise_for_status()
    credentials = {"dropi_country": "CO", "dropi_token": stack.dropi_token("CO"),
                   "ecomdrop_key": DEMO_API_KEY, "import_products": 1}

    # `python -m standins demo-connect` finds the access refused (exit 3), the admin is opened once more
    # (a token exchange renews it) and the command runs again, successfully.
    problem = install_and_connect(stack.shopify.admin_url(SHOP), SHOP, credentials,
                                  subprocess_env(stack), flask_command(sys.executable))

    assert problem is None
    assert stack.token_stats(SHOP)["token_exchange_calls"] == 2
    with stack.app.app.app_context():
        shop = db.session.scalar(select(Shop).filter_by(domain=SHOP))
        assert shop.is_installed and not shop.needs_reauthorization
    assert len(stored(stack)[1]) >= 2
    store = stack.shopify.store.shop(SHOP)
    assert sum(p["handle"].startswith("dropi-co-") for p in store.products.values()) == 1
