"""The AI agent settings service, called without any request."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AIConfiguration, ShopConfiguration
from app.services.ai_configuration import (
    AgentSettings,
    AgentSettingsInvalid,
    FaqEntry,
    NotificationContact,
    agent_settings_from_form,
    load_agent_settings,
    save_agent_settings,
)


def complete_form(**overrides) -> dict[str, list[str]]:
    form = {
        "agent_name": ["  Sofía "],
        "company_name": ["ClickShop"],
        "company_description": ["Tecnología para el hogar"],
        "payment_methods": ["Contra entrega\nNequi"],
        "policies": ["Cambios en 30 días"],
        "behavior_rules": ["Sé amable"],
        "faq_pre_sale-question": ["¿Hacen envíos?", "", "¿Tallas?"],
        "faq_pre_sale-answer": ["Sí, a todo el país", "", "De la S a la XL"],
        "faq_post_sale-question": ["¿Dónde está mi pedido?"],
        "faq_post_sale-answer": ["Te enviamos la guía por WhatsApp"],
        "notification-cancellation-name": ["Ana"],
        "notification-cancellation-phone": ["300 123 4567"],
        "notification-warranty-name": [""],
        "notification-warranty-phone": [""],
    }
    form.update(overrides)
    return form


def test_a_shop_without_settings_starts_with_its_name_as_company(app, shop):
    settings = load_agent_settings(shop)

    assert settings == AgentSettings(company_name="Test Shop")


def test_form_values_are_read_trimmed_and_in_order(app):
    settings = agent_settings_from_form(complete_form())

    assert settings.agent_name == "Sofía"
    assert settings.faq_pre_sale == [FaqEntry("¿Hacen envíos?", "Sí, a todo el país"),
                                     FaqEntry("", ""), FaqEntry("¿Tallas?", "De la S a la XL")]
    assert settings.notifications == {"cancellation": NotificationContact("Ana", "300 123 4567")}


def test_save_and_load_round_trip(app, shop):
    saved = save_agent_settings(shop, agent_settings_from_form(complete_form()))

    loaded = load_agent_settings(shop)
    assert loaded == saved
    assert loaded.agent_name == "Sofía" and loaded.payment_methods == "Contra entrega\nNequi"
    assert loaded.faq_pre_sale == [FaqEntry("¿Hacen envíos?", "Sí, a todo el país"),
                                   FaqEntry("¿Tallas?", "De la S a la XL")]
    assert loaded.faq_post_sale == [FaqEntry("¿Dónde está mi pedido?",
                                             "Te enviamos la guía por WhatsApp")]
    assert loaded.notifications == {"cancellation": NotificationContact("Ana", "+573001234567")}
    row = db.session.scalar(select(AIConfiguration).where(AIConfiguration.shop_id == shop.id))
    assert row.notification_settings == {"cancellation": {"name": "Ana", "phone": "+573001234567"}}


def test_saving_again_updates_the_same_row(app, shop):
    save_agent_settings(shop, agent_settings_from_form(complete_form()))
    save_agent_settings(shop, agent_settings_from_form(complete_form(
        agent_name=["Andrés"], **{"notification-cancellation-name": [""],
                                  "notification-cancellation-phone": [""]})))

    rows = db.session.scalars(select(AIConfiguration)).all()
    assert len(rows) == 1
    assert rows[0].agent_name == "Andrés" and rows[0].notification_settings == {}


def test_phone_without_country_code_uses_the_dropi_country(app, shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_country="MX"))
    db.session.commit()
    form = complete_form(**{"notification-cancellation-phone": ["55 1234 5678"]})

    saved = save_agent_settings(shop, agent_settings_from_form(form))

    assert saved.notifications["cancellation"].phone == "+525512345678"


@pytest.mark.parametrize("overrides, key", [
    ({"agent_name": [""]}, "agent_name"),
    ({"company_name": ["x" * 256]}, "company_name"),
    ({"policies": ["x" * 10001]}, "policies"),
    ({"faq_pre_sale-answer": ["Sí", "", ""]}, "faq_pre_sale-2"),
    ({"faq_post_sale-question": ["x" * 501]}, "faq_post_sale-0"),
    ({"notification-cancellation-phone": ["12"]}, "notification-cancellation"),
    ({"notification-warranty-phone": ["+57 300 123 4567"]}, "notification-warranty"),
    ({"notification-warranty-name": ["Luis"]}, "notification-warranty"),
])
def test_invalid_settings_keep_what_was_typed(app, shop, overrides, key):
    submitted = agent_settings_from_form(complete_form(**overrides))

    with pytest.raises(AgentSettingsInvalid) as raised:
        save_agent_settings(shop, submitted)

    assert list(raised.value.errors) == [key]
    assert raised.value.settings == submitted
    assert len(raised.value.settings.faq_pre_sale) == 3  # the blank row stays where it was
    assert db.session.scalar(select(AIConfiguration)) is None


def test_too_many_questions_are_refused(app, shop):
    form = complete_form(**{"faq_pre_sale-question": [f"P{i}" for i in range(51)],
                            "faq_pre_sale-answer": [f"R{i}" for i in range(51)]})

    with pytest.raises(AgentSettingsInvalid) as raised:
        save_agent_settings(shop, agent_settings_from_form(form))

    assert "faq_pre_sale" in raised.value.errors


def test_error_messages_read_in_spanish_outside_a_request(app, shop):
    with pytest.raises(AgentSettingsInvalid) as raised:
        save_agent_settings(shop, AgentSettings())

    assert str(raised.value.errors["agent_name"]) == "Este campo es obligatorio."


def test_each_shop_has_its_own_settings(app, shop, other_shop):
    save_agent_settings(shop, agent_settings_from_form(complete_form()))

    assert load_agent_settings(other_shop) == AgentSettings(company_name="Other Shop")
    save_agent_settings(other_shop, agent_settings_from_form(complete_form(agent_name=["Luis"])))
    assert load_agent_settings(shop).agent_name == "Sofía"
    assert load_agent_settings(other_shop).agent_name == "Luis"
