"""Settings' Orders section: the confirmation policy and its timeout, the carrier (Dropi's list
loaded after the page, at the HTTP boundary), and the callback address with a secret shown once,
rotatable, that Ecomdrop's external request step uses."""
from __future__ import annotations

import html as html_lib
import json
import re

import pytest
import responses
from flask_babel import force_locale

from app.clients.dropi import DROPI_HOSTS
from app.extensions import cache, db
from app.models import ShopConfiguration
from app.services.settings import load_configuration
from tests.support import APP_URL, embedded_query, htmx_headers, mint_session_token
from tests.test_settings_dropi import dropi_token

SHOP = "test-shop.myshopify.com"
OTHER = "other-shop.myshopify.com"
CARRIERS = f"{DROPI_HOSTS['CO']}/distribution_companies"
POLICY = {"confirmation": "hold_cod", "timeout_minutes": "90", "timeout_action": "cancel",
          "preferred_carrier": "cheapest"}


@pytest.fixture(autouse=True)
def english_and_empty_cache(app):
    cache.clear()
    with force_locale("en"):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(response.get_data(as_text=True)))


def page(client, shop=SHOP, locale="en"):
    query = embedded_query(shop, id_token=mint_session_token(shop), locale=locale)
    return client.get(f"/app/settings?{query}")


def post(client, path, data=None, shop=SHOP):
    return client.post(f"/app/settings{path}?shop={shop}&embedded=1&locale=en", data=data or {},
                       headers=htmx_headers(mint_session_token(shop)))


def get(client, path, shop=SHOP):
    joiner = "&" if "?" in path else "?"
    return client.get(f"/app/settings{path}{joiner}shop={shop}&embedded=1&locale=en",
                      headers=htmx_headers(mint_session_token(shop)))


def connect_dropi(shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_country="CO",
                                     dropi_token=dropi_token("CO")))
    db.session.commit()


def shown_secret(response) -> str:
    return re.search(r'<code id="callback-secret">([^<]+)</code>',
                     response.get_data(as_text=True)).group(1)


def test_the_section_shows_the_defaults_and_the_callback_address(client, shop):
    body = text(page(client))

    assert 'id="settings-orders"' in body
    assert re.search(r'value="send_at_once" checked', body)
    assert 'value="1440"' in body
    assert re.search(r'<option value="merchant" selected>', body)
    assert f"{APP_URL}/callbacks/ecomdrop/confirmation" in body
    assert "X-Connector-Secret" in body and "pedido_codigo_confirmacion" in body
    assert "No secret yet" in body and "Create the secret" in body


def test_the_policy_saves_with_a_toast(client, shop):
    response = post(client, "/orders", POLICY)

    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == \
        "Order settings saved."
    config = load_configuration(shop)
    assert (config.confirmation_policy, config.confirmation_timeout_minutes,
            config.confirmation_timeout_action, config.preferred_carrier) == (
        "hold_cod", 90, "cancel", "cheapest")
    assert re.search(r'value="hold_cod" checked', text(page(client)))


@pytest.mark.parametrize("field, value, message", [
    ("timeout_minutes", "2", "between 5 and 10080"),
    ("timeout_minutes", "soon", "between 5 and 10080"),
    ("timeout_action", "explode", "Choose what happens when the customer does not answer."),
    ("confirmation", "maybe", "Choose when orders go to Dropi."),
    ("preferred_carrier", "fastest", "Choose a carrier from the list."),
])
def test_a_bad_field_is_refused_inline_and_keeps_what_was_typed(client, shop, field, value,
                                                                 message):
    response = post(client, "/orders", {**POLICY, field: value})

    assert response.status_code == 422
    body = text(response)
    assert message in body and "The order settings were not saved." in body
    assert 'value="90"' in body or field == "timeout_minutes"
    assert load_configuration(shop) is None or \
        load_configuration(shop).confirmation_policy == "send_at_once"


def test_the_secret_is_shown_once_then_only_said_to_exist(client, shop):
    created = post(client, "/orders/callback-secret")

    assert created.status_code == 200
    secret = shown_secret(created)
    assert len(secret) >= 40 and "shown only once" in text(created)
    config = load_configuration(shop)
    assert config.callback_secret_hash and secret not in config.callback_secret_hash
    later = text(page(client))
    assert secret not in later
    assert "A secret is set" in later and "Rotate the secret" in later


def test_rotating_makes_a_new_secret_and_the_old_one_stops_working(client, shop):
    old = shown_secret(post(client, "/orders/callback-secret"))
    new = shown_secret(post(client, "/orders/callback-secret"))
    assert new != old

    def callback(secret):
        return client.post("/callbacks/ecomdrop/confirmation", json={
            "code": "NOSUCHCODE", "answer": "confirm"}, headers={"X-Connector-Secret": secret})

    assert callback(old).status_code == 401
    assert callback(new).status_code == 404  # the shop is known; the code is not


def test_each_shop_has_its_own_secret(client, shop, other_shop):
    post(client, "/orders/callback-secret")

    assert "No secret yet" in text(page(client, OTHER))


def test_carriers_load_after_the_page_from_dropi(client, shop):
    connect_dropi(shop)
    body = text(page(client))
    assert "Loading Dropi's carriers" in body

    with responses.RequestsMock() as http:
        http.get(CARRIERS, json={"isSuccess": True, "objects": [
            {"id": 1, "name": "SERVIENTREGA"}, {"id": 3, "name": "INTERRAPIDISIMO"}]})
        loaded = text(get(client, "/orders/carriers?carrier=3"))
        again = text(get(client, "/orders/carriers"))  # cached: no second call

    assert '<option value="3" selected>INTERRAPIDISIMO</option>' in loaded
    assert "SERVIENTREGA" in again
    assert post(client, "/orders", {**POLICY, "preferred_carrier": "3"}).status_code == 200
    assert load_configuration(shop).preferred_carrier == "3"


def test_a_dropi_refusal_while_listing_carriers_is_said_in_words(client, shop):
    connect_dropi(shop)
    with responses.RequestsMock() as http:
        http.get(CARRIERS, status=401, json={"isSuccess": False, "message": "Access denied",
                                             "status": 401, "ip": "203.0.113.9"})
        body = text(get(client, "/orders/carriers"))

    assert "203.0.113.9" in body
    assert 'value="cheapest"' in body  # the section still works without the list


def test_the_section_speaks_spanish(client, shop):
    with force_locale("es"):
        body = text(page(client, locale="es"))

    assert "Cuándo va un pedido a Dropi" in body
    assert "Crear el secreto" in body
