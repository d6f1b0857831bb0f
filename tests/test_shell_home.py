"""/app: the shop, and its Shopify, Dropi and Ecomdrop connections, in Spanish or English."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from app.extensions import db
from app.models import ShopConfiguration
from app.models.types import utcnow
from app.services.connection_status import ShopifyState, connection_status, secret_hint
from tests.conftest import create_shop
from tests.support import encoded_host, mint_session_token

SHOP = "test-shop.myshopify.com"
DROPI_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.dropiSignatureXYZ9"
ECOMDROP_KEY = "ecd_live_5f2b8c1d9e7a4b3c2d1e0f9a8b7c6d5e"


def document(client, locale: str = "es", shop: str = SHOP) -> str:
    token = mint_session_token(shop)
    response = client.get(f"/app?shop={shop}&host={encoded_host(shop)}&embedded=1"
                          f"&locale={locale}&id_token={token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def configure(shop, **fields) -> ShopConfiguration:
    values = {"dropi_token": DROPI_TOKEN, "dropi_country": "CO",
              "dropi_store_name": "Tienda Bogotá", "ecomdrop_api_key": ECOMDROP_KEY,
              "ecomdrop_new_order_flow_id": "flow-1"}
    values.update(fields)
    configuration = ShopConfiguration(shop_id=shop.id, **values)
    db.session.add(configuration)
    db.session.commit()
    return configuration


@pytest.fixture
def settings_area(app):
    """The Settings area, registered by its own module when it exists."""
    if "settings.index" not in app.view_functions:
        area = Blueprint("settings", __name__, url_prefix="/app/settings")
        area.add_url_rule("", "index", lambda: "settings")
        app.register_blueprint(area)


def settings_links(html: str) -> list[str]:
    main = html.split('id="connection-status"', 1)[1]
    return [html_lib.unescape(href) for href in
            re.findall(r'<a class="button button--primary" href="([^"]+)"', main)]


def test_home_points_to_settings_until_both_services_are_connected(client, shop, settings_area):
    links = settings_links(document(client))

    assert [urlsplit(link).path for link in links] == ["/app/settings"]
    assert "shop=test-shop.myshopify.com" in links[0] and "embedded=1" in links[0]
    configure(shop)
    assert settings_links(document(client)) == []


def test_home_in_spanish_by_default(client, shop):
    html = document(client, locale="")

    assert '<html lang="es">' in html
    assert "Tu tienda" in html and "Moneda" in html and "Zona horaria" in html
    assert ">Inicio</a>" in html and ">Agente IA</a>" in html
    assert "Your shop" not in html


def test_home_in_english_when_shopify_asks_for_it(client, shop):
    html = document(client, locale="en-US")

    assert '<html lang="en">' in html
    assert "Your shop" in html and "Currency" in html and "Time zone" in html
    assert ">Home</a>" in html and ">AI agent</a>" in html
    assert "Tu tienda" not in html


def test_home_shows_the_shop_details(client, shop):
    html = document(client)

    for value in ("Test Shop", SHOP, "COP", "America/Bogota"):
        assert value in html


def test_without_configuration_dropi_and_ecomdrop_are_not_connected(client, shop):
    html = document(client, locale="en")

    dropi = html.split('id="status-dropi"', 1)[1].split("</section>", 1)[0]
    ecomdrop = html.split('id="status-ecomdrop"', 1)[1].split("</section>", 1)[0]
    shopify = html.split('id="status-shopify"', 1)[1].split("</section>", 1)[0]
    assert "Not connected" in dropi and "Not connected" in ecomdrop
    assert ">Connected<" in shopify
    assert "Access renews automatically" in shopify


def test_configured_shop_shows_country_store_and_key_endings_but_no_secret(client, shop):
    configure(shop)

    html = document(client, locale="es")

    dropi = html.split('id="status-dropi"', 1)[1].split("</section>", 1)[0]
    ecomdrop = html.split('id="status-ecomdrop"', 1)[1].split("</section>", 1)[0]
    assert ">Conectado<" in dropi and "Colombia" in dropi and "Tienda Bogotá" in dropi
    assert "termina en …XYZ9" in dropi
    assert ">Conectado<" in ecomdrop and "termina en …6d5e" in ecomdrop
    assert DROPI_TOKEN not in html and ECOMDROP_KEY not in html
    assert DROPI_TOKEN[:-4] not in html and ECOMDROP_KEY[:-4] not in html
    assert shop.access_token not in html and shop.refresh_token not in html


def test_english_names_the_dropi_country_in_english(client, shop):
    configure(shop, dropi_country="mx")

    html = document(client, locale="en")

    assert "Mexico" in html.split('id="status-dropi"', 1)[1].split("</section>", 1)[0]


def test_last_service_error_is_shown(client, shop):
    configure(shop, ecomdrop_last_error="La clave de Ecomdrop fue rechazada.")

    html = document(client)

    assert "Último error: La clave de Ecomdrop fue rechazada." in html


def test_shop_whose_refresh_token_expired_is_told_to_authorize_again(app, shop):
    shop.access_token_expires_at = utcnow() - timedelta(minutes=5)
    shop.refresh_token_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    status = connection_status(shop)

    assert status.shopify.state is ShopifyState.NEEDS_REAUTHORIZATION


def test_reauthorization_message_is_clear(app, client):
    shop = create_shop(needs_reauthorization=True,
                       reauthorization_reason="Shopify rejected the refresh token.")
    with app.test_request_context("/?locale=en"):
        from flask import g, render_template

        g.shop = shop
        html = render_template("home/_status.html", status=connection_status(shop),
                               settings_available=False)

    assert "Needs re-authorization" in html
    assert "Open the app again from your Shopify admin to authorize it" in html
    assert "Reason: Shopify rejected the refresh token." in html


def test_uninstalled_shop_status(app):
    shop = create_shop(uninstalled_at=utcnow())

    assert connection_status(shop).shopify.state is ShopifyState.UNINSTALLED


def test_dropi_token_without_country_is_not_connected(app, shop):
    configure(shop, dropi_country=None)

    assert connection_status(shop).dropi.connected is False


def test_configuration_of_another_shop_is_not_used(app, shop, other_shop):
    configure(other_shop)

    status = connection_status(shop)

    assert not status.dropi.connected and not status.ecomdrop.connected


def test_secret_hint_shows_only_four_characters_of_long_secrets():
    assert secret_hint("abcdefghijkl") == "…ijkl"
    assert secret_hint("short-key") is None
    assert secret_hint(None) is None and secret_hint("") is None


def test_a_stored_reauthorization_reason_is_shown_in_the_merchants_language(app):
    from app.services.shopify_tokens import REASON_REFRESH_REJECTED

    shop = create_shop(needs_reauthorization=True, reauthorization_reason=REASON_REFRESH_REJECTED)
    with app.test_request_context("/?locale=es"):
        from flask import g, render_template

        g.shop = shop
        html = render_template("home/_status.html", status=connection_status(shop),
                               settings_available=False)

    assert REASON_REFRESH_REJECTED not in html
    assert "Shopify ya no acepta el acceso guardado de la app a tu tienda" in html
