"""What the pages promise matches what runs: Home shows the order pipeline (on or off, counts,
links), the flow pickers say the new-order flow runs and the abandoned-cart flow does not yet,
and the AI agent page says its settings are not sent to Ecomdrop yet."""
from __future__ import annotations

import html as html_lib
import re

import responses
from flask_babel import force_locale

from app.extensions import db
from app.models import OrderRecord, ShopConfiguration, StepState
from tests.factories import recorded_order
from tests.support import embedded_query, htmx_headers, mint_session_token

SHOP = "test-shop.myshopify.com"
ECOMDROP = "https://panel.ecomdrop.app/api"


def document(client, path: str, locale: str = "en") -> str:
    query = embedded_query(SHOP, id_token=mint_session_token(SHOP), locale=locale)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html_lib.unescape(response.get_data(as_text=True)))


def configure(shop, **fields):
    db.session.add(ShopConfiguration(shop_id=shop.id, **fields))
    db.session.commit()


def test_home_says_orders_run_when_the_connector_is_on(client, shop):
    configure(shop, active=True)
    sent = recorded_order(shop, 1001, steps={"dropi": (StepState.DONE, None)})
    sent.dropi_order_id = 77001
    recorded_order(shop, 1002, steps={"dropi": (StepState.FAILED, "Dropi said no")})
    for order in shop_orders(shop):
        order.needs_attention = order.name == "#1002"
    db.session.commit()

    with force_locale("en"):
        body = document(client, "/app")

    assert "Each new order goes to the customer's WhatsApp and then to Dropi" in body
    assert re.search(r"Orders received</dt><dd>2<", body)
    assert re.search(r"In Dropi</dt><dd>1<", body)
    assert "Need your attention" in body and "attention=1" in body


def shop_orders(shop):
    return db.session.query(OrderRecord).filter_by(shop_id=shop.id).all()


def test_home_says_orders_wait_while_the_connector_is_off(client, shop):
    recorded_order(shop, 1001)

    with force_locale("en"):
        body = document(client, "/app")

    assert "The connector is off: new orders are recorded but not sent" in body
    assert "Not sent (connector off)" in body and "state=held" in body


def test_the_flow_pickers_say_which_flow_runs(client, shop):
    key = "ecd_live_1234567890abcdWXYZ"
    configure(shop, ecomdrop_api_key=key)
    with responses.RequestsMock() as http, force_locale("en"):
        http.get(f"{ECOMDROP}/accounts/flows", json=[{"id": 101, "name": "Nuevo pedido"}])
        flows = client.get(f"/app/settings/ecomdrop/flows?shop={SHOP}&embedded=1&locale=en",
                           headers=htmx_headers(mint_session_token(SHOP)))
    body = re.sub(r"\s+", " ", html_lib.unescape(flows.get_data(as_text=True)))

    assert flows.status_code == 200 and "Nuevo pedido" in body
    assert "Runs for every new order while the connector is active" in body
    assert "Runs when a customer leaves checkout without paying" in body
    assert "Not run yet" not in body


def test_the_ai_agent_page_says_how_the_agent_reads_its_profile(client, shop):
    with force_locale("en"):
        body = document(client, "/app/ai-agent")

    assert "Your Ecomdrop agent reads this profile through the store profile tool" in body
    assert "does not yet send these settings" not in body
    assert "it answers your customers once Ecomdrop is connected" not in body


def test_the_texts_speak_spanish(client, shop):
    with force_locale("es"):
        home = document(client, "/app", locale="es")
        agent = document(client, "/app/ai-agent", locale="es")

    assert "Pedidos recibidos" in home and "El conector está apagado" in home
    assert "Tu agente de Ecomdrop lee este perfil con la herramienta de perfil" in agent
