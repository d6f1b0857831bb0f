"""/app/ai-agent: edit the agent with htmx; errors inline and nothing typed is lost."""
from __future__ import annotations

import html as html_lib
import json

from sqlalchemy import select

from app.extensions import db
from app.models import AIConfiguration, ShopConfiguration
from tests.support import encoded_host, mint_session_token

SHOP = "test-shop.myshopify.com"
OTHER = "other-shop.myshopify.com"


def document(client, path: str = "/app/ai-agent", shop: str = SHOP, locale: str = "es"):
    token = mint_session_token(shop)
    return client.get(f"{path}?shop={shop}&host={encoded_host(shop)}&embedded=1"
                      f"&locale={locale}&id_token={token}")


def htmx_post(client, data, shop: str = SHOP, locale: str = "es"):
    return client.post(f"/app/ai-agent?shop={shop}&embedded=1&locale={locale}", data=data,
                       headers={"Authorization": f"Bearer {mint_session_token(shop)}",
                                "HX-Request": "true"})


def form(**overrides):
    data = {
        "agent_name": "Valentina",
        "company_name": "ClickShop®",
        "company_description": "Gadgets <b>útiles</b> para el hogar",
        "payment_methods": "Contra entrega",
        "policies": "Cambios en 30 días",
        "behavior_rules": "Nunca prometas fechas",
        "faq_pre_sale-question": ["¿Hacen envíos?", "¿Tallas?"],
        "faq_pre_sale-answer": ["Sí", "S a XL"],
        "faq_post_sale-question": ["¿Mi pedido?"],
        "faq_post_sale-answer": ["Te llega la guía"],
        "notification-advisor_request-name": ["Ana"],
        "notification-advisor_request-phone": ["+57 300 123 4567"],
    }
    data.update(overrides)
    return data


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def test_page_loads_with_a_session_token(client, shop):
    response = document(client)

    html = text_of(response)
    assert response.status_code == 200
    assert "<html" in html and 'id="ai-agent-form"' in html
    assert 'value="Test Shop"' in html  # the shop's name is offered as company name
    assert "Ecomdrop aún no está conectado" in html


def test_no_ecomdrop_notice_once_ecomdrop_is_connected(client, shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, ecomdrop_api_key="ecd_live_0123456789abcdef"))
    db.session.commit()

    html = text_of(document(client))

    assert "Ecomdrop aún no está conectado" not in html
    assert "ecd_live_0123456789abcdef" not in html


def test_save_answers_the_form_and_a_toast(client, shop):
    response = htmx_post(client, form())

    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="ai-agent-form"') and "<html" not in html
    assert json.loads(response.headers["HX-Trigger"]) == {
        "toast": {"message": "Configuración del agente IA guardada.", "kind": "success"},
        "agent-profile-saved": None}  # the preview, bot field and versions reload
    assert 'value="Valentina"' in html and 'value="ClickShop®"' in html
    assert "Gadgets <b>útiles</b> para el hogar" in html  # shown as text, escaped in the HTML
    assert "<b>útiles</b>" not in response.get_data(as_text=True)
    assert 'value="+573001234567"' in html


def test_saved_settings_come_back_on_the_next_visit(client, shop):
    htmx_post(client, form())

    html = text_of(document(client))

    for value in ("Valentina", "¿Hacen envíos?", "S a XL", "¿Mi pedido?", "Te llega la guía",
                  "Nunca prometas fechas", "+573001234567", "Cambios en 30 días"):
        assert value in html
    row = db.session.scalar(select(AIConfiguration).where(AIConfiguration.shop_id == shop.id))
    assert row.faq_pre_sale == [{"question": "¿Hacen envíos?", "answer": "Sí"},
                                {"question": "¿Tallas?", "answer": "S a XL"}]


def test_invalid_form_is_a_422_that_keeps_every_typed_value(client, shop):
    data = form(agent_name="", **{
        "faq_pre_sale-question": ["¿Hacen envíos?", "Pregunta sin respuesta"],
        "faq_pre_sale-answer": ["Sí", ""],
        "notification-advisor_request-phone": ["123"],
    })

    response = htmx_post(client, data, locale="en")

    html = text_of(response)
    assert response.status_code == 422
    assert "HX-Trigger" not in response.headers
    assert "The settings were not saved" in html
    assert "This field is required." in html
    assert "Write both the question and its answer, or remove the row." in html
    assert "This is not a valid phone number" in html
    for typed in ("ClickShop®", "Gadgets <b>útiles</b> para el hogar", "¿Hacen envíos?",
                  "Pregunta sin respuesta", 'value="123"', 'value="Ana"', "Nunca prometas fechas"):
        assert typed in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(AIConfiguration)) is None


def test_add_question_answers_a_blank_row(client, shop):
    response = client.get(f"/app/ai-agent/faq-row?shop={SHOP}&list=faq_post_sale", headers={
        "Authorization": f"Bearer {mint_session_token()}", "HX-Request": "true"})

    html = text_of(response)
    assert response.status_code == 200
    assert 'name="faq_post_sale-question"' in html and 'name="faq_post_sale-answer"' in html
    assert 'data-remove-closest="[data-row]"' in html


def test_add_question_refuses_an_unknown_list(client, shop):
    response = client.get(f"/app/ai-agent/faq-row?shop={SHOP}&list=secrets", headers={
        "Authorization": f"Bearer {mint_session_token()}", "HX-Request": "true"})

    assert response.status_code == 404


def test_a_second_shop_never_sees_the_first_shops_agent(client, shop, other_shop):
    htmx_post(client, form())

    html = text_of(document(client, shop=OTHER))

    assert 'value="Other Shop"' in html
    for value in ("Valentina", "ClickShop®", "¿Hacen envíos?", "+573001234567"):
        assert value not in html
    htmx_post(client, form(agent_name="Luis"), shop=OTHER)
    assert 'value="Valentina"' in text_of(document(client))


def test_save_without_a_valid_session_changes_nothing(client, shop):
    response = client.post(f"/app/ai-agent?shop={SHOP}", data=form(), headers={
        "Authorization": f"Bearer {mint_session_token(secret='not-the-secret')}",
        "HX-Request": "true"})

    assert response.status_code == 401
    assert db.session.scalar(select(AIConfiguration)) is None


def test_page_in_english(client, shop):
    html = text_of(document(client, locale="en"))

    assert "Pre-sale questions" in html and "Alerts" in html
    assert "Request for a human advisor" in html
