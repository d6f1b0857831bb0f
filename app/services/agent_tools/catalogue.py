"""The tool catalogue as agent platforms import it: the seed's format, OpenAI-style function
definitions, MCP tool inputs and an OpenAPI document."""
from __future__ import annotations

import copy

from app.services.agent_tools.access import EMAIL_ARGUMENT
from app.services.agent_tools.confirmation import TOKEN_FIELD
from app.services.agent_tools.registry import Tool, tools_for

# The seed's order of the tools; tools added later follow in registration order.
SEED_ORDER = ("get_order", "list_orders", "get_product", "list_products", "fulfill_order",
              "get_customer", "check_inventory", "search_customers", "cancel_order")
ORDER_TOOLS = ("get_order", "cancel_order")
CUSTOMER_PHONE_HEADER = "X-Customer-Phone"
CUSTOMER_EMAIL_HEADER = "X-Customer-Email"


def catalogue_tools(mode: str) -> list[Tool]:
    tools = tools_for(mode)
    rank = {action_id: index for index, action_id in enumerate(SEED_ORDER)}
    return sorted(tools, key=lambda tool: rank.get(tool.action_id, len(rank)))


def agent_input_schema(tool: Tool, mode: str) -> dict:
    """The tool's input schema plus the two arguments the transports add: the confirmation
    token of writes and, for customer-mode keys, the order's email as a second factor."""
    schema = copy.deepcopy(tool.input_schema)
    properties = schema.setdefault("properties", {})
    if tool.requires_confirmation:
        properties[TOKEN_FIELD] = {
            "type": "string",
            "description": "Leave out on the first call: it returns a preview and this token. "
                           "After the user explicitly confirms the preview, call again with the "
                           "same arguments and the token."}
    if mode == "customer" and tool.action_id in ORDER_TOOLS:
        properties[EMAIL_ARGUMENT] = {
            "type": "string",
            "description": "The email the customer bought with, when their WhatsApp phone is "
                           "not the order's phone."}
    return schema


def seed_catalogue(mode: str) -> list[dict]:
    return [tool.definition() for tool in catalogue_tools(mode)]


def openai_functions(mode: str) -> list[dict]:
    return [{"type": "function",
             "function": {"name": tool.action_id, "description": tool.description,
                          "parameters": agent_input_schema(tool, mode)}}
            for tool in catalogue_tools(mode)]


def openapi_document(mode: str, server_url: str) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    paths = {"/agent/tools": {"get": {
        "operationId": "listTools", "summary": "The tool catalogue",
        "responses": {"200": {"description": "The tools this key may call (seed format and "
                                             "OpenAI function definitions)"},
                      "401": {"description": "Missing or invalid agent key"}}}}}
    for tool in catalogue_tools(mode):
        paths[f"/agent/tools/{tool.action_id}"] = {"post": {
            "operationId": tool.action_id, "summary": tool.name, "description": tool.description,
            "parameters": [
                {"name": CUSTOMER_PHONE_HEADER, "in": "header", "required": False,
                 "schema": {"type": "string"},
                 "description": "Customer-mode keys: the customer's WhatsApp phone (E.164)"},
                {"name": CUSTOMER_EMAIL_HEADER, "in": "header", "required": False,
                 "schema": {"type": "string"},
                 "description": "Customer-mode keys: the email the customer bought with"}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": agent_input_schema(tool, mode)}}},
            "responses": {
                "200": {"description": "The tool's output", "content": {
                    "application/json": {"schema": tool.output_schema}}},
                **{status: {"description": text, "content": {
                    "application/json": {"schema": error}}}
                   for status, text in (("400", "Input outside the schema"),
                                        ("401", "Missing or invalid agent key"),
                                        ("403", "Not allowed for this key or customer"),
                                        ("404", "Not found (or not this customer's)"),
                                        ("409", "Confirmation token invalid or state changed"),
                                        ("429", "Rate limited"),
                                        ("502", "Shopify did not answer"))}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shopify tools for the AI agent", "version": "1.0.0",
                 "description": "Live order, product, customer and inventory tools of one "
                                "Shopify store. Writes return a preview and a confirmation "
                                "token first."},
        "servers": [{"url": server_url}],
        "security": [{"agentKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"agentKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {
                "type": "object", "properties": {"code": {"type": "string"},
                                                 "message": {"type": "string"},
                                                 "details": {}}}}}}},
    }
