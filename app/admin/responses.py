"""Helpers for admin views: one URL answers a full page or its htmx fragment; toasts."""
from __future__ import annotations

import json

from flask import Response, make_response, render_template, request

TOAST_KINDS = ("success", "error")


def is_fragment_request() -> bool:
    """An htmx request that swaps part of the page (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page_or_fragment(
    page: str, fragment: str, *, http_status: int = 200, **context
) -> Response:
    """Render `fragment` for htmx requests and `page` otherwise; caches are told it varies."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), http_status)
    response.vary.add("HX-Request")
    return response


def toast(response: Response, message: str, kind: str = "success") -> Response:
    """Ask the page to show a toast (App Bridge's, or the in-page one) once the answer arrives."""
    if kind not in TOAST_KINDS:
        raise ValueError(f"toast kind must be one of {TOAST_KINDS}, not {kind!r}")
    triggers = _current_triggers(response)
    triggers["toast"] = {"message": str(message), "kind": kind}
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


def trigger(response: Response, event: str) -> Response:
    """Ask the page to fire `event` (elements listening with `hx-trigger="... from:body"`)."""
    triggers = _current_triggers(response)
    triggers[event] = None
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


def _current_triggers(response: Response) -> dict:
    raw = response.headers.get("HX-Trigger")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        # A plain event name (or a comma-separated list) rather than JSON.
        return {name.strip(): None for name in raw.split(",") if name.strip()}
    return parsed if isinstance(parsed, dict) else {}
