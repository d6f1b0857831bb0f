"""get_store_profile: what the agent knows, read from the saved profile, Shopify and our
settings through the live stand-ins; safe to hand to a customer-facing agent."""
from __future__ import annotations

import json

import pytest
from flask_babel import force_locale
from jsonschema import Draft202012Validator

from app.services.agent_profile import (
    compile_profile_text,
    get_store_profile,
)
from app.services.agent_tools.registry import load_definition
from app.services.ai_configuration import (
    AgentSettings,
    FaqEntry,
    NotificationContact,
    save_agent_settings,
)

OUTPUT = Draft202012Validator(load_definition("get_store_profile")["outputSchema"],
                              format_checker=Draft202012Validator.FORMAT_CHECKER)


def saved_profile(shop, **overrides) -> AgentSettings:
    settings = AgentSettings(
        agent_name="Sofía", company_name="ClickShop",
        company_description="Tecnología para el hogar",
        payment_methods="- Contra entrega\n- Nequi\n\n",
        policies="Cambios en 30 días.",
        behavior_rules="1. Sé amable\n2. Nunca prometas fechas de entrega",
        faq_pre_sale=[FaqEntry("¿Hacen envíos?", "Sí, a todo el país")],
        faq_post_sale=[FaqEntry("¿Dónde está mi pedido?", "Te enviamos la guía")],
        notifications={"advisor_request": NotificationContact("Ana Gómez", "+573001234567")},
    )
    for name, value in overrides.items():
        setattr(settings, name, value)
    return save_agent_settings(shop, settings)


@pytest.fixture(autouse=True)
def spanish(profile_world):
    with force_locale("es"):
        yield


def test_the_profile_validates_and_reflects_the_saved_settings(profile_world):
    saved_profile(profile_world.shop)

    profile = get_store_profile(profile_world.shop, profile_world.clients.shopify(profile_world.shop))

    OUTPUT.validate(profile)
    assert profile["agentName"] == "Sofía" and profile["companyName"] == "ClickShop"
    assert profile["paymentMethods"] == ["Contra entrega", "Nequi"]
    assert profile["behaviorRules"] == ["Sé amable", "Nunca prometas fechas de entrega"]
    assert profile["preSaleFaq"] == [{"question": "¿Hacen envíos?",
                                      "answer": "Sí, a todo el país"}]
    shopify_name = profile_world.shopify.store.shop(profile_world.domain).record["name"]
    assert profile["store"] == {"name": shopify_name, "currencyCode": "COP",
                                "shipsToCountries": ["CO"],
                                "cashOnDelivery": {"available": True, "country": "CO"}}
    assert profile["merchantAlerts"] == ["advisor_request"]
    assert profile["profileVersion"] == 1


def test_the_profile_never_holds_the_alert_contacts_or_secrets(profile_world):
    saved_profile(profile_world.shop)

    dumped = json.dumps(get_store_profile(profile_world.shop,
                                          profile_world.clients.shopify(profile_world.shop)))

    for private in ("Ana Gómez", "3001234567", profile_world.ecomdrop_key,
                    "dropi-token-for-tests", profile_world.shop.access_token):
        assert private not in dumped


def test_a_later_save_shows_in_the_next_call(profile_world):
    saved_profile(profile_world.shop)
    saved_profile(profile_world.shop, agent_name="Andrés", notifications={})

    profile = get_store_profile(profile_world.shop, profile_world.clients.shopify(profile_world.shop))

    OUTPUT.validate(profile)
    assert profile["agentName"] == "Andrés" and profile["merchantAlerts"] == []
    assert profile["profileVersion"] == 2


def test_a_shop_that_never_saved_gets_a_valid_profile(profile_world):
    profile = get_store_profile(profile_world.shop, profile_world.clients.shopify(profile_world.shop))

    OUTPUT.validate(profile)
    assert profile["agentName"] == "" and profile["companyName"] == "Tienda Andina"
    assert profile["profileVersion"] == 0 and "updatedAt" not in profile


def test_the_compiled_text_says_the_same_in_the_merchants_language(profile_world):
    saved_profile(profile_world.shop)
    profile = get_store_profile(profile_world.shop, profile_world.clients.shopify(profile_world.shop))

    text = compile_profile_text(profile)

    assert "Agente:\nSofía" in text
    assert "Métodos de pago:\n- Contra entrega\n- Nequi" in text
    assert "P: ¿Hacen envíos?\nR: Sí, a todo el país" in text
    assert "Pago contra entrega: sí (Colombia)" in text
    assert "Ana Gómez" not in text and "3001234567" not in text
