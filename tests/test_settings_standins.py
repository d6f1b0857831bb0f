"""The settings services against the local Dropi, Ecomdrop and Shopify stand-ins over real
HTTP: the same requests the app sends in production, answered by servers that speak the
services' protocols."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from cachelib import SimpleCache
from flask_babel import force_locale

from app.extensions import db
from app.models.types import utcnow
from standins.ecomdrop import DEMO_API_KEY
from app.services.settings import (
    DropiForm,
    EcomdropForm,
    IntegrationClients,
    SettingsInvalid,
    account_flows,
    check_connections,
    load_configuration,
    load_locations,
    save_dropi,
    save_ecomdrop,
    save_options,
    save_location_mappings,
)
from tests.live_standins import (
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)

SHOP = "test-shop.myshopify.com"


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture(scope="module")
def dropi_stand_in():
    with running_dropi_stand_in() as server:
        yield server


@pytest.fixture(scope="module")
def ecomdrop_stand_in():
    with running_ecomdrop_stand_in() as server:
        yield server


@pytest.fixture
def clients(app, dropi_stand_in, ecomdrop_stand_in, instance_dir):
    settings = stand_in_settings(instance_dir, dropi=dropi_stand_in, ecomdrop=ecomdrop_stand_in)
    return IntegrationClients(settings, sleep=lambda seconds: None)


def demo_token(dropi_stand_in, country: str) -> str:
    tokens = requests.get(f"{dropi_stand_in.url}/standin/tokens", timeout=5).json()["tokens"]
    return next(t["token"] for t in tokens if t["country"] == country)


def ecomdrop_bot_fields(ecomdrop_stand_in, account: str = "Tienda Demo") -> dict:
    listed = requests.get(f"{ecomdrop_stand_in.url}/standin/accounts", timeout=5)
    accounts = listed.json()["accounts"]
    fields = next(a for a in accounts if a["name"] == account)["bot_fields"]
    return {f["name"]: f["value"] for f in fields}


def dropi_calls(dropi_stand_in) -> list[dict]:
    return requests.get(f"{dropi_stand_in.url}/standin/calls", timeout=5).json()["calls"]


def test_the_demo_ecomdrop_key_is_accepted_and_its_flows_offered(clients, shop):
    save_ecomdrop(clients, shop, EcomdropForm(api_key=DEMO_API_KEY), SimpleCache())

    names = [flow.name for flow in account_flows(clients, shop, SimpleCache())]
    assert names == ["Nuevo pedido", "Carrito abandonado", "Confirmación de envío",
                     "Novedad de entrega"]
    assert load_configuration(shop).ecomdrop_api_key == DEMO_API_KEY


def test_an_unknown_ecomdrop_key_is_refused(clients, shop):
    with pytest.raises(SettingsInvalid) as refused:
        save_ecomdrop(clients, shop, EcomdropForm(api_key="not-a-real-key"), SimpleCache())

    assert "rejected the API key" in refused.value.errors["ecomdrop_api_key"]
    assert load_configuration(shop).ecomdrop_api_key is None


@pytest.mark.parametrize("country", ["CO", "MX", "PY", "ES"])
def test_each_countrys_token_is_accepted_on_its_own_host(clients, shop, dropi_stand_in, country):
    requests.delete(f"{dropi_stand_in.url}/standin/calls", timeout=5)

    save_dropi(clients, shop, DropiForm(country=country, token=demo_token(dropi_stand_in, country)))

    call = dropi_calls(dropi_stand_in)[0]
    assert call["path"].startswith(f"/{country.lower()}/integrations/")
    assert load_configuration(shop).dropi_country == country


def test_a_token_from_another_country_is_refused(clients, shop, dropi_stand_in):
    with pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="MX", token=demo_token(dropi_stand_in, "CO")))

    assert "Dropi México rejected the integration token" in refused.value.errors["dropi_token"]
    assert load_configuration(shop).dropi_token is None


def test_the_dropi_token_reaches_the_ecomdrop_bot_field_of_its_country(
        clients, shop, dropi_stand_in, ecomdrop_stand_in):
    save_options(shop, {"active": True})  # the copy waits for the Active switch
    save_ecomdrop(clients, shop, EcomdropForm(api_key=DEMO_API_KEY), SimpleCache())
    co_token, pe_token = demo_token(dropi_stand_in, "CO"), demo_token(dropi_stand_in, "PE")

    save_dropi(clients, shop, DropiForm(country="CO", token=co_token))
    assert ecomdrop_bot_fields(ecomdrop_stand_in)["DROPI TOKEN CO"] == co_token

    save_dropi(clients, shop, DropiForm(country="PE", token=pe_token))
    assert ecomdrop_bot_fields(ecomdrop_stand_in)["DROPI TOKEN PE"] == pe_token
    config = load_configuration(shop)
    assert config.ecomdrop_dropi_token_field_id is not None
    assert config.ecomdrop_dropi_token_synced_at is not None


def test_a_country_without_a_bot_field_gets_a_notice(clients, shop, dropi_stand_in):
    save_options(shop, {"active": True})  # the copy waits for the Active switch
    save_ecomdrop(clients, shop, EcomdropForm(api_key=DEMO_API_KEY), SimpleCache())

    token = demo_token(dropi_stand_in, "AR")
    outcome = save_dropi(clients, shop, DropiForm(country="AR", token=token))

    assert any("no usual bot field for the Dropi token of AR" in n.message
               for n in outcome.notices)
    assert load_configuration(shop).dropi_country == "AR"


def test_the_status_check_reaches_both_stand_ins(clients, shop, dropi_stand_in):
    save_ecomdrop(clients, shop, EcomdropForm(api_key=DEMO_API_KEY), SimpleCache())
    save_dropi(clients, shop, DropiForm(country="CL", token=demo_token(dropi_stand_in, "CL")))

    status = check_connections(clients, shop)

    assert status.dropi.connected and status.ecomdrop.connected
    assert status.dropi.last_error is None and status.ecomdrop.last_error is None
    assert status.dropi.last_success_at and status.ecomdrop.last_success_at


def test_locations_map_between_the_shopify_and_dropi_stand_ins(
        app, dropi_stand_in, ecomdrop_stand_in, shop, instance_dir):
    with running_shopify_stand_in() as shopify:
        shopify.create_shop(SHOP, seed=True)
        shopify.store.create_location(SHOP, "Bodega Norte", city="Medellín")
        grant = shopify.stand_in.tokens.issue_offline(
            SHOP, frozenset(shopify.config.granted_scopes), expiring=True)
        shop.access_token = grant["access_token"]
        shop.access_token_expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        settings = stand_in_settings(instance_dir, shopify=shopify, dropi=dropi_stand_in,
                                     ecomdrop=ecomdrop_stand_in)
        clients = IntegrationClients(settings, sleep=lambda seconds: None)
        save_dropi(clients, shop, DropiForm(country="CO", token=demo_token(dropi_stand_in, "CO")))

        section = load_locations(clients, shop)
        assert section.ready, section.problems
        north = next(loc for loc in section.locations if loc.name == "Bodega Norte")
        warehouse = section.rows[0]
        save_location_mappings(clients, shop, {warehouse.warehouse_id: north.id})

        again = load_locations(clients, shop)
        assert again.rows[0].location_id == north.id
        assert again.rows[0].warehouse_name == warehouse.warehouse_name
