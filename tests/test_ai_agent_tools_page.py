"""The AI agent page's tool section: the store owner creates, rotates and revokes keys (shown
once, hashed at rest), staff can only look; the audit log lists every call, masked, filtered."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from app.extensions import db
from app.models import AgentCall, AgentKey
from app.services.agent_tools.keys import hash_key
from tests.factories import agent_key
from tests.support import htmx_headers, mint_session_token

OWNER, STAFF_MEMBER = "1", "2"


def htmx(world, method, path, user=OWNER, data=None, **params):
    query = urlencode({"shop": world.domain, "embedded": "1", "locale": "en", **params})
    token = mint_session_token(world.domain, user_id=user)
    return world.client.open(f"{path}?{query}", method=method, data=data,
                             headers=htmx_headers(token))


def created_secret(response) -> str:
    return re.search(r'<code class="secret">(agk_[^<]+)</code>', response.get_data(as_text=True)
                     ).group(1)


def test_the_owner_creates_a_key_shown_once_and_stored_hashed(agent_world):
    response = htmx(agent_world, "POST", "/app/ai-agent/tools/keys",
                    data={"label": "Ecomdrop WhatsApp", "mode": "customer"})

    secret = created_secret(response)
    stored = db.session.scalar(select(AgentKey))
    again = htmx(agent_world, "GET", "/app/ai-agent/tools").get_data(as_text=True)
    assert response.status_code == 200
    assert stored.key_hash == hash_key(secret) and secret not in stored.key_hint
    assert stored.mode == "customer" and stored.label == "Ecomdrop WhatsApp"
    assert secret not in again and stored.key_hint in again
    assert agent_world.client.get("/agent/tools", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 200


def test_staff_members_cannot_manage_keys(agent_world):
    page = htmx(agent_world, "GET", "/app/ai-agent/tools", user=STAFF_MEMBER)
    refused = htmx(agent_world, "POST", "/app/ai-agent/tools/keys", user=STAFF_MEMBER,
                   data={"label": "mine", "mode": "staff"})

    assert "Only the store owner" in page.get_data(as_text=True)
    assert refused.status_code == 403
    assert db.session.scalar(select(AgentKey)) is None


def test_a_key_without_a_name_is_refused_with_a_message(agent_world):
    response = htmx(agent_world, "POST", "/app/ai-agent/tools/keys", data={"mode": "staff"})

    assert response.status_code == 422
    assert "Give the key a name" in response.get_data(as_text=True)


def test_rotating_replaces_the_key_and_revoking_ends_it(agent_world):
    old = agent_key(agent_world.shop, "staff")
    key_id = db.session.scalar(select(AgentKey.id))

    rotated = htmx(agent_world, "POST", f"/app/ai-agent/tools/keys/{key_id}/rotate")
    new = created_secret(rotated)
    new_id = db.session.scalar(select(AgentKey.id).where(AgentKey.key_hash == hash_key(new)))
    revoked = htmx(agent_world, "POST", f"/app/ai-agent/tools/keys/{new_id}/revoke")

    def status(secret):
        return agent_world.client.get("/agent/tools", headers={
            "Authorization": f"Bearer {secret}"}).status_code

    assert rotated.status_code == 200 and revoked.status_code == 200
    assert status(old) == 401 and status(new) == 401


def test_the_page_shows_the_url_mcp_snippet_and_catalogue(agent_world):
    body = htmx(agent_world, "GET", "/app/ai-agent/tools").get_data(as_text=True)

    assert "/agent/tools" in body and "/mcp" in body and "mcpServers" in body
    for action_id in ("get_order", "list_orders", "fulfill_order", "cancel_order"):
        assert f'data-tool="{action_id}"' in body


def test_the_owner_lets_customers_cancel(agent_world):
    htmx(agent_world, "POST", "/app/ai-agent/tools/settings", data={"customers_may_cancel": "on"})

    from app.services.agent_tools.tool_settings import tool_settings
    assert tool_settings(agent_world.shop).customers_may_cancel is True


def test_the_audit_log_lists_calls_masked_and_filters_them(agent_world):
    customer = agent_key(agent_world.shop, "customer")
    agent_world.call("get_order", {"orderId": "#1001",
                                   "customerEmail": "laura.gomez@example.com"}, key=customer)
    agent_world.call("get_order", {"orderId": "#1001"}, key=customer, phone="+573001234567")
    agent_world.call("list_products", {"first": 2}, key=customer)

    calls = list(db.session.scalars(select(AgentCall).order_by(AgentCall.id)))
    everything = htmx(agent_world, "GET", "/app/ai-agent/tools/audit").get_data(as_text=True)
    only_products = htmx(agent_world, "GET", "/app/ai-agent/tools/audit",
                         tool="list_products").get_data(as_text=True)

    assert [c.tool for c in calls] == ["get_order", "get_order", "list_products"]
    assert calls[0].arguments["customerEmail"] == "l***@example.com"
    assert all(c.shopify_cost > 0 for c in calls) and calls[0].mode == "customer"
    assert "laura.gomez@example.com" not in everything and "3 calls" in everything
    assert "get_order" not in only_products.split("<tbody>")[1]


def test_the_tools_section_speaks_spanish(agent_world):
    body = htmx(agent_world, "GET", "/app/ai-agent/tools", locale="es").get_data(as_text=True)

    assert "Conecta el agente a tu tienda" in body and "Crear llave" in body


def test_the_ai_agent_page_loads_the_tools_section(agent_world):
    from tests.support import embedded_query

    query = embedded_query(agent_world.domain, id_token=mint_session_token(agent_world.domain,
                                                                            user_id=OWNER))
    body = agent_world.client.get(f"/app/ai-agent?{query}").get_data(as_text=True)

    assert 'id="ai-agent-tools"' in body and "/app/ai-agent/tools" in body
    assert 'data-tool="get_order"' in body and "/mcp" in body and 'id="agent-audit"' in body
