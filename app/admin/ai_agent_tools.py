"""/app/ai-agent/tools: the agent's access to the store's tools: keys (the store owner only),
what customers may do, the catalogue with the URL and key to paste into Ecomdrop, and the
audit log of every call. The AI agent page loads these parts into itself."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _

from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_view
from app.models import AGENT_MODES
from app.services.agent_tools.audit import PAGE_SIZE, AuditFilters, audit_page
from app.services.agent_tools.catalogue import catalogue_tools
from app.services.agent_tools.keys import (AgentKeyInvalid, active_keys, issue_key, revoke_key,
                                           rotate_key)
from app.services.agent_tools.tool_settings import save_tool_settings, tool_settings

bp = Blueprint("ai_agent_tools", __name__, url_prefix="/app/ai-agent/tools")
OUTCOMES = ("ok", "preview", "invalid_input", "forbidden", "not_found", "conflict",
            "unknown_tool", "shopify_error")


def _is_owner() -> bool:
    online = g.get("online_session")
    return bool(online is not None and online.account_owner)


def _render_access(*, new_secret=None, new_key=None, errors=None, http_status=200):
    settings = current_app.config["SETTINGS"]
    return render_page_or_fragment(
        "ai_agent/tools.html", "ai_agent/_keys.html", http_status=http_status,
        keys=active_keys(g.shop), is_owner=_is_owner(), new_secret=new_secret, new_key=new_key,
        errors=errors or {}, modes=AGENT_MODES, tool_settings=tool_settings(g.shop),
        app_url=settings.shopify_app_url, tools=catalogue_tools("staff"))


@bp.app_template_global("agent_tools_overview")
def agent_tools_overview() -> dict:
    """What the AI agent page shows of the tools (read-only; keys are managed on their own
    page, which needs the user's online session to know the store owner)."""
    settings = current_app.config["SETTINGS"]
    calls, total, _page = audit_page(g.shop, AuditFilters(), 1)
    return {"keys": active_keys(g.shop), "app_url": settings.shopify_app_url,
            "tools": catalogue_tools("staff"), "tool_settings": tool_settings(g.shop),
            "calls": calls, "total": total, "page_number": 1,
            "pages": max(1, -(-total // PAGE_SIZE)), "filters": AuditFilters(),
            "outcomes": OUTCOMES, "modes": AGENT_MODES}


@bp.get("")
@embedded_view(online_token=True)
def index():
    return _render_access()


@bp.post("/keys")
@embedded_view(online_token=True)
def create_key():
    if not _is_owner():
        abort(403)
    try:
        issued = issue_key(g.shop, label=request.form.get("label", ""),
                           mode=request.form.get("mode", ""), user_id=g.user_id)
    except AgentKeyInvalid as invalid:
        return _render_access(errors=_key_errors(invalid.errors), http_status=422)
    return toast(_render_access(new_secret=issued.secret, new_key=issued.key),
                 _("Key created. Copy it now: it will not be shown again."))


@bp.post("/keys/<int:key_id>/rotate")
@embedded_view(online_token=True)
def rotate(key_id: int):
    if not _is_owner():
        abort(403)
    try:
        issued = rotate_key(g.shop, key_id, user_id=g.user_id)
    except LookupError:
        abort(404)
    return toast(_render_access(new_secret=issued.secret, new_key=issued.key),
                 _("Key rotated: the old key stopped working. Paste the new one into Ecomdrop."))


@bp.post("/keys/<int:key_id>/revoke")
@embedded_view(online_token=True)
def revoke(key_id: int):
    if not _is_owner():
        abort(403)
    try:
        revoke_key(g.shop, key_id)
    except LookupError:
        abort(404)
    return toast(_render_access(), _("Key revoked: calls with it are refused from now on."))


@bp.post("/settings")
@embedded_view(online_token=True)
def save_settings():
    if not _is_owner():
        abort(403)
    save_tool_settings(g.shop, customers_may_cancel=request.form.get("customers_may_cancel")
                       == "on")
    return toast(_render_access(), _("Agent permissions saved."))


@bp.get("/audit")
@embedded_view
def audit():
    filters = AuditFilters(tool=_choice("tool", [t.action_id for t in catalogue_tools("staff")]),
                           mode=_choice("mode", AGENT_MODES), outcome=_choice("outcome", OUTCOMES))
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 10 else 1
    calls, total, page = audit_page(g.shop, filters, page)
    return render_page_or_fragment(
        "ai_agent/audit.html", "ai_agent/_audit.html", calls=calls, total=total, page_number=page,
        pages=max(1, -(-total // PAGE_SIZE)), filters=filters, outcomes=OUTCOMES,
        modes=AGENT_MODES, tools=catalogue_tools("staff"))


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def _key_errors(codes: dict[str, str]) -> dict[str, str]:
    messages = {"label_required": _("Give the key a name, for example Ecomdrop WhatsApp."),
                "label_too_long": _("The name can be at most 100 characters."),
                "mode_invalid": _("Choose who the key is for: customers or staff.")}
    return {field: messages[code] for field, code in codes.items()}
