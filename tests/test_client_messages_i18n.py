"""The Dropi, Ecomdrop and Shopify clients explain failures in the language of the request that
met them; without any request (scripts, the stand-ins' own tests) they speak English."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import responses
from flask_babel import refresh

from app.clients.dropi import DropiNotFound, DropiRateLimited, decode_integration_token
from app.clients.dropi_core import DropiTokenInvalid
from app.clients.ecomdrop import EcomdropAuthError, EcomdropClient, InvalidPhoneNumber
from app.clients.shopify_errors import ShopifyThrottled, error_for_graphql, error_for_status
from tests.test_dropi_client import make_client

PRODUCT_URL = "https://api.dropi.co/integrations/products/v2/5"
LIST_URL = "https://api.dropi.co/integrations/products/index"
ECOMDROP = "https://panel.ecomdrop.app/api"


@contextmanager
def page_in(app, locale: str):
    with app.test_request_context(f"/app?locale={locale}"):
        refresh()  # the fixture's app context outlives one request; choose the language afresh
        yield


@responses.activate
@pytest.mark.parametrize("locale, expected", [
    ("es", "Dropi Colombia (CO) no encontró el producto 5. Dropi respondió: «No existe»."),
    ("en", "Dropi Colombia (CO) could not find product 5. Dropi said: “No existe”."),
])
def test_dropi_not_found_in_the_pages_language(app, locale, expected):
    responses.get(PRODUCT_URL, status=404, json={"message": "No existe"})

    with page_in(app, locale), pytest.raises(DropiNotFound) as raised:
        make_client().get_product(5)

    assert raised.value.merchant_message == expected


@responses.activate
def test_dropi_rate_limit_names_what_it_refused_in_spanish(app):
    responses.post(LIST_URL, status=429, json={"message": "Too Many Attempts."},
                   headers={"Retry-After": "30"})

    with page_in(app, "es"), pytest.raises(DropiRateLimited) as raised:
        make_client(sleep=lambda _s: None, max_attempts=1).list_products()

    assert raised.value.merchant_message == (
        "Dropi Colombia (CO) está limitando las solicitudes de este token de integración "
        "(demasiadas en poco tiempo) y rechazó la lista de productos. Inténtalo de nuevo en "
        "30 segundos.")


def test_a_pasted_text_that_is_no_token_is_explained_per_language(app):
    with page_in(app, "es"), pytest.raises(DropiTokenInvalid) as spanish:
        decode_integration_token("not-a-token")
    with page_in(app, "en"), pytest.raises(DropiTokenInvalid) as english:
        decode_integration_token("not-a-token")

    assert spanish.value.merchant_message.startswith("Eso no es un token de integración de Dropi.")
    assert english.value.merchant_message.startswith("That is not a Dropi integration token.")


@responses.activate
def test_ecomdrop_refused_key_and_bad_phone_in_spanish(app):
    responses.get(f"{ECOMDROP}/accounts/me", status=401, json={"error": "unauthorized"})
    client = EcomdropClient("ecd-key", sleep=lambda _s: None)

    with page_in(app, "es"):
        with pytest.raises(EcomdropAuthError) as refused:
            client.me()
        with pytest.raises(InvalidPhoneNumber) as phone:
            client.find_contacts("phone", "12", region="CO")

    assert refused.value.merchant_message == (
        "Ecomdrop rechazó la clave de API. Cópiala de nuevo desde tu cuenta de Ecomdrop y "
        "guárdala.")
    assert phone.value.merchant_message.startswith(
        "«12» no es un número de teléfono válido para CO.")


@pytest.mark.parametrize("locale, expected", [
    ("es", "Shopify está recibiendo demasiadas solicitudes de la app para tu tienda. "
           "Espera un minuto e inténtalo de nuevo."),
    ("en", "Shopify is receiving too many requests from the app for your store. "
           "Please wait a minute and try again."),
])
def test_shopify_errors_take_the_language_of_the_request_that_raised_them(app, locale, expected):
    with page_in(app, locale):
        error = error_for_status(429, "Too many requests")

    assert isinstance(error, ShopifyThrottled)
    assert error.merchant_message == expected
    assert isinstance(error.merchant_message, str)
    assert error.detail == "HTTP 429: Too many requests"


def test_a_missing_shopify_permission_is_named_in_spanish(app):
    errors = [{"message": "Access denied for orders field.",
               "extensions": {"code": "ACCESS_DENIED",
                              "requiredAccess": "`read_orders` access scope."}}]

    with page_in(app, "es"):
        error = error_for_graphql(errors, shop="x.myshopify.com")

    assert error.merchant_message.startswith(
        "A la app le falta un permiso de Shopify que necesita (read_orders access scope).")
    assert "Access denied for orders field." in str(error)


def test_without_any_request_the_clients_speak_english():
    with pytest.raises(DropiTokenInvalid) as raised:
        decode_integration_token("not-a-token")

    assert raised.value.merchant_message.startswith("That is not a Dropi integration token.")
    assert error_for_status(503, "").merchant_message == (
        "Shopify is having trouble right now. Please try again in a few minutes.")
