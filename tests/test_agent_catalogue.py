"""GET /agent/tools serves the seed's catalogue and OpenAI-style function definitions; the
OpenAPI document describes every call; keys are rate limited."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.services.agent_tools.registry import SCHEMAS_DIR
from tests.factories import agent_headers, agent_key, install_seeded_shop
from tests.live_standins import running_shopify_stand_in, stand_in_settings
from tests.support import reset_database

SEED_FILE = next(Path(__file__).resolve().parents[2].glob("shared/seeds/002_*.txt"), None) \
    or next(Path("/work/shared/seeds").glob("002_*.txt"), None)
NINE = ["get_order", "list_orders", "get_product", "list_products", "fulfill_order",
        "get_customer", "check_inventory", "search_customers", "cancel_order"]


def test_the_catalogue_in_the_seed_format_and_as_functions(agent_world):
    key = agent_key(agent_world.shop, "staff")

    body = agent_world.client.get("/agent/tools", headers=agent_headers(key)).json

    # the seed's nine, in the seed's order (tools of other features may follow them)
    assert [tool["actionId"] for tool in body["tools"]][:9] == NINE
    order = body["tools"][0]
    assert order["name"] == "Get Shopify Order Details" and order["category"] == "read"
    assert order["requiresConfirmation"] is False
    assert body["tools"][4]["requiresConfirmation"] is True
    function = body["functions"][4]
    assert function["type"] == "function" and function["function"]["name"] == "fulfill_order"
    assert function["function"]["parameters"]["required"] == ["orderId"]
    assert "confirmationToken" in function["function"]["parameters"]["properties"]
    assert body["mcpUrl"].endswith("/mcp")


@pytest.mark.skipif(SEED_FILE is None, reason="the seed text is not beside this checkout")
def test_the_schema_files_are_exactly_the_seeds():
    blocks = [json.loads(block) for block in
              re.findall(r"```json\n(.*?)```", SEED_FILE.read_text(encoding="utf-8"), re.S)
              if '"actionId"' in block]

    assert len(blocks) == 7
    for definition in blocks:
        ours = json.loads((SCHEMAS_DIR / f"{definition['actionId']}.json").read_text())
        assert ours == definition


def test_the_openapi_document_describes_every_tool(agent_world):
    key = agent_key(agent_world.shop, "staff")

    document = agent_world.client.get("/agent/openapi.json", headers=agent_headers(key)).json

    assert document["openapi"] == "3.1.0"
    for action_id in NINE:
        operation = document["paths"][f"/agent/tools/{action_id}"]["post"]
        assert operation["operationId"] == action_id
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == \
            json.loads((SCHEMAS_DIR / f"{action_id}.json").read_text())["outputSchema"]
    assert document["components"]["securitySchemes"]["agentKey"]["scheme"] == "bearer"


def test_calls_beyond_the_keys_rate_limit_get_429(tmp_path):
    with running_shopify_stand_in() as shopify:
        settings = stand_in_settings(tmp_path, shopify=shopify, agent_rate_limit="3 per minute")
        app = create_app(settings)
        with app.app_context():
            db.create_all()
            try:
                shop = install_seeded_shop(shopify, "limited.myshopify.com")
                first, second = agent_key(shop, "staff"), agent_key(shop, "staff")
                client = app.test_client()
                statuses = [client.get("/agent/tools", headers=agent_headers(first)).status_code
                            for _ in range(4)]
                other = client.get("/agent/tools", headers=agent_headers(second))
            finally:
                reset_database()

    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200  # the limit is per key
