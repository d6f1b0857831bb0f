"""Ecomdrop settings service at the HTTP boundary (`responses`): live key check, flows from
the account (cached briefly, refreshable), encrypted storage and the recorded status."""
from __future__ import annotations

import pytest
import responses
from cachelib import SimpleCache
from flask_babel import force_locale
from sqlalchemy import text

from app.extensions import db
from app.services.settings import (
    EcomdropForm,
    IntegrationClients,
    SettingsInvalid,
    SettingsUnavailable,
    account_flows,
    load_configuration,
    save_ecomdrop,
)

BASE = "https://panel.ecomdrop.app/api"
GOOD_KEY = "ecd_live_1234567890abcdWXYZ"
BAD_KEY = "ecd_wrong_0000000000000000"
FLOWS = [{"id": 101, "name": "Nuevo pedido"}, {"id": 102, "name": "Carrito abandonado"}]


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English (outside a request the app speaks its default, Spanish)."""
    with force_locale("en"):
        yield


@pytest.fixture
def clients(app):
    return IntegrationClients(app.config["SETTINGS"], sleep=lambda seconds: None)


@pytest.fixture
def flows_cache():
    return SimpleCache()


@pytest.fixture
def ecomdrop_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def account(mock, key=GOOD_KEY, flows=FLOWS):
    match = [responses.matchers.header_matcher({"X-ACCESS-TOKEN": key})]
    mock.get(f"{BASE}/accounts/me", json={"page_id": 77, "name": "Tienda"}, match=match)
    mock.get(f"{BASE}/accounts/flows", json=flows, match=match)
    mock.get(f"{BASE}/accounts/bot_fields", json=[], match=match)


def refuse(mock, key=BAD_KEY):
    match = [responses.matchers.header_matcher({"X-ACCESS-TOKEN": key})]
    body = {"success": False, "error": {"code": 401, "message": "Invalid access token"}}
    mock.get(f"{BASE}/accounts/me", json=body, status=401, match=match)
    mock.get(f"{BASE}/accounts/flows", json=body, status=401, match=match)


def test_a_good_key_is_checked_live_then_stored_encrypted(clients, shop, flows_cache,
                                                          ecomdrop_http):
    account(ecomdrop_http)

    outcome = save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY,
                                                        new_order_flow_id="101"), flows_cache)

    sent = [(c.request.method, c.request.url) for c in ecomdrop_http.calls]
    assert sent[:2] == [("GET", f"{BASE}/accounts/me"), ("GET", f"{BASE}/accounts/flows")]
    config = load_configuration(shop)
    assert config.ecomdrop_api_key == GOOD_KEY and config.ecomdrop_new_order_flow_id == "101"
    assert config.ecomdrop_last_success_at is not None and config.ecomdrop_last_error is None
    raw = db.session.execute(text("SELECT ecomdrop_api_key FROM shop_configurations")).scalar()
    assert GOOD_KEY not in raw
    assert outcome.configuration.id == config.id


def test_a_refused_key_is_not_saved_and_says_why(clients, shop, flows_cache, ecomdrop_http):
    refuse(ecomdrop_http)

    with pytest.raises(SettingsInvalid) as refused:
        save_ecomdrop(clients, shop, EcomdropForm(api_key=BAD_KEY, new_order_flow_id="101"),
                      flows_cache)

    assert "rejected the API key" in refused.value.errors["ecomdrop_api_key"]
    assert refused.value.submitted.api_key == ""  # the secret is not handed back
    assert refused.value.submitted.new_order_flow_id == "101"  # the rest is kept
    config = load_configuration(shop)
    assert config.ecomdrop_api_key is None
    assert "rejected the API key" in config.ecomdrop_last_error
    assert [c.request.url for c in ecomdrop_http.calls] == [f"{BASE}/accounts/me"]


def test_a_refused_new_key_keeps_the_saved_one(clients, shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)
    refuse(ecomdrop_http)

    with pytest.raises(SettingsInvalid):
        save_ecomdrop(clients, shop, EcomdropForm(api_key=BAD_KEY), flows_cache)

    config = load_configuration(shop)
    assert config.ecomdrop_api_key == GOOD_KEY
    assert config.ecomdrop_last_error.startswith("A new API key was not saved")


def test_the_first_save_needs_a_key(clients, shop, flows_cache, ecomdrop_http):
    with pytest.raises(SettingsInvalid) as missing:
        save_ecomdrop(clients, shop, EcomdropForm(new_order_flow_id="101"), flows_cache)

    assert missing.value.errors == {"ecomdrop_api_key": "Paste your Ecomdrop API key."}
    assert not ecomdrop_http.calls


def test_ecomdrop_down_saves_nothing_and_says_so(clients, shop, flows_cache, ecomdrop_http):
    ecomdrop_http.get(f"{BASE}/accounts/me", status=503, json={"error": "maintenance"})

    with pytest.raises(SettingsInvalid) as down:
        save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)

    assert "not answering" in down.value.errors["ecomdrop_api_key"]
    assert load_configuration(shop).ecomdrop_api_key is None


def test_flows_must_be_from_the_account(clients, shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY, new_order_flow_id="101"),
                  flows_cache)

    with pytest.raises(SettingsInvalid) as unknown:
        save_ecomdrop(clients, shop, EcomdropForm(new_order_flow_id="101",
                                                  abandoned_cart_flow_id="999"), flows_cache)

    assert set(unknown.value.errors) == {"abandoned_cart_flow_id"}
    assert load_configuration(shop).ecomdrop_abandoned_cart_flow_id is None


def test_the_incident_flow_is_chosen_from_the_account_too(clients, shop, flows_cache,
                                                         ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)
    with pytest.raises(SettingsInvalid) as unknown:
        save_ecomdrop(clients, shop, EcomdropForm(incident_flow_id="999"), flows_cache)
    assert set(unknown.value.errors) == {"incident_flow_id"}

    save_ecomdrop(clients, shop, EcomdropForm(incident_flow_id="102"), flows_cache)
    assert load_configuration(shop).ecomdrop_incident_flow_id == "102"


def test_a_new_account_without_the_chosen_flows_clears_them_with_a_notice(
        clients, shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY, new_order_flow_id="101"),
                  flows_cache)
    other_key = "ecd_other_account_99998888"
    account(ecomdrop_http, key=other_key, flows=[{"id": 500, "name": "Pedido"}])

    outcome = save_ecomdrop(clients, shop, EcomdropForm(api_key=other_key,
                                                        new_order_flow_id="101"), flows_cache)

    config = load_configuration(shop)
    assert config.ecomdrop_api_key == other_key and config.ecomdrop_new_order_flow_id is None
    assert any("choose the new-order and abandoned-cart flows again" in n.message
               for n in outcome.notices)
    assert [f.id for f in account_flows(clients, shop, flows_cache)] == ["500"]


def test_flows_are_cached_and_refreshable(clients, shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)
    ecomdrop_http.calls.reset()

    cached = account_flows(clients, shop, flows_cache)
    assert [f.name for f in cached] == ["Nuevo pedido", "Carrito abandonado"]
    assert not ecomdrop_http.calls

    ecomdrop_http.replace(responses.GET, f"{BASE}/accounts/flows",
                     json=FLOWS + [{"id": 103, "name": "Envío"}])
    refreshed = account_flows(clients, shop, flows_cache, refresh=True)
    assert [f.id for f in refreshed] == ["101", "102", "103"]
    assert len(ecomdrop_http.calls) == 1


def test_flows_are_cached_per_shop(clients, shop, other_shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)

    with pytest.raises(SettingsUnavailable) as none_saved:
        account_flows(clients, other_shop, flows_cache)

    assert "Save your Ecomdrop API key" in none_saved.value.message


def test_failing_flow_listing_is_recorded(clients, shop, flows_cache, ecomdrop_http):
    account(ecomdrop_http)
    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), flows_cache)
    ecomdrop_http.replace(responses.GET, f"{BASE}/accounts/flows", status=401,
                     json={"success": False, "error": "revoked"})

    with pytest.raises(SettingsUnavailable) as revoked:
        account_flows(clients, shop, flows_cache, refresh=True)

    assert "rejected the API key" in revoked.value.message
    assert "rejected the API key" in load_configuration(shop).ecomdrop_last_error


class UnreachableCache:
    """A cache whose server is down (what a Redis outage looks like to the caller)."""

    def get(self, key):
        raise ConnectionError("cache server unreachable")

    def set(self, key, value, timeout=None):
        raise ConnectionError("cache server unreachable")


def test_a_cache_outage_does_not_stop_a_save_or_the_flow_list(clients, shop, ecomdrop_http):
    account(ecomdrop_http)

    save_ecomdrop(clients, shop, EcomdropForm(api_key=GOOD_KEY), UnreachableCache())
    flows = account_flows(clients, shop, UnreachableCache())

    assert load_configuration(shop).ecomdrop_api_key == GOOD_KEY
    assert [f.id for f in flows] == ["101", "102"]


@pytest.mark.parametrize("key", ["ecd_live_ñandú_1234", "ecd_live_\u6f22\u5b57",
                                 "ecd_live_12\r\n34", "ecd live 1234", "ecd_live_\U0001f600"])
def test_a_key_that_cannot_travel_in_a_header_is_refused_with_a_clear_message(
        clients, shop, flows_cache, ecomdrop_http, key):
    with pytest.raises(SettingsInvalid) as refused:
        save_ecomdrop(clients, shop, EcomdropForm(api_key=key), flows_cache)

    assert "no spaces, line breaks or accented letters" in refused.value.errors[
        "ecomdrop_api_key"]
    assert len(ecomdrop_http.calls) == 0
    assert load_configuration(shop).ecomdrop_api_key is None
