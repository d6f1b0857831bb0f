"""Agent keys on requests: `Authorization: Bearer <key>` (or `X-Api-Key: <key>`)."""
from __future__ import annotations

import functools
import hashlib
from typing import Callable

from flask import current_app, g, jsonify, request
from flask_limiter.util import get_remote_address

from app.services.agent_tools.callers import caller_for_key
from app.services.agent_tools.catalogue import CUSTOMER_EMAIL_HEADER, CUSTOMER_PHONE_HEADER
from app.services.agent_tools.keys import authenticate_key, touch_key


def presented_key(headers) -> str | None:
    authorization = headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return (headers.get("X-Api-Key") or "").strip() or None


def rate_limit_key() -> str:
    """Flask-Limiter's key: the presented agent key (hashed), else the client address."""
    key = presented_key(request.headers)
    if key:
        return "agent-key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "address:" + (get_remote_address() or "unknown")


def rate_limit() -> str:
    return current_app.config["SETTINGS"].agent_rate_limit


def unauthorized():
    response = jsonify({"error": {"code": "unauthorized",
                                  "message": "A valid agent key is required: send "
                                             "'Authorization: Bearer <key>'. Keys are created "
                                             "on the app's AI agent page."}})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="agent"'
    response.headers["Cache-Control"] = "no-store"
    return response


def agent_key_required(view: Callable):
    """Run `view` only for a valid agent key; g.agent_key and g.agent_caller are set."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = authenticate_key(presented_key(request.headers))
        if key is None:
            return unauthorized()
        touch_key(key)
        g.agent_key = key
        g.agent_caller = caller_from_headers(key, request.headers, transport="http")
        return view(*args, **kwargs)

    return wrapper


def caller_from_headers(key, headers, *, transport: str):
    return caller_for_key(current_app.config["SETTINGS"], key,
                          customer_phone=headers.get(CUSTOMER_PHONE_HEADER),
                          customer_email=headers.get(CUSTOMER_EMAIL_HEADER),
                          transport=transport)
