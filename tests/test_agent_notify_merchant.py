"""notify_merchant: an alert reaches the contact set for its type on WhatsApp through the
shop's Ecomdrop account, once per request, within the hourly limit; anything else is refused
in plain words."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from jsonschema import Draft202012Validator

from app.extensions import cache, db
from app.models import MerchantNotification
from app.services.agent_profile import (
    AlertNotConfigured,
    AlertNotSent,
    AlertRateLimited,
    AlertRequest,
    UnknownAlertType,
    choose_alert_flow,
    notify_merchant,
)
from app.services.agent_profile.notify import ALERTS_PER_HOUR
from app.services.agent_tools.registry import load_definition

ADVISOR_PHONE = "+573001112233"
OUTPUT = Draft202012Validator(load_definition("notify_merchant")["outputSchema"],
                              format_checker=Draft202012Validator.FORMAT_CHECKER)
INPUT = Draft202012Validator(load_definition("notify_merchant")["inputSchema"])


@pytest.fixture(autouse=True)
def english(profile_world):
    with force_locale("en"):
        yield


@pytest.fixture
def advisor(profile_world):
    """The shop sends advisor requests to Ana, with an alerts flow chosen."""
    return profile_world.merchant_sets_advisor_alerts(ADVISOR_PHONE)


def ask(profile_world, **arguments):
    arguments = {"type": "advisor_request", "message": "Quiere hablar con una persona",
                 **arguments}
    INPUT.validate(arguments)
    return notify_merchant(profile_world.clients, profile_world.shop,
                           AlertRequest.from_arguments(arguments))


def test_an_alert_runs_the_alerts_flow_for_the_configured_contact(profile_world, advisor):
    output = ask(profile_world, customerPhone="+573009998877", orderName="#1001")

    OUTPUT.validate(output)
    assert output["notified"] is True and output["status"] == "sent"
    account = profile_world.ecomdrop_account()
    [run] = account["flow_runs"]
    assert run["flow_id"] == advisor["id"] and run["phone"] == ADVISOR_PHONE
    alert = run["fields"]["agent_alert"]
    assert alert.startswith("Alert: Request for a human advisor (Tienda Andina)")
    assert "Quiere hablar con una persona" in alert and "+573009998877" in alert
    assert "#1001" in alert
    row = db.session.get(MerchantNotification, int(output["notificationId"]))
    assert row.status.value == "sent" and row.channel == "flow"


def test_the_same_request_sends_once(profile_world, advisor):
    first = ask(profile_world, requestId="conv-1")
    again = [ask(profile_world, requestId="conv-1") for _ in range(2)]
    retried = ask(profile_world, customerPhone="+573009998877")
    retried_again = ask(profile_world, customerPhone="+573009998877")

    assert first["status"] == "sent"
    assert [o["status"] for o in again] == ["already_sent", "already_sent"]
    assert {o["notificationId"] for o in again} == {first["notificationId"]}
    assert retried_again["notificationId"] == retried["notificationId"]
    assert len(profile_world.ecomdrop_account()["flow_runs"]) == 2


def test_concurrent_identical_requests_send_once(profile_world, advisor):
    outputs = profile_world.at_once(lambda shop: notify_merchant(
        profile_world.clients, shop,
        AlertRequest("advisor_request", "Quiere hablar con una persona", request_id="conv-9")))

    assert len(outputs) == 3 and len({o["notificationId"] for o in outputs}) == 1
    assert len(profile_world.ecomdrop_account()["flow_runs"]) == 1


def test_an_unknown_type_is_refused(profile_world, advisor):
    with pytest.raises(UnknownAlertType) as refused:
        notify_merchant(profile_world.clients, profile_world.shop,
                        AlertRequest("birthday", "Feliz cumpleaños"))

    assert refused.value.status == 400
    assert "“birthday” is not an alert type" in refused.value.message
    assert profile_world.ecomdrop_account()["flow_runs"] == []


def test_a_type_without_a_contact_is_refused(profile_world, advisor):
    with pytest.raises(AlertNotConfigured) as refused:
        ask(profile_world, type="warranty")

    assert refused.value.status == 422
    assert refused.value.message == ("Nobody receives “Warranty claim” alerts: the store has "
                                     "not set a contact for them.")
    assert profile_world.ecomdrop_calls(method="POST") == []


def test_the_hourly_limit_per_type_holds(profile_world, advisor):
    for number in range(ALERTS_PER_HOUR):
        ask(profile_world, message=f"Cliente {number} quiere un asesor")

    with pytest.raises(AlertRateLimited) as refused:
        ask(profile_world, message="Uno más")

    assert refused.value.status == 429
    assert len(profile_world.ecomdrop_account()["flow_runs"]) == ALERTS_PER_HOUR


def test_without_a_flow_the_alert_is_a_whatsapp_text_inside_the_24_hour_window(profile_world,
                                                                              advisor):
    choose_alert_flow(profile_world.clients, profile_world.shop, "", cache)
    profile_world.person_writes_on_whatsapp(ADVISOR_PHONE)

    output = ask(profile_world)

    assert output["status"] == "sent"
    [message] = profile_world.ecomdrop_account()["messages"]
    assert message["phone"] == ADVISOR_PHONE and message["channel"] == "whatsapp"
    assert "Quiere hablar con una persona" in message["text"]


def test_outside_the_window_a_text_is_refused_with_what_to_do(profile_world, advisor):
    choose_alert_flow(profile_world.clients, profile_world.shop, "", cache)

    with pytest.raises(AlertNotSent) as refused:
        ask(profile_world, requestId="conv-2")

    assert "Choose an alerts flow on the AI agent page" in refused.value.message
    row = db.session.query(MerchantNotification).one()
    assert row.status.value == "failed" and row.error == refused.value.message
    profile_world.person_writes_on_whatsapp(ADVISOR_PHONE)
    assert ask(profile_world, requestId="conv-2")["status"] == "sent"  # a failed one may retry
