"""/app/ai-agent: the AI agent's persona, knowledge, FAQs, rules and alert contacts."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request
from flask_babel import gettext as _

from app.admin.responses import is_fragment_request, render_page_or_fragment, toast, trigger
from app.auth.embedded import embedded_url, embedded_view
from app.jobs import write_agent_profile_field
from app.services.agent_profile import profile_changed
from app.services.ai_configuration import (
    FAQ_LISTS,
    NOTIFICATION_TYPES,
    AgentSettings,
    AgentSettingsInvalid,
    FaqEntry,
    agent_settings_from_form,
    load_agent_settings,
    save_agent_settings,
)
from app.services.connection_status import connection_status

bp = Blueprint("ai_agent", __name__, url_prefix="/app/ai-agent")
# The profile sections (preview, bot field, versions) reload when the settings are saved.
PROFILE_SAVED_EVENT = "agent-profile-saved"


def _render(settings: AgentSettings, errors: dict, http_status: int = 200):
    return render_page_or_fragment(
        "ai_agent/index.html",
        "ai_agent/_form.html",
        http_status=http_status,
        settings=settings,
        errors=errors,
        notification_types=NOTIFICATION_TYPES,
        ecomdrop_connected=connection_status(g.shop).ecomdrop.connected,
    )


@bp.get("")
@embedded_view
def index():
    return _render(load_agent_settings(g.shop), {})


@bp.post("")
@embedded_view
def save():
    submitted = agent_settings_from_form(request.form.to_dict(flat=False))
    try:
        saved = save_agent_settings(g.shop, submitted)
    except AgentSettingsInvalid as invalid:
        return _render(invalid.settings, invalid.errors, http_status=422)
    profile_changed(g.shop, enqueue=write_agent_profile_field)
    if not is_fragment_request():
        return redirect(embedded_url("ai_agent.index"), code=303)
    response = toast(_render(saved, {}), _("AI agent settings saved."))
    return trigger(response, PROFILE_SAVED_EVENT)


@bp.get("/faq-row")
@embedded_view
def faq_row():
    list_name = request.args.get("list", "")
    if list_name not in FAQ_LISTS:
        abort(404)
    return render_template(
        "ai_agent/_faq_row.html",
        list_name=list_name,
        row_id=uuid.uuid4().hex[:8],
        entry=FaqEntry(),
        error=None,
    )
