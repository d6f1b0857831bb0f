"""The agent tool registry: each tool is declared once and served over HTTP and MCP.

A tool is its definition (the seed's `actionId`, name, description, category,
`requiresConfirmation`, input and output JSON schemas, kept as JSON files in `schemas/`) plus a
handler ``handler(shop, caller, arguments) -> output``::

    from app.services.agent_tools.registry import register, tool_from_file

    def get_order(shop, caller, arguments):
        ...
        return {"id": ..., "name": ...}

    register(tool_from_file("get_order", get_order))

Handlers raise ToolError subclasses for answers the agent should read (not found, refused...);
the runner validates input and output against the schemas and writes the audit log.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from app.models import Shop

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # annotations only

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
MODES = ("customer", "staff")


class ToolError(Exception):
    """An answer for the agent: `message` is shown to it, `status` is the HTTP status."""

    status = 400
    code = "tool_error"

    def __init__(self, message: str, *, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ToolInputInvalid(ToolError):
    status, code = 400, "invalid_input"


class ToolForbidden(ToolError):
    status, code = 403, "forbidden"


class ToolNotFound(ToolError):
    status, code = 404, "not_found"


class ToolConflict(ToolError):
    status, code = 409, "conflict"


class ToolUpstreamError(ToolError):
    status, code = 502, "shopify_error"


class UnknownTool(ToolError):
    status, code = 404, "unknown_tool"


@dataclass
class CallerContext:
    """Who is calling and on whose behalf.

    `mode` is "customer" (the WhatsApp agent talking to one customer; `customer_phone` is the
    E.164 number Ecomdrop sends in `X-Customer-Phone`, `customer_email` the optional
    `X-Customer-Email`) or "staff" (the merchant's own assistant). `shopify` builds the shop's
    Admin API client on first use and counts the cost points each call spends.
    """

    shop: Shop
    settings: Any
    mode: str
    key_id: int | None = None
    key_hint: str = ""
    customer_phone: str | None = None
    customer_email: str | None = None
    transport: str = "http"
    client_factory: Callable[[], Any] | None = None
    _client: Any = field(default=None, repr=False)

    @property
    def is_staff(self) -> bool:
        return self.mode == "staff"

    @property
    def shopify(self):
        if self._client is None:
            if self.client_factory is None:
                raise RuntimeError("this caller has no Shopify client")
            self._client = self.client_factory()
        return self._client

    @property
    def shopify_cost(self) -> int:
        return getattr(self._client, "cost_points", 0) if self._client is not None else 0


Handler = Callable[[Shop, CallerContext, dict], dict]


@dataclass(frozen=True)
class Tool:
    action_id: str
    name: str
    description: str
    category: str
    requires_confirmation: bool
    input_schema: dict
    output_schema: dict
    handler: Handler
    staff_only: bool = False
    # Writes with requires_confirmation get a `preview(shop, caller, arguments)` that says
    # exactly what the confirmed call will do, without doing it.
    preview: Callable[[Shop, CallerContext, dict], dict] | None = None

    def definition(self) -> dict:
        """The tool in the seed's catalogue format."""
        return {"actionId": self.action_id, "name": self.name, "description": self.description,
                "category": self.category, "requiresConfirmation": self.requires_confirmation,
                "inputSchema": self.input_schema, "outputSchema": self.output_schema}

    def available_to(self, mode: str) -> bool:
        return mode == "staff" or not self.staff_only

    @property
    def input_validator(self) -> Draft202012Validator:
        return _validator(json.dumps(self.input_schema, sort_keys=True))

    @property
    def output_validator(self) -> Draft202012Validator:
        return _validator(json.dumps(self.output_schema, sort_keys=True))


@cache
def _validator(schema_json: str) -> Draft202012Validator:
    # jsonschema (about 20 MB with its format grammars) loads with the first agent tool call, so
    # processes that never serve one (the workers) do not carry it.
    from jsonschema import Draft202012Validator, FormatChecker  # see above
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def first_error(validator: Draft202012Validator, instance):
    """The error that best explains why `instance` does not match, or None."""
    from jsonschema.exceptions import best_match  # loaded with the validator (_validator)
    return best_match(validator.iter_errors(instance))


@cache
def load_definition(action_id: str, directory: Path = SCHEMAS_DIR) -> dict:
    """The JSON definition `schemas/<action_id>.json`, read once."""
    return json.loads((Path(directory) / f"{action_id}.json").read_text(encoding="utf-8"))


def tool_from_file(action_id: str, handler: Handler, *, staff_only: bool = False,
                   preview=None, directory: Path = SCHEMAS_DIR) -> Tool:
    """A Tool from its JSON definition file and its handler."""
    definition = load_definition(action_id, directory)
    return Tool(action_id=definition["actionId"], name=definition["name"],
                description=definition["description"], category=definition["category"],
                requires_confirmation=bool(definition.get("requiresConfirmation", False)),
                input_schema=definition["inputSchema"], output_schema=definition["outputSchema"],
                handler=handler, staff_only=staff_only, preview=preview)


_TOOLS: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    """Add `tool` to the catalogue (registering the same actionId twice is a programming error)."""
    existing = _TOOLS.get(tool.action_id)
    if existing is not None and existing.handler is not tool.handler:
        raise ValueError(f"tool {tool.action_id!r} is already registered")
    if tool.requires_confirmation and tool.preview is None:
        raise ValueError(f"tool {tool.action_id!r} requires confirmation but has no preview")
    _TOOLS[tool.action_id] = tool
    return tool


def all_tools() -> list[Tool]:
    """Every registered tool, in registration order."""
    return list(_TOOLS.values())


def tools_for(mode: str) -> list[Tool]:
    """The tools a key of `mode` may see and call."""
    return [tool for tool in _TOOLS.values() if tool.available_to(mode)]


def get_tool(action_id: str) -> Tool:
    try:
        return _TOOLS[action_id]
    except KeyError:
        raise UnknownTool(f"No tool named {action_id!r}.") from None
