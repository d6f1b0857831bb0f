"""The AI agent page's profile sections over HTTP: the preview of what the agent knows, the
Ecomdrop bot field, alert delivery and versions with restore; bad input never a 5xx, another
shop's versions never reachable."""
from __future__ import annotations

import json

import requests
from sqlalchemy import select

from app.extensions import db
from app.models import AgentProfileVersion
from app.services.ai_configuration import load_agent_settings
from tests.conftest import run_pending_jobs
from tests.factories import PROFILE_FIELD_ID, install_shop, text_of

PROFILE = "/app/ai-agent/profile"


def form(name="Valentina", **overrides):
    data = {"agent_name": name, "company_name": "ClickShop", "payment_methods": "Contra entrega",
            "policies": "Cambios en 30 días",
            "notification-advisor_request-name": "Ana",
            "notification-advisor_request-phone": "+57 300 111 2233"}
    data.update(overrides)
    return data


def save(world, name="Valentina", **overrides):
    response = world.htmx("POST", "/app/ai-agent", data=form(name, **overrides), locale="es")
    assert response.status_code == 200
    return response


def test_the_page_loads_each_profile_section(profile_world):
    html = text_of(profile_world.page("/app/ai-agent", locale="es"))

    for section in ("preview", "bot-field", "alerts", "versions"):
        assert f'hx-get="{PROFILE}/{section}?' in html
    assert "Cargando lo que sabe el agente…" in html


def test_the_preview_shows_exactly_what_the_agent_gets_and_no_contact(profile_world):
    save(profile_world)

    html = text_of(profile_world.htmx("GET", f"{PROFILE}/preview", locale="es"))

    assert "Lo que sabe el agente" in html
    assert '"agentName": "Valentina"' in html
    assert '"merchantAlerts": [\n    "advisor_request"' in html
    assert "Agente:\nValentina" in html  # the bot field text
    assert "Ana" not in html and "1112233" not in html


def test_the_preview_says_why_when_shopify_fails(profile_world):
    faults = f"{profile_world.shopify.url}/standin/faults"
    requests.post(faults, json={"rate_5xx": 1.0}, timeout=10).raise_for_status()
    try:
        response = profile_world.htmx("GET", f"{PROFILE}/preview", locale="en")
    finally:
        requests.delete(faults, timeout=10)

    assert response.status_code == 200
    assert "the preview is not available" in text_of(response)


def test_an_unknown_bot_field_id_is_refused_on_the_page(profile_world):
    response = profile_world.htmx("POST", f"{PROFILE}/bot-field", data={"field_id": "4242"},
                                locale="es")

    assert response.status_code == 422
    html = text_of(response)
    assert "Tu cuenta de Ecomdrop no tiene el campo del bot 4242" in html
    assert 'value="4242"' in html  # what was typed stays
    assert profile_world.ecomdrop_calls(method="POST") == []


def test_a_bot_field_is_chosen_written_and_shown_with_its_status(profile_world):
    save(profile_world)

    response = profile_world.htmx("POST", f"{PROFILE}/bot-field",
                                data={"field_id": str(PROFILE_FIELD_ID)}, locale="es")

    html = text_of(response)
    assert response.status_code == 200
    assert "PERFIL AGENTE" in html and "Escrito por última vez el" in html
    assert "Valentina" in profile_world.bot_field(PROFILE_FIELD_ID)["value"]
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast == {"message": "El perfil se escribió en el campo del bot de Ecomdrop.",
                     "kind": "success"}


def test_write_now_without_a_field_and_bad_input_are_clear_422s(profile_world):
    write = profile_world.htmx("POST", f"{PROFILE}/bot-field/write", locale="en")
    huge = profile_world.htmx("POST", f"{PROFILE}/bot-field", data={"field_id": "9" * 5000},
                            locale="en")
    empty = profile_world.htmx("POST", f"{PROFILE}/bot-field", data={}, locale="en")
    flow = profile_world.htmx("POST", f"{PROFILE}/alerts/flow", data={"flow_id": "31337"},
                            locale="en")

    assert write.status_code == 422 and "Choose a bot field first." in text_of(write)
    assert huge.status_code == 422 and "is not an Ecomdrop bot field id" in text_of(huge)
    assert "refused" not in text_of(huge)  # Ecomdrop was never asked
    assert empty.status_code == 422 and "Enter the id of the Ecomdrop bot field." in text_of(empty)
    assert flow.status_code == 422 and "has no flow 31337" in text_of(flow)


def test_alert_delivery_offers_the_accounts_flows(profile_world):
    html = text_of(profile_world.htmx("GET", f"{PROFILE}/alerts", locale="en"))

    assert "Alertas" in html and "Nuevo pedido" in html and "No alerts yet." in html


def test_versions_are_listed_viewed_and_restored(profile_world):
    save(profile_world, "Valentina")
    save(profile_world, "Andrés")

    listed = text_of(profile_world.htmx("GET", f"{PROFILE}/versions", locale="en"))
    viewed = text_of(profile_world.htmx("GET", f"{PROFILE}/versions/1", locale="en"))
    restored = profile_world.htmx("POST", f"{PROFILE}/versions/1/restore", locale="en")

    assert "Version 2" in listed and "Version 1" in listed and "Changed: Agent name" in listed
    assert "Valentina" in viewed and "Andrés" not in viewed
    assert restored.status_code == 204 and "/app/ai-agent?" in restored.headers["HX-Redirect"]
    assert load_agent_settings(profile_world.shop).agent_name == "Valentina"
    newest = db.session.scalars(select(AgentProfileVersion).order_by(
        AgentProfileVersion.number.desc())).first()
    assert newest.number == 3 and newest.restored_from == 1


def test_another_shops_versions_are_not_found(profile_world):
    save(profile_world, "Valentina")
    other = install_shop(profile_world.shopify, "other-agent.myshopify.com")

    viewed = profile_world.htmx("GET", f"{PROFILE}/versions/1", domain=other.domain)
    restored = profile_world.htmx("POST", f"{PROFILE}/versions/1/restore", domain=other.domain)
    listed = text_of(profile_world.htmx("GET", f"{PROFILE}/versions", domain=other.domain))

    assert viewed.status_code == 404 and restored.status_code == 404
    assert "Version 1" not in listed
    assert load_agent_settings(other).agent_name == ""


def test_a_version_number_that_is_not_a_number_is_not_found(profile_world):
    response = profile_world.htmx("GET", f"{PROFILE}/versions/abc", locale="en")

    assert response.status_code == 404


def test_a_saved_change_shows_as_queued_until_the_job_writes_it(profile_world):
    save(profile_world)
    profile_world.htmx("POST", f"{PROFILE}/bot-field", data={"field_id": str(PROFILE_FIELD_ID)})
    save(profile_world, "Andrés")

    queued = text_of(profile_world.htmx("GET", f"{PROFILE}/bot-field", locale="en"))
    run_pending_jobs()
    written = text_of(profile_world.htmx("GET", f"{PROFILE}/bot-field", locale="en"))

    assert "Change queued" in queued
    assert "Change queued" not in written and "Last written on" in written
    assert "Andrés" in profile_world.bot_field(PROFILE_FIELD_ID)["value"]
