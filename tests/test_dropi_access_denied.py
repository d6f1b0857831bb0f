"""Dropi's allow-list: a refused caller ("Access denied", this server's IP or domain not
registered) is told apart from a refused token, in the merchant's language, and Settings shows
what the token allows next to where this app calls from."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest
import requests
import responses
from flask_babel import force_locale, refresh

from app import create_app
from app.clients.dropi import DropiAccessDenied, DropiAuthError
from app.config import ConfigError, Settings
from app.extensions import db
from app.services.settings import (
    DropiForm,
    IntegrationClients,
    SettingsInvalid,
    check_connections,
    dropi_section,
    load_configuration,
    save_dropi,
)
from app.services.settings.page import settings_page
from tests.conftest import create_shop
from tests.live_standins import running_dropi_stand_in, stand_in_settings
from tests.support import (
    APP_URL,
    encoded_host,
    make_settings,
    mint_session_token,
    reset_database,
)
from tests.test_dropi_client import make_client
from tests.test_settings_dropi import accept, dropi_token

LIST_URL = "https://api.dropi.co/integrations/products/index"
DENIED = {"isSuccess": False, "message": "Access denied", "status": 401}
SHOP = "test-shop.myshopify.com"


@contextmanager
def page_in(app, locale: str):
    with app.test_request_context(f"/app?locale={locale}"):
        refresh()
        yield


@responses.activate
def test_access_denied_with_an_ip_is_not_a_refused_token(app):
    responses.post(LIST_URL, status=401, json={**DENIED, "ip": "203.0.113.7"})
    with page_in(app, "en"), pytest.raises(DropiAccessDenied) as raised:
        make_client().list_products()
    assert not isinstance(raised.value, DropiAuthError)
    assert raised.value.caller_ip == "203.0.113.7" and raised.value.status == 401
    assert raised.value.merchant_message.startswith(
        "Dropi does not accept calls from this app's server (IP 203.0.113.7): ask Dropi to "
        "enable the integration")


@responses.activate
def test_access_denied_without_an_ip_still_says_it_is_the_server(app):
    responses.post(LIST_URL, status=401, json=DENIED)
    with page_in(app, "en"), pytest.raises(DropiAccessDenied) as raised:
        make_client().list_products()
    assert raised.value.caller_ip is None
    assert "does not accept calls from this app's server" in raised.value.merchant_message


@responses.activate
def test_a_refused_token_is_still_a_refused_token(app):
    responses.post(LIST_URL, status=401, json={"isSuccess": False, "message": "Token invalido"})
    with page_in(app, "en"), pytest.raises(DropiAuthError) as raised:
        make_client().list_products()
    assert not isinstance(raised.value, DropiAccessDenied)
    assert "rejected the integration token" in raised.value.merchant_message


@responses.activate
def test_access_denied_speaks_spanish_on_a_spanish_page(app):
    responses.post(LIST_URL, status=401, json={**DENIED, "ip": "203.0.113.7"})
    with page_in(app, "es"), pytest.raises(DropiAccessDenied) as raised:
        make_client().list_products()
    assert raised.value.merchant_message.startswith(
        "Dropi no acepta llamadas desde el servidor de esta app (IP 203.0.113.7): pide a Dropi "
        "que habilite la integración")


# --- against the stand-in, which enforces the allow-list --------------------------------------

@pytest.fixture(scope="module")
def dropi():
    with running_dropi_stand_in() as server:
        yield server


def issue(dropi, **spec) -> str:
    answer = requests.post(f"{dropi.url}/standin/tokens", json={"country": "CO", **spec},
                           timeout=5)
    return answer.json()["token"]


@pytest.fixture
def clients(app, dropi, instance_dir):
    return IntegrationClients(stand_in_settings(instance_dir, dropi=dropi),
                              sleep=lambda seconds: None)


def test_a_token_registered_for_another_ip_is_refused_naming_our_ip(clients, shop, dropi):
    token = issue(dropi, allowed_urls=[APP_URL], allowed_ips=["198.51.100.4"])
    with force_locale("en"), pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="CO", token=token))
    message = refused.value.errors["dropi_token"]
    assert "does not accept calls from this app's server (IP 127.0.0.1)" in message
    config = load_configuration(shop)
    assert config.dropi_token is None and config.dropi_refused_caller_ip == "127.0.0.1"
    assert "IP 127.0.0.1" in config.dropi_last_error


def test_a_token_registered_for_another_domain_is_refused_too(clients, shop, dropi):
    token = issue(dropi, allowed_urls=["https://other-platform.example"])
    with force_locale("en"), pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="CO", token=token))
    assert "does not accept calls from this app's server" in refused.value.errors["dropi_token"]


def test_the_status_check_reports_a_refused_server_after_dropi_stops_accepting_it(
        clients, shop, dropi):
    save_dropi(clients, shop, DropiForm(country="CO", token=issue(dropi)))
    requests.post(f"{dropi.url}/standin/config", json={"enforce_allow_list": True}, timeout=5)
    moved = IntegrationClients(dataclasses.replace(
        clients.settings, shopify_app_url="https://moved.example"), sleep=lambda s: None)
    with force_locale("en"):
        status = check_connections(moved, shop)
    assert "does not accept calls from this app's server" in status.dropi.last_error


# --- what Settings shows ---------------------------------------------------------------------

def test_the_section_shows_allowed_urls_and_ips_next_to_this_apps_url_and_ip(app, shop, http):
    accept(http)
    clients = IntegrationClients(app.config["SETTINGS"], sleep=lambda s: None)
    save_dropi(clients, shop, DropiForm(country="CO", token=dropi_token("CO")))
    section = dropi_section(load_configuration(shop), APP_URL, outgoing_ip="127.0.0.1")
    assert section.token.allowed_urls == (APP_URL,) and section.token.allowed_ips == ("127.0.0.1",)
    assert section.app_url == APP_URL and section.outgoing_ip == "127.0.0.1"
    assert section.token.ip_allowed is True and not section.outgoing_ip_from_dropi


def test_without_configuration_the_ip_dropi_named_is_shown(app, shop, http):
    accept(http)
    clients = IntegrationClients(app.config["SETTINGS"], sleep=lambda s: None)
    save_dropi(clients, shop, DropiForm(country="CO", token=dropi_token("CO")))
    config = load_configuration(shop)
    config.dropi_refused_caller_ip = "203.0.113.7"
    section = settings_page(shop, cache=None, app_url=APP_URL).dropi
    assert section.outgoing_ip == "203.0.113.7" and section.outgoing_ip_from_dropi
    assert section.token.ip_allowed is False


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_the_settings_page_lists_them_and_warns_when_our_ip_is_not_allowed(tmp_path, http):
    app = create_app(make_settings(tmp_path, outgoing_ip="198.51.100.20"))
    with app.app_context():
        db.create_all()
        shop = create_shop()
        accept(http)
        with force_locale("en"):
            save_dropi(IntegrationClients(app.config["SETTINGS"], sleep=lambda s: None), shop,
                       DropiForm(country="CO", token=dropi_token("CO")))
        query = (f"shop={SHOP}&host={encoded_host(SHOP)}&embedded=1&locale=en"
                 f"&id_token={mint_session_token(SHOP)}")
        html = app.test_client().get(f"/app/settings?{query}").get_data(as_text=True)
        reset_database()
    dropi_part = html.split("settings-dropi-title", 1)[1].split("</form>", 1)[0]
    assert "<dt>Allowed IPs</dt>\n    <dd>127.0.0.1</dd>" in dropi_part
    assert f"<dt>This app's address</dt><dd>{APP_URL}</dd>" in dropi_part
    assert "<dd>198.51.100.20</dd>" in dropi_part
    assert "is not among the IPs the token allows" in dropi_part


def test_outgoing_ip_must_be_an_ip():
    assert Settings.from_env({"OUTGOING_IP": " 203.0.113.7 "}).outgoing_ip == "203.0.113.7"
    with pytest.raises(ConfigError, match="OUTGOING_IP"):
        Settings.from_env({"OUTGOING_IP": "my-server.example"})
