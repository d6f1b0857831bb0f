"""Dropi settings service at the HTTP boundary (`responses`): the country picks the host, the
token is checked live there, decoded for its allowed origins, and copied to Ecomdrop's bot
field for that country (by id: the country's usual id or the one the merchant entered, read
before it is written; Ecomdrop has no call that lists bot fields)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import jwt
import pytest
import responses
from cachelib import SimpleCache
from flask_babel import force_locale

from app.clients.dropi import DROPI_HOSTS
from app.extensions import db
from app.models import ShopConfiguration
from app.services.settings import (
    DropiForm,
    EcomdropForm,
    IntegrationClients,
    SettingsInvalid,
    ecomdrop_section,
    load_configuration,
    save_dropi,
    save_ecomdrop,
    save_options,
)
from tests.support import APP_URL

ECOMDROP = "https://panel.ecomdrop.app/api"
ECOMDROP_KEY = "ecd_live_1234567890abcdWXYZ"
BOT_FIELDS = [{"id": 640597, "name": "DROPI TOKEN CO", "type": 0},
              {"id": 641097, "name": "dropi_token_mx", "type": 0}]
NOT_FOUND = {"success": False, "error": {"code": 404, "message": "bot field not found"}}


def dropi_token(country: str = "CO", *, urls=(APP_URL,), kind: str = "SHOPIFY", **claims) -> str:
    tld = {"PY": "com.py", "ES": "com.es"}.get(country, country.lower())
    payload = {"iss": f"http://app.dropi.{tld}:80", "aud": kind, "integration_type": kind,
               "token_type": "INTEGRATIONS", "sub": "501", "iat": 1736121600,
               "exp": 1736121600 + 100 * 365 * 86400,
               "ip_url": [{"url": url, "ip": "127.0.0.1"} for url in urls]}
    payload.update(claims)
    return jwt.encode(payload, "dropi-signing-key-of-the-settings-tests", algorithm="HS256")


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English (outside a request the app speaks its default, Spanish)."""
    with force_locale("en"):
        yield


@pytest.fixture(autouse=True)
def connector_on(shop):
    """The copy to Ecomdrop happens only while the Active switch is on (see the last tests)."""
    db.session.add(ShopConfiguration(shop_id=shop.id, active=True))
    db.session.commit()


@pytest.fixture
def clients(app):
    return IntegrationClients(app.config["SETTINGS"], sleep=lambda seconds: None)


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def accept(mock, country: str = "CO"):
    mock.get(f"{DROPI_HOSTS[country]}/helpers/validateToken",
             json={"isSuccess": True, "status": 200, "objects": {"store": "Tienda"}})


def ecomdrop_account(mock, bot_fields=BOT_FIELDS):
    mock.get(f"{ECOMDROP}/accounts/me", json={"page_id": 1, "name": "Tienda"})
    mock.get(f"{ECOMDROP}/accounts/flows", json=[{"id": 101, "name": "Nuevo pedido"}])
    known = {str(field["id"]) for field in bot_fields}
    for field in bot_fields:
        mock.get(f"{ECOMDROP}/accounts/bot_fields/{field['id']}", json={**field, "value": None})
        mock.post(f"{ECOMDROP}/accounts/bot_fields/{field['id']}", json={"success": True})
    for field_id in ("640597", "805359", "665134", "747995", "641097", "742965", "142979",
                     "240677"):
        if field_id not in known:
            mock.get(f"{ECOMDROP}/accounts/bot_fields/{field_id}", status=404, json=NOT_FOUND)


def bot_field_writes(mock) -> list[tuple[str, str]]:
    return [(c.request.url.rsplit("/", 1)[-1], parse_qs(c.request.body)["value"][0])
            for c in mock.calls
            if c.request.method == "POST" and "/bot_fields/" in c.request.url]


@pytest.mark.parametrize("country", sorted(DROPI_HOSTS))
def test_each_country_is_checked_on_its_own_host(clients, shop, http, country):
    token = dropi_token(country)
    accept(http, country)

    save_dropi(clients, shop, DropiForm(country=country, store_name="Mi tienda", token=token))

    request = http.calls[0].request
    assert request.url == f"{DROPI_HOSTS[country]}/helpers/validateToken"
    assert request.headers["dropi-integration-key"] == token
    assert request.headers["Origin"] == APP_URL
    config = load_configuration(shop)
    assert (config.dropi_country, config.dropi_store_name, config.dropi_token) == (
        country, "Mi tienda", token)
    assert config.dropi_last_success_at is not None


def test_colombia_and_mexico_hosts_differ(clients, shop, other_shop, http):
    accept(http, "CO")
    accept(http, "MX")

    save_dropi(clients, shop, DropiForm(country="CO", token=dropi_token("CO")))
    save_dropi(clients, other_shop, DropiForm(country="MX", token=dropi_token("MX")))

    hosts = [c.request.url.split("/")[2] for c in http.calls]
    assert hosts == ["api.dropi.co", "api.dropi.mx"]


def test_without_the_validate_helper_a_one_product_query_checks_the_token(clients, shop, http):
    http.get(f"{DROPI_HOSTS['GT']}/helpers/validateToken", status=404, json={"message": "nope"})
    http.post(f"{DROPI_HOSTS['GT']}/products/index",
              json={"isSuccess": True, "objects": [], "count": 0})

    save_dropi(clients, shop, DropiForm(country="GT", token=dropi_token("GT")))

    body = json.loads(http.calls[1].request.body)
    assert body["pageSize"] == 1 and body["startData"] == 0
    assert load_configuration(shop).dropi_country == "GT"


def test_a_refused_token_is_not_saved_and_says_why(clients, shop, http):
    http.get(f"{DROPI_HOSTS['CO']}/helpers/validateToken", status=401,
             json={"isSuccess": False, "message": "Token invalido"})

    with pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="CO", store_name="Mi tienda",
                                            token=dropi_token("CO")))

    assert "rejected the integration token" in refused.value.errors["dropi_token"]
    assert refused.value.submitted == DropiForm(country="CO", store_name="Mi tienda", token="")
    config = load_configuration(shop)
    assert config.dropi_token is None and config.dropi_country is None
    assert "rejected the integration token" in config.dropi_last_error


def test_text_that_is_not_a_token_is_refused_without_calling_dropi(clients, shop, http):
    with pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="CO", token="my-password-123"))

    assert "not a Dropi integration token" in refused.value.errors["dropi_token"]
    assert not http.calls


def test_an_unknown_country_is_refused(clients, shop, http):
    with pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="VE", token=dropi_token("CO")))

    assert set(refused.value.errors) == {"dropi_country"}
    assert not http.calls


def test_the_token_payload_warns_when_this_app_is_not_allowed(clients, shop, http):
    accept(http, "CO")
    token = dropi_token("CO", urls=("https://n8n.example.org",), kind="DropPage")

    outcome = save_dropi(clients, shop, DropiForm(country="CO", token=token))

    messages = " ".join(n.message for n in outcome.notices)
    assert APP_URL in messages and "does not list this app's address" in messages
    from app.services.settings import token_report

    report = token_report(token, APP_URL)
    assert report.integration_type == "DropPage"
    assert report.allowed_urls == ("https://n8n.example.org",)
    assert report.origin_allowed is False and report.issuer_country == "CO"


def test_a_token_from_another_country_is_flagged(clients, shop, http):
    accept(http, "PE")

    outcome = save_dropi(clients, shop, DropiForm(country="PE", token=dropi_token("CO")))

    assert any("issued by Dropi CO" in n.message for n in outcome.notices)


def test_changing_the_country_rechecks_the_saved_token_on_the_new_host(clients, shop, http):
    token = dropi_token("CO")
    accept(http, "CO")
    save_dropi(clients, shop, DropiForm(country="CO", token=token))
    http.get(f"{DROPI_HOSTS['MX']}/helpers/validateToken", status=401, json={"message": "no"})

    with pytest.raises(SettingsInvalid) as refused:
        save_dropi(clients, shop, DropiForm(country="MX"))

    assert "Dropi México rejected" in refused.value.errors["dropi_country"]
    assert http.calls[-1].request.url.startswith("https://api.dropi.mx/")
    assert load_configuration(shop).dropi_country == "CO"


def test_a_store_name_change_alone_makes_no_call(clients, shop, http):
    accept(http, "CO")
    save_dropi(clients, shop, DropiForm(country="CO", token=dropi_token("CO")))
    http.calls.reset()

    save_dropi(clients, shop, DropiForm(country="CO", store_name="Nuevo nombre"))

    assert not http.calls
    assert load_configuration(shop).dropi_store_name == "Nuevo nombre"


def save_ecomdrop_key(clients, shop):
    save_ecomdrop(clients, shop, EcomdropForm(api_key=ECOMDROP_KEY), SimpleCache())


def test_a_new_token_is_copied_to_the_countrys_bot_field(clients, shop, http):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    accept(http, "CO")
    token = dropi_token("CO")

    outcome = save_dropi(clients, shop, DropiForm(country="CO", token=token))

    assert bot_field_writes(http) == [("640597", token)]
    config = load_configuration(shop)
    assert config.ecomdrop_dropi_token_field_id == "640597"
    assert config.ecomdrop_dropi_token_synced_at is not None
    assert any("DROPI TOKEN CO" in n.message and "640597" in n.message and n.tone == "success"
               for n in outcome.notices)
    assert not any(c.request.url.endswith("/accounts/bot_fields") for c in http.calls)
    reads = [c.request.url for c in http.calls if c.request.method == "GET"
             and "/bot_fields/" in c.request.url]
    assert reads == [f"{ECOMDROP}/accounts/bot_fields/640597"]


def test_a_country_change_moves_the_token_to_that_countrys_field(clients, shop, http):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    accept(http, "CO")
    accept(http, "MX")
    token = dropi_token("MX")
    save_dropi(clients, shop, DropiForm(country="CO", token=token))

    save_dropi(clients, shop, DropiForm(country="MX"))

    assert bot_field_writes(http) == [("640597", token), ("641097", token)]
    assert load_configuration(shop).ecomdrop_dropi_token_field_id == "641097"


def test_a_replaced_token_updates_the_field(clients, shop, http):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    accept(http, "CO")
    first, second = dropi_token("CO", sub="1"), dropi_token("CO", sub="2")
    save_dropi(clients, shop, DropiForm(country="CO", token=first))

    save_dropi(clients, shop, DropiForm(country="CO", token=second))

    assert bot_field_writes(http) == [("640597", first), ("640597", second)]


def test_saving_the_ecomdrop_key_after_the_token_copies_it(clients, shop, http):
    accept(http, "CO")
    token = dropi_token("CO")
    save_dropi(clients, shop, DropiForm(country="CO", token=token))
    ecomdrop_account(http)

    save_ecomdrop_key(clients, shop)

    assert bot_field_writes(http) == [("640597", token)]


def test_a_missing_bot_field_asks_for_the_right_id_and_keeps_the_dropi_save(
        clients, shop, http):
    ecomdrop_account(http, bot_fields=[{"id": 9, "name": "OTRO CAMPO", "type": 0}])
    save_ecomdrop_key(clients, shop)
    accept(http, "EC")

    outcome = save_dropi(clients, shop, DropiForm(country="EC", token=dropi_token("EC")))

    warning = next(n for n in outcome.notices if n.tone == "warning")
    assert "no bot field 805359" in warning.message and "enter the id" in warning.message
    config = load_configuration(shop)
    assert config.dropi_country == "EC" and config.dropi_token is not None
    assert config.ecomdrop_dropi_token_field_id is None
    assert not bot_field_writes(http)


def test_ecomdrop_failing_during_the_copy_keeps_the_dropi_save(clients, shop, http):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    http.replace(responses.GET, f"{ECOMDROP}/accounts/bot_fields/640597", status=500, json={})
    accept(http, "CO")

    outcome = save_dropi(clients, shop, DropiForm(country="CO", token=dropi_token("CO")))

    assert any(n.tone == "warning" and "could not be copied" in n.message
               for n in outcome.notices)
    config = load_configuration(shop)
    assert config.dropi_token is not None
    assert "not answering" in config.ecomdrop_last_error


def test_the_merchant_can_name_another_bot_field_and_it_is_checked_before_writing(
        clients, shop, http):
    ecomdrop_account(http, bot_fields=[{"id": 912001, "name": "Mi token Dropi", "type": 0}])
    accept(http, "CO")
    token = dropi_token("CO")
    save_dropi(clients, shop, DropiForm(country="CO", token=token))
    save_ecomdrop(clients, shop, EcomdropForm(api_key=ECOMDROP_KEY), SimpleCache())
    assert load_configuration(shop).ecomdrop_dropi_token_synced_at is None  # 640597: none

    outcome = save_ecomdrop(clients, shop, EcomdropForm(token_field_id="912001"), SimpleCache())

    assert bot_field_writes(http) == [("912001", token)]
    config = load_configuration(shop)
    assert config.ecomdrop_dropi_token_field_choice == "912001"
    assert config.ecomdrop_dropi_token_field_id == "912001"
    assert any("Mi token Dropi" in n.message for n in outcome.notices)
    methods = [c.request.method for c in http.calls if "/bot_fields/912001" in c.request.url]
    assert methods == ["GET", "POST"]


def test_a_country_without_a_usual_bot_field_asks_for_one_without_calling_ecomdrop(
        clients, shop, http):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    accept(http, "AR")
    http.calls.reset()

    outcome = save_dropi(clients, shop, DropiForm(country="AR", token=dropi_token("AR")))

    warning = next(n for n in outcome.notices if n.tone == "warning")
    assert "no usual bot field for the Dropi token of AR" in warning.message
    assert not [c for c in http.calls if ECOMDROP in c.request.url]


@pytest.mark.parametrize("typed", ["DROPI TOKEN CO", "12 34", "-5", "9" * 21])
def test_a_bot_field_id_that_is_not_a_number_is_refused_inline(clients, shop, http, typed):
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)

    with pytest.raises(SettingsInvalid) as refused:
        save_ecomdrop(clients, shop, EcomdropForm(token_field_id=typed), SimpleCache())

    assert "is a number" in refused.value.errors["dropi_token_field_id"]
    assert load_configuration(shop).ecomdrop_dropi_token_field_choice is None


def test_the_ecomdrop_section_shows_the_usual_id_of_the_dropi_country(clients, shop, http):
    accept(http, "PE")
    save_dropi(clients, shop, DropiForm(country="PE", token=dropi_token("PE")))
    section = ecomdrop_section(load_configuration(shop))
    assert (section.default_token_field_id, section.token_field_id) == ("142979", "")


def test_with_the_connector_off_the_token_is_copied_only_once_it_is_turned_on(
        clients, shop, http):
    save_options(shop, {"active": False})
    ecomdrop_account(http)
    save_ecomdrop_key(clients, shop)
    accept(http, "CO")
    token = dropi_token("CO")

    saved = save_dropi(clients, shop, DropiForm(country="CO", token=token))
    writes_while_off = bot_field_writes(http)
    turned_on = save_options(shop, {"active": True}, clients)

    assert writes_while_off == []
    assert any("when you turn the connector on" in n.message for n in saved.notices)
    assert bot_field_writes(http) == [("640597", token)]
    assert any("640597" in n.message for n in turned_on.notices)
