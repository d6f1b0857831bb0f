"""The Ecomdrop client against the local stand-in over real HTTP."""
from __future__ import annotations

import threading

import pytest
import requests
from werkzeug.serving import make_server

from app.clients.ecomdrop import (
    ContactAction,
    EcomdropAuthError,
    EcomdropClient,
    EcomdropError,
    EcomdropNotFound,
    EcomdropUnavailable,
)
from standins.ecomdrop import DEMO_API_KEY, EcomdropStandInConfig, create_ecomdrop_stand_in


@pytest.fixture
def stand_in():
    app = create_ecomdrop_stand_in(EcomdropStandInConfig(random_seed=7))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def client_for(base: str, key: str = DEMO_API_KEY, **kwargs) -> EcomdropClient:
    kwargs.setdefault("sleep", lambda seconds: None)
    return EcomdropClient(key, base_url=f"{base}/api", timeout=5, default_region="CO", **kwargs)


def calls(base: str) -> list[dict]:
    return requests.get(f"{base}/standin/calls", timeout=5).json()["calls"]


def account_state(base: str, name: str) -> dict:
    accounts = requests.get(f"{base}/standin/accounts", timeout=5).json()["accounts"]
    return next(a for a in accounts if a["name"] == name)


def add_account(base: str, **spec) -> dict:
    response = requests.post(f"{base}/standin/accounts", json=spec, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def test_me_and_flows_of_the_demo_account(stand_in):
    client = client_for(stand_in)
    assert client.me().name == "Tienda Demo"
    names = [flow.name for flow in client.flows()]
    assert names == ["Nuevo pedido", "Carrito abandonado", "Confirmación de envío",
                     "Novedad de entrega"]


def test_accounts_start_with_the_dropi_token_fields_at_ecomdrops_template_ids(stand_in):
    fields = {f["name"]: f["id"] for f in account_state(stand_in, "Tienda Demo")["bot_fields"]}
    assert fields == {"DROPI TOKEN CO": 640597, "DROPI TOKEN EC": 805359,
                      "DROPI TOKEN CL": 665134, "DROPI TOKEN GT": 747995,
                      "DROPI TOKEN MX": 641097, "DROPI TOKEN PA": 742965,
                      "DROPI TOKEN PE": 142979, "DROPI TOKEN PY": 240677}


def test_there_is_no_route_that_lists_bot_fields(stand_in):
    answer = requests.get(f"{stand_in}/api/accounts/bot_fields",
                          headers={"X-ACCESS-TOKEN": DEMO_API_KEY}, timeout=5)
    assert answer.status_code == 404
    assert answer.json() == {"success": False, "error": {"code": 404, "message": "not found"}}


def test_the_update_lands_in_the_right_accounts_bot_field(stand_in):
    add_account(stand_in, api_key="key-b", name="Tienda B",
                bot_fields=[{"name": "dropi_token_co", "id": 912001}, "otro"])
    other = client_for(stand_in, "key-b")
    requests.delete(f"{stand_in}/standin/calls", timeout=5)

    assert other.set_bot_field(912001, "dropi-token-b") == "912001"

    post = calls(stand_in)[-1]
    assert (post["method"], post["path"]) == ("POST", "/api/accounts/bot_fields/912001")
    assert post["form"] == {"value": "dropi-token-b"} and post["json"] is None
    assert post["headers"]["x-access-token"] == "<present>"
    values = {f["name"]: f["value"] for f in account_state(stand_in, "Tienda B")["bot_fields"]}
    assert values == {"dropi_token_co": "dropi-token-b", "otro": None}
    demo = account_state(stand_in, "Tienda Demo")["bot_fields"]
    assert all(f["value"] is None for f in demo)
    assert other.bot_field(912001).value == "dropi-token-b"


def test_an_account_without_the_bot_field_answers_not_found(stand_in):
    add_account(stand_in, api_key="key-empty", name="Sin campos", bot_fields=[])
    with pytest.raises(EcomdropNotFound):
        client_for(stand_in, "key-empty").set_bot_field(640597, "x")


def test_find_or_create_contact_then_send_flow_is_recorded(stand_in):
    client = client_for(stand_in)
    contact, created = client.find_or_create_contact("300 123 4567", "ana@example.com", "Ana")
    again, created_again = client.find_or_create_contact("+57 300 1234567")
    assert created and not created_again and again.id == contact.id

    order_number = client.ensure_custom_field("order_number")
    client.set_contact_field(contact.id, order_number.id, "#1001")
    flow = next(f for f in client.flows() if f.name == "Nuevo pedido")
    client.send_flow(contact.id, flow.id)

    recorded = [(c["method"], c["path"]) for c in calls(stand_in)]
    assert ("POST", "/api/contacts") in recorded
    assert recorded[-1] == ("POST", f"/api/contacts/{contact.id}/send/{flow.id}")
    create = next(c for c in calls(stand_in) if c["path"] == "/api/contacts")
    assert create["json"]["phone"] == "+573001234567"
    runs = account_state(stand_in, "Tienda Demo")["flow_runs"]
    assert runs == [{**runs[0], "contact_id": int(contact.id), "flow_name": "Nuevo pedido",
                     "phone": "+573001234567", "fields": {"order_number": "#1001"}}]


def test_create_contact_actions_tag_set_fields_and_send_a_flow(stand_in):
    client = client_for(stand_in)
    flow = client.flows()[1]
    contact = client.create_contact(
        "+52 55 1234 5678", first_name="Luis",
        actions=[ContactAction.add_tag("carrito"),
                 ContactAction.set_field_value("checkout_url", "https://shop.test/c/1"),
                 ContactAction.send_flow(flow.id)])
    stored = client.contact(contact.id)
    assert [t.name for t in stored.tags] == ["carrito"]
    assert stored.fields == {"checkout_url": "https://shop.test/c/1"}
    assert account_state(stand_in, "Tienda Demo")["flow_runs"][0]["flow_name"] == flow.name


def test_an_invalid_key_is_a_401_with_an_error_body_and_is_never_recorded(stand_in):
    response = requests.get(f"{stand_in}/api/accounts/me",
                            headers={"X-ACCESS-TOKEN": "wrong-key-123"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401
    with pytest.raises(EcomdropAuthError):
        client_for(stand_in, "wrong-key-123").flows()
    recorded = requests.get(f"{stand_in}/standin/calls", timeout=5).text
    assert "wrong-key-123" not in recorded and DEMO_API_KEY not in recorded
    assert [c["status"] for c in calls(stand_in)] == [401, 401]


def test_the_stand_in_holds_the_api_contract(stand_in):
    headers = {"X-ACCESS-TOKEN": DEMO_API_KEY}
    field_id = 640597
    as_json = requests.post(f"{stand_in}/api/accounts/bot_fields/{field_id}", json={"value": "x"},
                            headers=headers, timeout=5)
    assert as_json.status_code == 400 and "form" in as_json.json()["error"]["message"]
    local_phone = requests.post(f"{stand_in}/api/contacts", json={"phone": "3001234567"},
                                headers=headers, timeout=5)
    assert local_phone.status_code == 400
    unknown_flow = requests.post(f"{stand_in}/api/contacts", headers=headers, timeout=5,
                                 json={"phone": "+573001234567",
                                       "actions": [{"action": "send_flow", "flow_id": 1}]})
    assert unknown_flow.status_code == 400
    assert account_state(stand_in, "Tienda Demo")["contacts"] == []


def test_reads_ride_out_injected_failures_but_flow_sends_do_not_repeat(stand_in):
    client = client_for(stand_in)
    contact, _ = client.find_or_create_contact("3001234567")
    flow_id = client.flows()[0].id
    requests.post(f"{stand_in}/standin/faults", json={"fail_next": 2}, timeout=5)
    assert len(client.flows()) == 4
    assert [c["status"] for c in calls(stand_in)[-3:]] == [503, 503, 200]

    requests.post(f"{stand_in}/standin/faults", json={"fail_next": 1}, timeout=5)
    with pytest.raises(EcomdropUnavailable):
        client.send_flow(contact.id, flow_id)
    assert account_state(stand_in, "Tienda Demo")["flow_runs"] == []


def test_latency_beyond_the_timeout_is_reported_as_unavailable(stand_in):
    requests.post(f"{stand_in}/standin/faults", json={"latency_seconds": 0.5}, timeout=5)
    client = EcomdropClient(DEMO_API_KEY, base_url=f"{stand_in}/api", timeout=0.1,
                            max_attempts=2, sleep=lambda seconds: None)
    with pytest.raises(EcomdropUnavailable) as error:
        client.me()
    assert "did not answer in time" in error.value.merchant_message


def test_find_by_custom_field_lists_the_latest_updated_contact_first(stand_in):
    client = client_for(stand_in)
    order_number = client.find_custom_field("Order Number")
    first, _ = client.find_or_create_contact("+573001111111")
    second, _ = client.find_or_create_contact("+573002222222")
    client.set_contact_field(second.id, order_number.id, "#77")
    client.set_contact_field(first.id, order_number.id, "#77")
    found = client.find_contacts(order_number.id, "#77")
    assert [c.id for c in found] == [first.id, second.id]
    assert client.find_contacts("email", "nobody@example.com") == []


def test_control_accounts_refuse_a_duplicate_key(stand_in):
    response = requests.post(f"{stand_in}/standin/accounts", json={"api_key": DEMO_API_KEY},
                             timeout=5)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "an account with this api_key exists"


def test_free_text_goes_only_to_someone_who_wrote_in_the_last_24_hours(stand_in):
    client = client_for(stand_in)
    contact, _created = client.find_or_create_contact(phone="+573001112233", first_name="Ana")

    with pytest.raises(EcomdropError) as refused:
        client.send_text(contact.id, "Hola")
    requests.post(f"{stand_in}/standin/inbound",
                  json={"api_key": DEMO_API_KEY, "phone": "+573001112233"},
                  timeout=5).raise_for_status()
    client.send_text(contact.id, "Hola Ana")

    assert "24 hours" in str(refused.value)
    messages = account_state(stand_in, "Tienda Demo")["messages"]
    assert [(m["phone"], m["text"], m["channel"]) for m in messages] == [
        ("+573001112233", "Hola Ana", "whatsapp")]


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "x" * 4097, "channel": "whatsapp"},
                                  {"text": "Hola", "channel": "sms"}])
def test_send_text_refuses_what_whatsapp_refuses(stand_in, body):
    requests.post(f"{stand_in}/standin/inbound",
                  json={"api_key": DEMO_API_KEY, "phone": "+573001112233"},
                  timeout=5).raise_for_status()
    contact = client_for(stand_in).find_contact(phone="+573001112233")

    response = requests.post(f"{stand_in}/api/contacts/{contact.id}/send/text", json=body,
                             headers={"X-ACCESS-TOKEN": DEMO_API_KEY}, timeout=5)

    assert response.status_code == 400


@pytest.fixture
def receiver():
    """A server that keeps what it is sent (where a flow's external request goes)."""
    received: list[tuple[dict, bytes]] = []

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        received.append((headers, environ["wsgi.input"].read(length)))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/answer", received
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_flow_with_an_external_request_sends_the_contacts_fields_after_its_delay(
        stand_in, receiver):
    import json
    import time

    url, received = receiver
    client = client_for(stand_in)
    flow = client.flows()[0]
    field = client.create_custom_field("pedido_codigo_confirmacion")
    requests.post(f"{stand_in}/standin/flows/{flow.id}/external_request", timeout=5, json={
        "api_key": DEMO_API_KEY, "external_request": {
            "url": url, "headers": {"X-Connector-Secret": "s3cret"},
            "body": {"code": "{{pedido_codigo_confirmacion}}", "answer": "si"},
            "delay_seconds": 0.1}}).raise_for_status()
    contact = client.create_contact("+573001112233")
    client.set_contact_field(contact.id, field.id, "AB12C")

    client.send_flow(contact.id, flow.id)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)

    [(headers, body)] = received
    assert headers["x-connector-secret"] == "s3cret"
    assert json.loads(body) == {"code": "AB12C", "answer": "si"}
