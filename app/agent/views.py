"""/agent/tools (catalogue and calls), /agent/openapi.json and /mcp, all behind an agent key
and its rate limit."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from app.agent.auth import agent_key_required, rate_limit, rate_limit_key
from app.extensions import limiter
from app.services.agent_tools.catalogue import (openai_functions, openapi_document,
                                                seed_catalogue)
from app.services.agent_tools.runner import run_tool

bp = Blueprint("agent", __name__)
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)


@bp.get("/agent/tools")
@agent_key_required
def catalogue():
    mode = g.agent_key.mode
    return _json({"mode": mode, "tools": seed_catalogue(mode), "functions": openai_functions(mode),
                  "mcpUrl": _app_url() + "/mcp", "openapiUrl": _app_url() + "/agent/openapi.json"})


@bp.post("/agent/tools/<action_id>")
@agent_key_required
def call(action_id: str):
    arguments = request.get_json(silent=True) if request.data else {}
    if request.data and arguments is None:
        return _json({"error": {"code": "invalid_input",
                                "message": "The body must be a JSON object."}}, 400)
    result = run_tool(g.agent_caller, action_id, arguments)
    return _json(result.body, result.status)


@bp.get("/agent/openapi.json")
@agent_key_required
def openapi():
    return _json(openapi_document(g.agent_key.mode, _app_url()))


@bp.route("/mcp", methods=["GET", "POST", "DELETE"])
@agent_key_required
def mcp():
    # The MCP SDK's own streamable-HTTP app answers; Flask only authenticated and rate-limited.
    from app.agent.mcp_endpoint import mcp_endpoint  # the SDK (~40 MB) loads on the first call
    return mcp_endpoint(current_app._get_current_object())


@bp.errorhandler(429)
def too_many_requests(error):
    response = _json({"error": {"code": "rate_limited",
                                "message": f"Too many calls with this key ({error.description})."
                                           " Wait a moment."}}, 429)
    return response


def _json(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _app_url() -> str:
    return current_app.config["SETTINGS"].shopify_app_url
