"""/app/sync: every sync option with its schedule, last run and log; Run now, the interval,
and Retry of one failed entity. The options panel polls itself while a run is going."""
from __future__ import annotations

from flask import Blueprint, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin.responses import is_fragment_request, render_page_or_fragment, toast, trigger
from app.auth.embedded import embedded_view
from app.errors import error_response
from app.models.sync import RUN_FAILED, RUN_PARTIAL, RUN_STOPPED, RUN_SUCCEEDED
from app.services.sync import SyncRefused
from app.services.sync_board import (
    INTERVAL_CHOICES,
    SyncOptionNotFound,
    choose_interval,
    find_option,
    option_log,
    page_number,
    retry_entity,
    run_now,
    sync_overview,
)

bp = Blueprint("sync", __name__, url_prefix="/app/sync")
SYNC_ENDED = "sync-ended"  # the logs listen for it and load themselves again

RUN_STATUS = {
    "running": (_l("Running"), None), RUN_SUCCEEDED: (_l("Finished"), "success"),
    RUN_PARTIAL: (_l("Finished with failures"), "warning"),
    RUN_FAILED: (_l("Failed"), "critical"), RUN_STOPPED: (_l("Stopped"), "warning"),
    "interrupted": (_l("Interrupted"), "warning"),
}
OUTCOMES = {"changed": (_l("Changed"), "success"), "failed": (_l("Failed"), "critical"),
            "flagged": (_l("Needs you"), "warning")}


def _interval_label(minutes: int) -> str:
    if minutes < 60:
        return _("Every %(num)s minutes", num=minutes)
    hours = minutes // 60
    return _("Every hour") if hours == 1 else _("Every %(num)s hours", num=hours)


def _duration(run) -> str:
    if not run.finished_at:
        return "—"
    seconds = max(0, int((run.finished_at - run.started_at).total_seconds()))
    if seconds < 120:
        return _("%(num)s s", num=seconds)
    return _("%(num)s min", num=round(seconds / 60))


@bp.context_processor
def _helpers() -> dict:
    return {"interval_choices": INTERVAL_CHOICES, "interval_label": _interval_label,
            "run_status": lambda status: RUN_STATUS.get(status, (status, None)),
            "outcome_badge": lambda outcome: OUTCOMES.get(outcome, (outcome, None)),
            "run_duration": _duration}


@bp.errorhandler(SyncOptionNotFound)
def _unknown_option(_error):
    return error_response(404)


@bp.get("")
@embedded_view
def index():
    statuses = sync_overview(g.shop)
    if is_fragment_request():  # the panel polling while a run goes on
        response = render_page_or_fragment("sync/index.html", "sync/_options.html",
                                           statuses=statuses)
        # Only a busy panel polls: an answer with nothing busy means the run just ended.
        return response if any(s.busy for s in statuses) else trigger(response, SYNC_ENDED)
    logs = {s.option.name: option_log(g.shop, s.option.name) for s in statuses}
    return render_page_or_fragment("sync/index.html", "sync/_options.html",
                                   statuses=statuses, logs=logs)


def _options(message: str | None = None, kind: str = "success", status: int = 200):
    response = make_response(render_template("sync/_options.html",
                                             statuses=sync_overview(g.shop)), status)
    response.vary.add("HX-Request")
    return toast(response, message, kind) if message else response


@bp.post("/<option>/run")
@embedded_view
def run(option: str):
    try:
        run_now(g.shop, option)
    except SyncRefused as refused:
        return _options(refused.message, "error", 409)
    return _options(_("Sync queued; it starts in a moment."))


@bp.post("/<option>/interval")
@embedded_view
def interval(option: str):
    try:
        choose_interval(g.shop, option, request.form.get("interval_minutes", ""))
    except SyncRefused as refused:
        return _options(refused.message, "error", 422)
    return _options(_("Interval saved."))


@bp.get("/<option>/log")
@embedded_view
def log(option: str):
    chosen = find_option(option)
    page = option_log(g.shop, chosen.name, failures_only=request.args.get("failures") == "1",
                      page=page_number(request.args.get("page")))
    return render_page_or_fragment("sync/log.html", "sync/_log.html", option=chosen, log=page)


@bp.post("/<option>/retry")
@embedded_view
def retry(option: str):
    chosen = find_option(option)
    try:
        entry = retry_entity(g.shop, chosen.name, request.form.get("entry_id", ""))
    except SyncRefused as refused:
        return _options(refused.message, "error", 409)
    return _options(_("Retrying “%(label)s”.", label=entry.label))
