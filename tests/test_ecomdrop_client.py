"""The Ecomdrop client at the HTTP boundary: what it sends, how it maps failures."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

import pytest
import requests
import responses

from app.clients.ecomdrop import (
    ContactAction,
    EcomdropAuthError,
    EcomdropClient,
    EcomdropError,
    EcomdropNotFound,
    EcomdropUnavailable,
    InvalidPhoneNumber,
    normalize_phone,
)
from app.config import Settings

BASE = "https://panel.ecomdrop.app/api"
KEY = "ecd-key-7f3a9b2c41d8"


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def slept():
    return []


@pytest.fixture
def client(slept):
    return EcomdropClient(KEY, base_url=BASE, timeout=7.5, sleep=slept.append,
                          default_region="CO")


def form_of(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def test_me_sends_the_key_header_and_a_timeout(api, client):
    api.get(f"{BASE}/accounts/me", json={"page_id": 1234, "name": "Tienda Ana", "active": True,
                                         "created": 1_700_000_000, "total_users": 42})
    account = client.me()
    assert (account.id, account.name, account.total_contacts) == ("1234", "Tienda Ana", 42)
    assert account.created_at.tzinfo is not None
    sent = api.calls[0].request
    assert sent.headers["X-ACCESS-TOKEN"] == KEY
    assert sent.headers["Accept"] == "application/json"
    assert api.calls[0].request.req_kwargs["timeout"] == 7.5


def test_client_for_settings_uses_the_configured_base_url_and_timeout(api):
    settings = Settings(http_timeout_seconds=4.0)
    api.get("https://panel.ecomdrop.app/api/accounts/flows",
            json=[{"id": 11, "name": "Nuevo pedido"}, {"id": 12, "name": "Carrito abandonado"}])
    flows = EcomdropClient.for_settings(settings, KEY).flows()
    assert [(f.id, f.name) for f in flows] == [("11", "Nuevo pedido"), ("12", "Carrito abandonado")]
    assert api.calls[0].request.req_kwargs["timeout"] == 4.0


def test_set_bot_field_posts_a_form_to_the_fields_id_and_lists_nothing(api, client):
    api.post(f"{BASE}/accounts/bot_fields/640597", json={"success": True})
    assert client.set_bot_field(640597, "dropi-jwt-value") == "640597"
    [call] = api.calls
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(call) == {"value": "dropi-jwt-value"}


def test_a_bot_field_is_read_by_id(api, client):
    api.get(f"{BASE}/accounts/bot_fields/805359",
            json={"id": 805359, "name": "DROPI TOKEN EC", "type": 0, "value": None})
    field = client.bot_field("805359")
    assert (field.id, field.name) == ("805359", "DROPI TOKEN EC")


def test_a_missing_bot_field_is_not_found(api, client):
    api.get(f"{BASE}/accounts/bot_fields/1", status=404,
            json={"success": False, "error": {"code": 404, "message": "bot field not found"}})
    with pytest.raises(EcomdropNotFound):
        client.bot_field(1)


@pytest.mark.parametrize("not_an_id", ["DROPI TOKEN CO", "12a", "", "١٢٣", "9" * 21])
def test_a_bot_field_is_addressed_by_a_numeric_id_only(api, client, not_an_id):
    with pytest.raises(EcomdropError, match="not an Ecomdrop bot field id"):
        client.set_bot_field(not_an_id, "v")
    assert len(api.calls) == 0


def test_find_contacts_by_phone_sends_e164_in_the_query(api, client):
    api.get(f"{BASE}/contacts/find_by_custom_field",
            json={"data": [{"id": 77, "first_name": "Ana", "phone": "+573001234567",
                            "tags": [{"id": 5, "name": "vip"}],
                            "custom_fields": [{"id": 9, "name": "order_number", "value": "#1"}]}]})
    contacts = client.find_contacts("phone", "300 123 4567")
    assert api.calls[0].request.params == {"field_id": "phone", "value": "+573001234567"}
    assert contacts[0].id == "77" and contacts[0].tags[0].name == "vip"
    assert contacts[0].fields == {"order_number": "#1"}


def test_phone_numbers_are_normalized_to_e164_with_the_callers_region():
    assert normalize_phone("(55) 1234 5678", "MX") == "+525512345678"
    assert normalize_phone("0057 300 123 4567") == "+573001234567"
    assert normalize_phone("+51 912 345 678", "CO") == "+51912345678"


def test_an_invalid_phone_is_refused_before_anything_is_sent(api, client):
    with pytest.raises(InvalidPhoneNumber) as error:
        client.create_contact(phone="12", first_name="Ana")
    assert "'12' is not a valid phone number for CO" in error.value.merchant_message
    assert len(api.calls) == 0


def test_create_contact_posts_json_with_actions(api, client):
    api.post(f"{BASE}/contacts", json={"success": True, "data": {"id": 501}})
    contact = client.create_contact(
        "3001234567", "Ana@Example.com", "Ana", "Gómez",
        actions=[ContactAction.add_tag("shopify"),
                 ContactAction.set_field_value("order_number", "#1001"),
                 ContactAction.send_flow("640002")])
    sent = api.calls[0].request
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "first_name": "Ana", "last_name": "Gómez", "phone": "+573001234567",
        "email": "ana@example.com",
        "actions": [{"action": "add_tag", "tag_name": "shopify"},
                    {"action": "set_field_value", "field_name": "order_number", "value": "#1001"},
                    {"action": "send_flow", "flow_id": 640002}]}
    assert (contact.id, contact.phone) == ("501", "+573001234567")


def test_create_contact_without_an_id_in_the_answer_finds_the_new_contact(api, client):
    api.post(f"{BASE}/contacts", body="")
    api.get(f"{BASE}/contacts/find_by_custom_field", json={"data": [{"id": 88}]})
    assert client.create_contact(phone="+573001234567").id == "88"


def test_contact_writes_use_forms_and_quoted_ids(api, client):
    api.post(f"{BASE}/contacts/77/custom_fields/9", json={"success": True})
    api.post(f"{BASE}/contacts/77/tags/5", json={"success": True})
    api.post(f"{BASE}/accounts/custom_fields", json={"id": 31, "name": "order_total"})
    client.set_contact_field(77, 9, 125000)
    client.add_tag("77", "5")
    created = client.create_custom_field("order_total", 1)
    assert form_of(api.calls[0]) == {"value": "125000"}
    assert json.loads(api.calls[2].request.body) == {"name": "order_total", "type": 1}
    assert created.id == "31"
    with pytest.raises(EcomdropError):
        client.send_flow("", "1")


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_raises_an_auth_error(api, client, status):
    api.get(f"{BASE}/accounts/me", status=status, json={"error": {"message": "bad token"}})
    with pytest.raises(EcomdropAuthError) as error:
        client.me()
    assert "Ecomdrop rejected the API key" in error.value.merchant_message
    assert len(api.calls) == 1


def test_unknown_flow_raises_not_found(api, client):
    api.post(f"{BASE}/contacts/77/send/999", status=404, json={"error": "not found"})
    with pytest.raises(EcomdropNotFound) as error:
        client.send_flow(77, 999)
    assert "flow 999" in error.value.merchant_message


def test_a_refusal_in_a_200_body_is_an_error(api, client):
    api.post(f"{BASE}/contacts/77/send/12", json={"success": False, "message": "flow inactive"})
    with pytest.raises(EcomdropError) as error:
        client.send_flow(77, 12)
    assert "flow inactive" in error.value.merchant_message


def test_gets_are_retried_with_backoff_on_503(api, client, slept):
    api.get(f"{BASE}/accounts/flows", status=503)
    api.get(f"{BASE}/accounts/flows", status=502)
    api.get(f"{BASE}/accounts/flows", json=[{"id": 1, "name": "Nuevo pedido"}])
    assert [f.name for f in client.flows()] == ["Nuevo pedido"]
    assert len(api.calls) == 3 and len(slept) == 2 and all(s > 0 for s in slept)


def test_gets_give_up_after_the_last_attempt(api, client):
    api.get(f"{BASE}/accounts/flows", status=503)
    with pytest.raises(EcomdropUnavailable) as error:
        client.flows()
    assert len(api.calls) == client.max_attempts
    assert "Try again in a few minutes" in error.value.merchant_message


def test_send_flow_is_not_retried_on_503(api, client, slept):
    api.post(f"{BASE}/contacts/77/send/12", status=503)
    with pytest.raises(EcomdropUnavailable):
        client.send_flow(77, 12)
    assert len(api.calls) == 1 and slept == []


def test_send_flow_is_retried_after_429_honouring_retry_after(api, client, slept):
    api.post(f"{BASE}/contacts/77/send/12", status=429, headers={"Retry-After": "3"})
    api.post(f"{BASE}/contacts/77/send/12", json={"success": True})
    client.send_flow(77, 12)
    assert len(api.calls) == 2 and 3 <= slept[0] <= 3.3


def test_timeouts_retry_reads_but_not_flow_sends(api, client, slept):
    api.get(f"{BASE}/accounts/me", body=requests.ReadTimeout("slow"))
    api.get(f"{BASE}/accounts/me", json={"page_id": 1, "name": "A"})
    assert client.me().name == "A"
    api.post(f"{BASE}/contacts/77/send/12", body=requests.ReadTimeout("slow"))
    with pytest.raises(EcomdropUnavailable) as error:
        client.send_flow(77, 12)
    assert "did not answer in time" in error.value.merchant_message
    assert [c.request.method for c in api.calls] == ["GET", "GET", "POST"]


def test_an_empty_key_is_refused_without_a_request(api):
    with pytest.raises(EcomdropAuthError):
        EcomdropClient("  ", base_url=BASE)


def test_the_key_never_reaches_logs_errors_or_repr(api, client, caplog):
    caplog.set_level(logging.DEBUG)
    api.get(f"{BASE}/accounts/me", status=401, json={"error": {"message": "Invalid token"}})
    api.get(f"{BASE}/accounts/flows", status=500, body="boom")
    api.post(f"{BASE}/accounts/bot_fields/5", body=requests.ConnectionError("refused"))
    failures = []
    for call in (client.me, client.flows, lambda: client.set_bot_field(5, "secret-dropi")):
        with pytest.raises(EcomdropError) as error:
            call()
        failures.append(error.value)
    assert "Ecomdrop GET /accounts/me answered 401" in caplog.text
    for text in [caplog.text, repr(client)] + [repr(f) + f.merchant_message for f in failures]:
        assert KEY not in text and "secret-dropi" not in text
