"""The tools over MCP: the official SDK's own client lists and calls them over streamable HTTP,
with the same agent key as /agent; without a valid key /mcp answers 401."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.factories import agent_headers, agent_key, install_seeded_shop
from tests.live_standins import running_app, running_shopify_stand_in, stand_in_settings

LAURA = "+573001234567"


@pytest.fixture
def live(tmp_path):
    with running_shopify_stand_in() as shopify:
        settings = stand_in_settings(tmp_path, shopify=shopify)
        with running_app(settings, shopify=shopify) as app:
            with app.app.app_context():
                shop = install_seeded_shop(shopify, "mcp.myshopify.com")
                keys = {"staff": agent_key(shop, "staff"),
                        "customer": agent_key(shop, "customer")}
            yield app, keys


async def _session(url: str, headers: dict, work):
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            return await work(client)


def run_mcp(url, headers, work):
    # In a thread of its own: a browser test earlier in the run may leave an event loop
    # running in the main thread, and anyio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, _session, url, headers, work).result(timeout=60)


def test_the_sdk_client_lists_and_calls_tools(live):
    app, keys = live

    async def work(client):
        tools = await client.list_tools()
        result = await client.call_tool("get_order", {"orderId": "#1001"})
        return tools, result

    tools, result = run_mcp(f"{app.url}/mcp", agent_headers(keys["staff"]), work)

    names = [tool.name for tool in tools.tools]
    assert names[:4] == ["get_order", "list_orders", "get_product", "list_products"]
    assert "cancel_order" in names and "get_customer" in names
    fulfill = next(tool for tool in tools.tools if tool.name == "fulfill_order")
    assert "confirmationToken" in fulfill.input_schema["properties"]
    assert result.is_error is False
    assert result.structured_content["name"] == "#1001"
    assert result.structured_content["totalPriceSet"]["shopMoney"]["currencyCode"] == "COP"


def test_mcp_customer_keys_are_held_to_their_own_orders(live):
    app, keys = live

    async def work(client):
        tools = await client.list_tools()
        own = await client.call_tool("get_order", {"orderId": "#1001"})
        other = await client.call_tool("get_order", {"orderId": "#1002"})
        return tools, own, other

    tools, own, other = run_mcp(f"{app.url}/mcp", agent_headers(keys["customer"], phone=LAURA),
                                work)

    assert "get_customer" not in [tool.name for tool in tools.tools]
    assert own.is_error is False
    assert other.is_error is True
    assert other.structured_content["error"]["code"] == "not_found"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer agk_not-a-key"},
                                     {"Authorization": "Basic abc"}])
def test_every_agent_endpoint_without_a_valid_key_is_401(live, headers):
    app, _ = live
    calls = [("GET", "/agent/tools", None), ("GET", "/agent/openapi.json", None),
             ("POST", "/agent/tools/get_order", {"orderId": "#1001"}),
             ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
             ("GET", "/mcp", None)]

    for method, path, body in calls:
        response = requests.request(method, app.url + path, json=body, headers=headers,
                                    timeout=10)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_refused(live):
    app, keys = live
    from app.services.agent_tools.keys import authenticate_key, revoke_key

    with app.app.app_context():
        key = authenticate_key(keys["staff"])
        from app.extensions import db
        from app.models import Shop

        revoke_key(db.session.get(Shop, key.shop_id), key.id)

    response = requests.get(f"{app.url}/agent/tools", headers=agent_headers(keys["staff"]),
                            timeout=10)
    assert response.status_code == 401
