"""Running one tool call: input validated against the tool's schema, customer-mode limits,
the confirmation step of writes, the output validated, and every call in the audit log."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass


from app.clients.shopify import ShopifyError, ShopifyUnauthorized
from app.extensions import db
from app.services.agent_tools.audit import record_call
from app.services.agent_tools.confirmation import (TOKEN_FIELD, issue_confirmation,
                                                   run_confirmed)
from app.services.agent_tools.registry import (CallerContext, Tool, ToolError, ToolForbidden,
                                               ToolInputInvalid, ToolUpstreamError, first_error,
                                               get_tool)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolResult:
    """What the transport sends back: `body` is the tool's output, or {"error": {...}}."""

    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return self.status == 200


def run_tool(caller: CallerContext, action_id: str, arguments) -> ToolResult:
    """Run tool `action_id` for `caller` with `arguments` (the JSON body); never raises for
    anything the agent did wrong."""
    started = time.monotonic()
    tool_name = action_id
    try:
        tool = get_tool(action_id)
        tool_name = tool.action_id
        if not tool.available_to(caller.mode):
            raise ToolForbidden(f"{tool.action_id} is only available to staff keys.")
        output = _run(tool, caller, _validated_input(tool, arguments))
        result = ToolResult(200, output)
    except ToolError as error:
        result = ToolResult(error.status, _error_body(error))
    except ShopifyUnauthorized as error:
        log.warning("agent tool %s for %s: Shopify refused the store's token: %s", action_id,
                    caller.shop.domain, error)
        result = ToolResult(503, _error_body(ToolUpstreamError(
            "The store's access to Shopify must be renewed: the merchant opens the app in the "
            "Shopify admin once. Tell the customer the store will get back to them.")))
    except ShopifyError as error:
        log.warning("agent tool %s for %s: Shopify failed: %s", action_id, caller.shop.domain,
                    error)
        result = ToolResult(502, _error_body(ToolUpstreamError(
            "Shopify did not answer this request; try again in a moment.")))
    _audit(caller, tool_name, arguments, result, started)
    return result


def _run(tool: Tool, caller: CallerContext, arguments: dict) -> dict:
    shop = caller.shop
    if tool.requires_confirmation:
        if not arguments.get(TOKEN_FIELD):
            preview = tool.preview(shop, caller, arguments)
            return _validated_output(tool, issue_confirmation(caller, tool.action_id,
                                                              arguments, preview))
        output = run_confirmed(caller, tool.action_id, arguments,
                               lambda: tool.handler(shop, caller, arguments))
    else:
        output = tool.handler(shop, caller, arguments)
    return _validated_output(tool, output)


def _validated_input(tool: Tool, arguments) -> dict:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ToolInputInvalid("The arguments must be a JSON object.")
    error = first_error(tool.input_validator, arguments)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(arguments)"
        raise ToolInputInvalid(f"Invalid input at {where}: {error.message}",
                               details={"path": list(error.absolute_path),
                                        "schemaPath": list(error.absolute_schema_path)})
    return arguments


def _validated_output(tool: Tool, output: dict) -> dict:
    error = first_error(tool.output_validator, output)
    if error is not None:
        log.error("agent tool %s built output outside its schema: %s at %s", tool.action_id,
                  error.message, list(error.absolute_path))
        raise ToolUpstreamError("The answer could not be built from Shopify's data.")
    return output


def _error_body(error: ToolError) -> dict:
    body = {"code": error.code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return {"error": body}


def _audit(caller: CallerContext, tool: str, arguments, result: ToolResult,
           started: float) -> None:
    summary = result.body["error"]["message"] if not result.ok else _summary(result.body)
    outcome = "ok" if result.ok else result.body["error"]["code"]
    if result.ok and result.body.get("status") == "CONFIRMATION_REQUIRED":
        outcome = "preview"
    try:
        record_call(caller.shop, key_id=caller.key_id, key_hint=caller.key_hint,
                    mode=caller.mode, transport=caller.transport, tool=tool,
                    arguments=arguments if isinstance(arguments, dict) else {},
                    outcome=outcome, http_status=result.status, summary=summary,
                    shopify_cost=caller.shopify_cost,
                    duration_ms=(time.monotonic() - started) * 1000)
    except Exception:  # the answer still goes out; the failure is logged
        db.session.rollback()
        log.exception("could not write the audit log for %s on %s", tool, caller.shop.domain)


def _summary(body: dict) -> str:
    parts = []
    for key in ("name", "title", "status", "fulfillmentId", "orderId", "inventoryItemId", "id"):
        if isinstance(body.get(key), (str, int)):
            parts.append(f"{key}={body[key]}")
    for key in ("orders", "products", "customers", "inventoryLevels", "variants"):
        if isinstance(body.get(key), list):
            parts.append(f"{len(body[key])} {key}")
    return ", ".join(parts[:4]) or "ok"
