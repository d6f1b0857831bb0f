"""/app/ai-agent/profile: the AI agent page's profile sections, each an htmx fragment: the
preview of what the agent knows, the Ecomdrop bot field and alerts, and the saved versions."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _

from app.admin.responses import is_fragment_request, toast
from app.auth.embedded import embedded_url, embedded_view
from app.clients.shopify import ShopifyError
from app.extensions import cache
from app.jobs import write_agent_profile_field
from app.services.agent_profile import (
    EcomdropChoiceProblem,
    VersionNotFound,
    WriteResult,
    choose_alert_flow,
    choose_profile_field,
    compile_profile_text,
    get_store_profile,
    list_versions,
    load_link,
    profile_changed,
    recent_alerts,
    restore_version,
    stop_profile_field,
    version_settings,
    write_profile_field,
)
from app.services.agent_profile.notify import ALERTS_PER_HOUR
from app.services.ai_configuration import NOTIFICATION_TYPES, AgentSettingsInvalid
from app.services.connection_status import connection_status
from app.services.settings import IntegrationClients, SettingsUnavailable, account_flows
from app.services.settings.problems import shopify_problem

bp = Blueprint("agent_profile", __name__, url_prefix="/app/ai-agent/profile")


def _clients() -> IntegrationClients:
    return IntegrationClients(current_app.config["SETTINGS"])


def _fragment(template: str, *, http_status: int = 200, message: str | None = None,
              kind: str = "success", **context):
    response = make_response(render_template(template, **context), http_status)
    response.vary.add("HX-Request")
    return toast(response, message, kind) if message else response


@bp.get("/preview")
@embedded_view
def preview():
    try:
        profile = get_store_profile(g.shop, _clients().shopify(g.shop))
    except ShopifyError as exc:
        return _fragment("ai_agent/_profile_preview.html", profile=None,
                         problem=shopify_problem(exc))
    return _fragment("ai_agent/_profile_preview.html", profile=profile, problem=None,
                     profile_json=json.dumps(profile, ensure_ascii=False, indent=2),
                     profile_text=compile_profile_text(profile))


# Bot field ----------------------------------------------------------------------------------

def _bot_field(*, http_status: int = 200, error: str | None = None, typed: str | None = None,
               message: str | None = None, kind: str = "success"):
    return _fragment("ai_agent/_bot_field.html", http_status=http_status, message=message,
                     kind=kind, link=load_link(g.shop), error=error, typed=typed,
                     ecomdrop_connected=connection_status(g.shop).ecomdrop.connected)


def _write_message(result: WriteResult, problem: str) -> tuple[str, str]:
    if result == WriteResult.WRITTEN:
        return _("The profile was written to the Ecomdrop bot field."), "success"
    if result == WriteResult.BUSY:
        return _("The profile is being written right now; look again in a moment."), "success"
    return problem or _("The profile could not be written to Ecomdrop."), "error"


@bp.get("/bot-field")
@embedded_view
def bot_field():
    return _bot_field()


@bp.post("/bot-field")
@embedded_view
def choose_bot_field():
    typed = request.form.get("field_id", "")[:64]
    try:
        outcome = choose_profile_field(_clients(), g.shop, typed)
    except EcomdropChoiceProblem as problem:
        return _bot_field(http_status=422, error=problem.message, typed=typed)
    message, kind = _write_message(outcome.result, outcome.message)
    return _bot_field(message=message, kind=kind)


@bp.post("/bot-field/write")
@embedded_view
def write_bot_field():
    outcome = write_profile_field(_clients(), g.shop, force=True)
    if outcome.result == WriteResult.NOT_SET:
        return _bot_field(http_status=422, error=_("Choose a bot field first."))
    message, kind = _write_message(outcome.result, outcome.message)
    return _bot_field(message=message, kind=kind)


@bp.post("/bot-field/stop")
@embedded_view
def stop_bot_field():
    stop_profile_field(g.shop)
    return _bot_field(message=_("The profile is no longer written to Ecomdrop."))


# Alerts -------------------------------------------------------------------------------------

def _alerts(*, http_status: int = 200, error: str | None = None, message: str | None = None):
    flows, flows_problem = [], None
    if connection_status(g.shop).ecomdrop.connected:
        try:
            flows = account_flows(_clients(), g.shop, cache)
        except SettingsUnavailable as exc:
            flows_problem = exc.message
    return _fragment("ai_agent/_alerts.html", http_status=http_status, message=message,
                     link=load_link(g.shop), flows=flows, flows_problem=flows_problem,
                     error=error, alerts=recent_alerts(g.shop),
                     notification_types=NOTIFICATION_TYPES, alerts_per_hour=ALERTS_PER_HOUR)


@bp.get("/alerts")
@embedded_view
def alerts():
    return _alerts()


@bp.post("/alerts/flow")
@embedded_view
def choose_alerts_flow():
    try:
        choose_alert_flow(_clients(), g.shop, request.form.get("flow_id", "")[:64], cache)
    except EcomdropChoiceProblem as problem:
        return _alerts(http_status=422, error=problem.message)
    return _alerts(message=_("Alert delivery saved."))


# Versions -----------------------------------------------------------------------------------

@bp.get("/versions")
@embedded_view
def versions():
    return _fragment("ai_agent/_versions.html", versions=list_versions(g.shop))


@bp.get("/versions/<int:number>")
@embedded_view
def version(number: int):
    try:
        settings = version_settings(g.shop, number)
    except VersionNotFound:
        abort(404)
    return _fragment("ai_agent/_version.html", number=number, settings=settings,
                     notification_types=NOTIFICATION_TYPES)


@bp.post("/versions/<int:number>/restore")
@embedded_view
def restore(number: int):
    try:
        restore_version(g.shop, number)
    except VersionNotFound:
        abort(404)
    except AgentSettingsInvalid as invalid:
        problems = "; ".join(str(message) for message in invalid.errors.values())
        return _fragment("ai_agent/_versions.html", http_status=422,
                         versions=list_versions(g.shop),
                         error=_("Version %(number)d no longer passes today's checks: "
                                 "%(problems)s", number=number, problems=problems))
    profile_changed(g.shop, enqueue=write_agent_profile_field)
    page = embedded_url("ai_agent.index")
    if not is_fragment_request():
        return redirect(page, code=303)
    # The whole page shows the restored settings: the form, the preview and the versions.
    response = make_response("", 204)
    response.headers["HX-Redirect"] = page
    return response
