"""/mcp: the same tools over MCP's streamable HTTP transport, served by the official `mcp` SDK.

The SDK's Starlette app runs on one asyncio loop in a background thread; a2wsgi lets the Flask
view hand it the WSGI request after the agent key and the rate limit were checked. It runs
stateless with JSON answers, so any web process (and any machine) serves any request. Each
tool call re-reads the key from the request's headers and runs in a worker thread inside the
Flask app context, through the same runner as POST /agent/tools/<actionId>.
"""
from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import Future

import anyio
import mcp_types as types
from a2wsgi import ASGIMiddleware
from flask import Flask
from mcp.server import Server
from mcp.server.transport_security import TransportSecuritySettings

from app.agent.auth import caller_from_headers, presented_key
from app.services.agent_tools.catalogue import agent_input_schema, catalogue_tools
from app.services.agent_tools.keys import authenticate_key
from app.services.agent_tools.runner import run_tool

EXTENSION = "agent_mcp"
SERVER_NAME = "shopify-store-tools"
_creation_lock = threading.Lock()


class UnauthenticatedMcpRequest(Exception):
    """The key vanished between the Flask check and the tool call (revoked meanwhile)."""


class McpEndpoint:
    """The SDK's streamable-HTTP server for one Flask app, as a WSGI callable."""

    def __init__(self, flask_app: Flask):
        self.flask_app = flask_app
        self.server = Server(SERVER_NAME, version="1.0.0",
                             instructions="Live tools of one Shopify store. Writes return a "
                                          "preview and a confirmationToken first; act only "
                                          "after the user confirms.",
                             on_list_tools=self._list_tools, on_call_tool=self._call_tool)
        # Keys travel in headers, not cookies, so DNS rebinding gains an attacker nothing.
        starlette_app = self.server.streamable_http_app(
            streamable_http_path="/mcp", json_response=True, stateless_http=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="mcp-loop", daemon=True).start()
        self._started: Future = Future()
        asyncio.run_coroutine_threadsafe(self._run_session_manager(), self.loop)
        self._started.result(timeout=10)
        self.wsgi = ASGIMiddleware(starlette_app, loop=self.loop)

    def __call__(self, environ, start_response):
        return self.wsgi(environ, start_response)

    async def _run_session_manager(self) -> None:
        async with self.server.session_manager.run():
            self._started.set_result(True)
            await asyncio.Event().wait()  # serve until the process ends

    # -- handlers (on the loop; the work runs in a thread with the app context) ------------
    async def _list_tools(self, ctx, params) -> types.ListToolsResult:
        headers = dict(ctx.request.headers) if ctx.request is not None else {}
        return await anyio.to_thread.run_sync(self._tools_for_headers, headers)

    async def _call_tool(self, ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        headers = dict(ctx.request.headers) if ctx.request is not None else {}
        status, body = await anyio.to_thread.run_sync(
            self._run_for_headers, headers, params.name, params.arguments or {})
        return types.CallToolResult(
            content=[types.TextContent(text=json.dumps(body, ensure_ascii=False))],
            structured_content=body, is_error=status != 200)

    def _tools_for_headers(self, headers: dict) -> types.ListToolsResult:
        with self.flask_app.app_context():
            key = self._key(headers)
            return types.ListToolsResult(tools=[
                types.Tool(name=tool.action_id, title=tool.name, description=tool.description,
                           input_schema=agent_input_schema(tool, key.mode),
                           output_schema=tool.output_schema,
                           annotations=types.ToolAnnotations(
                               read_only_hint=tool.category == "read",
                               destructive_hint=tool.category == "write"))
                for tool in catalogue_tools(key.mode)])

    def _run_for_headers(self, headers: dict, name: str, arguments: dict) -> tuple[int, dict]:
        with self.flask_app.app_context():
            key = self._key(headers)
            caller = caller_from_headers(key, _CaseInsensitive(headers), transport="mcp")
            result = run_tool(caller, name, arguments)
            return result.status, result.body

    @staticmethod
    def _key(headers: dict):
        key = authenticate_key(presented_key(_CaseInsensitive(headers)))
        if key is None:
            raise UnauthenticatedMcpRequest("the agent key is no longer valid")
        return key


class _CaseInsensitive(dict):
    """Starlette lower-cases header names; our helpers ask for them capitalised."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)


def mcp_endpoint(flask_app: Flask) -> McpEndpoint:
    """The app's MCP endpoint, created on first use (its loop thread starts then)."""
    endpoint = flask_app.extensions.get(EXTENSION)
    if endpoint is None:
        with _creation_lock:
            endpoint = flask_app.extensions.get(EXTENSION)
            if endpoint is None:
                endpoint = flask_app.extensions[EXTENSION] = McpEndpoint(flask_app)
    return endpoint
