"""get_store_profile and notify_merchant run through the agent tool runner as an agent calls
them: input checked against the schema (400), refusals with their status, nothing private in
a customer-mode answer."""
from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from app.services.agent_tools import CallerContext
from app.services.agent_tools.keys import issue_key
from app.services.agent_tools.registry import load_definition
from app.services.agent_tools.runner import run_tool
from app.services.ai_configuration import NOTIFICATION_TYPES
from app.services.shopify_session import shopify_client_for

CONTACT_PHONE = "+573001112233"
CUSTOMER_PHONE = "+573104445566"


@pytest.fixture(autouse=True)
def english(profile_world):
    with force_locale("en"):
        yield


@pytest.fixture
def configured(profile_world):
    profile_world.merchant_sets_advisor_alerts(CONTACT_PHONE)


def customer(profile_world, phone: str | None = CUSTOMER_PHONE) -> CallerContext:
    return CallerContext(
        shop=profile_world.shop, settings=profile_world.settings, mode="customer",
        customer_phone=phone,
        client_factory=lambda: shopify_client_for(profile_world.settings, profile_world.shop))


def test_the_alert_types_of_the_schema_are_the_settings_types():
    schema = load_definition("notify_merchant")["inputSchema"]["properties"]["type"]["enum"]
    alerts = load_definition("get_store_profile")["outputSchema"]["properties"]
    assert schema == list(NOTIFICATION_TYPES)
    assert alerts["merchantAlerts"]["items"]["enum"] == list(NOTIFICATION_TYPES)


def test_a_customer_mode_agent_reads_the_profile_without_private_data(profile_world, configured):
    result = run_tool(customer(profile_world), "get_store_profile", {})

    assert result.status == 200
    assert result.body["agentName"] == "Sofía" and result.body["merchantAlerts"] == [
        "advisor_request"]
    dumped = json.dumps(result.body)
    assert "Ana" not in dumped and "1112233" not in dumped


def test_unexpected_profile_arguments_are_ignored_not_fatal(profile_world, configured):
    result = run_tool(customer(profile_world), "get_store_profile", {"anything": 1})

    assert result.status == 200


def test_notify_merchant_sends_with_the_customers_verified_phone(profile_world, configured):
    result = run_tool(customer(profile_world), "notify_merchant", {
        "type": "advisor_request", "message": "Quiere hablar con alguien",
        "customerPhone": "+570000000000"})

    assert result.status == 200 and result.body["status"] == "sent"
    [run] = profile_world.ecomdrop_account()["flow_runs"]
    assert CUSTOMER_PHONE in run["fields"]["agent_alert"]
    assert "+570000000000" not in run["fields"]["agent_alert"]


@pytest.mark.parametrize("arguments", [
    {"type": "birthday", "message": "Hola"},
    {"type": "advisor_request"},
    {"type": "advisor_request", "message": ""},
    {"type": "advisor_request", "message": "x" * 1001},
    "not an object",
])
def test_bad_alert_input_is_a_400_with_the_schema_error(profile_world, configured, arguments):
    result = run_tool(customer(profile_world), "notify_merchant", arguments)

    assert result.status == 400 and result.body["error"]["code"] == "invalid_input"
    assert profile_world.ecomdrop_account()["flow_runs"] == []


def test_an_alert_type_without_a_contact_is_a_422(profile_world, configured):
    result = run_tool(customer(profile_world), "notify_merchant",
                      {"type": "warranty", "message": "Pantalla rota"})

    assert result.status == 422 and result.body["error"]["code"] == "not_configured"
    assert "Warranty claim" in result.body["error"]["message"]


def test_over_the_hourly_limit_is_a_429(profile_world, configured):
    statuses = [run_tool(customer(profile_world), "notify_merchant",
                         {"type": "advisor_request", "message": f"Cliente {n}"}).status
                for n in range(11)]

    assert statuses == [200] * 10 + [429]


def agent_post(profile_world, action_id: str, body, secret: str | None, phone=CUSTOMER_PHONE):
    headers = {"X-Customer-Phone": phone} if phone else {}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return profile_world.client.post(f"/agent/tools/{action_id}", json=body, headers=headers)


def test_over_http_a_customer_key_gets_the_profile_and_sends_an_alert(profile_world, configured):
    secret = issue_key(profile_world.shop, label="WhatsApp", mode="customer", user_id=1).secret

    profile = agent_post(profile_world, "get_store_profile", {}, secret)
    alert = agent_post(profile_world, "notify_merchant",
                       {"type": "advisor_request", "message": "Pide un asesor"}, secret)
    unknown = agent_post(profile_world, "notify_merchant",
                         {"type": "birthday", "message": "Hola"}, secret)
    anonymous = agent_post(profile_world, "get_store_profile", {}, None)

    assert profile.status_code == 200 and profile.get_json()["agentName"] == "Sofía"
    assert alert.status_code == 200 and alert.get_json()["status"] == "sent"
    assert unknown.status_code == 400 and "birthday" in unknown.get_json()["error"]["message"]
    assert anonymous.status_code == 401
    assert len(profile_world.ecomdrop_account()["flow_runs"]) == 1
