"""/app/products routes for bulk imports (start, progress, cancel) and the Imported page
(search, re-sync, re-price with a preview, delete)."""
from __future__ import annotations

from flask import g, make_response, render_template, request
from flask_babel import gettext as _

from app.admin.products.blueprint import bp, form_values, settings, submitted_preferences
from app.admin.products.imported_rows import imported_row
from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_view
from app.clients.dropi import DropiError
from app.errors import error_response
from app.jobs import run_import_job
from app.models import ImportItemStatus, ImportJobStatus
from app.request_boundary import database_ids
from app.services.catalog import BULK_CAP, CatalogFilters, matching_product_ids
from app.services.catalog_sync import count_pending
from app.services.product_import import (
    ImportPreferences,
    ImportValidationError,
    apply_reprice,
    cancel_import_job,
    delete_association,
    get_association,
    import_context_for,
    job_progress,
    list_associations,
    list_import_jobs,
    preview_reprice,
    resync_association,
    start_bulk_import,
)
from app.services.product_import.preferences import PRICING_FIELDS
from app.services.settings.problems import dropi_problem
from app.services.stock_sync import PolicyInvalid, set_out_of_stock_policy

IMPORTED_PER_PAGE = 50
RECENT_RESULTS = 20  # finished items a running job's widget lists (failures always shown)


def _job_status_label(status: ImportJobStatus, waiting_to_resume: bool = False) -> str:
    if waiting_to_resume:
        return _("Waiting to resume")
    return {ImportJobStatus.QUEUED: _("Waiting to start"), ImportJobStatus.RUNNING: _("Running"),
            ImportJobStatus.COMPLETED: _("Finished"), ImportJobStatus.FAILED: _("Stopped"),
            ImportJobStatus.CANCELLED: _("Cancelled")}[status]


def _job_status_tone(status: ImportJobStatus, waiting_to_resume: bool = False) -> str | None:
    if waiting_to_resume:
        return "warning"
    return {ImportJobStatus.COMPLETED: "success", ImportJobStatus.FAILED: "critical",
            ImportJobStatus.CANCELLED: "warning"}.get(status)


def _duration(seconds: int) -> str:
    # One gettext per form (singular when 1): Spanish and English both have two.
    if seconds < 90:
        return _("%(num)s second", num=1) if seconds == 1 else _("%(num)s seconds", num=seconds)
    minutes = round(seconds / 60)
    if minutes < 90:
        return _("%(num)s minute", num=1) if minutes == 1 else _("%(num)s minutes", num=minutes)
    hours = round(minutes / 60)
    return _("%(num)s hour", num=1) if hours == 1 else _("%(num)s hours", num=hours)


def _visible_items(progress) -> list:
    """Every item once the job ended; while it runs, its failures and latest results."""
    if progress.finished:
        return progress.items
    processed = [i for i in progress.items if i.status != ImportItemStatus.PENDING]
    shown = {i.id: i for i in processed if i.status == ImportItemStatus.FAILED}
    shown.update({i.id: i for i in processed[-RECENT_RESULTS:]})
    return sorted(shown.values(), key=lambda item: item.position)


@bp.context_processor
def _imported_helpers() -> dict:
    return {"job_status_label": _job_status_label, "job_status_tone": _job_status_tone,
            "duration": _duration, "visible_items": _visible_items,
            "imported_row": lambda association: imported_row(association, settings()),
            "failed_messages": lambda results: [
                f"{r.association.shopify_title if r.association else ''}: {r.error_text}"
                for r in results]}


# --- bulk import ----------------------------------------------------------------------------

def _ticked_ids() -> list[str]:
    return [str(i) for i in database_ids(request.form.getlist("ids"))][:BULK_CAP]


@bp.post("/bulk/prepare")
@embedded_view
def bulk_prepare():
    ids, matched = _ticked_ids(), None
    if request.form.get("all") == "1":
        try:
            found = matching_product_ids(settings(), g.shop,
                                         CatalogFilters.from_args(request.form))
        except DropiError as exc:
            return error_response(502, message=dropi_problem(exc))
        ids, matched = found.ids, found.total
    return render_template("products/_bulk_form.html", ids=ids, matched=matched, cap=BULK_CAP,
                           values=form_values(ImportPreferences()), errors={})


@bp.post("/bulk")
@embedded_view
def bulk_start():
    ids = _ticked_ids()
    prefs, errors = submitted_preferences()
    try:
        if prefs is None:
            raise ImportValidationError(errors)
        import_context_for(settings(), g.shop)  # refuses now when Dropi or stock is not set up
        job = start_bulk_import(settings(), g.shop, ids, prefs, enqueue=run_import_job)
    except ImportValidationError as invalid:
        return make_response(render_template(
            "products/_bulk_form.html", ids=ids, matched=None, cap=BULK_CAP,
            values=request.form.to_dict(), errors=invalid.errors), 422)
    response = make_response(render_template("products/_job.html",
                                             progress=job_progress(g.shop.id, job.id)))
    return toast(response, _("Bulk import started."))


@bp.get("/jobs/<int:job_id>")
@embedded_view
def job(job_id: int):
    return render_page_or_fragment("products/job.html", "products/_job.html",
                                   progress=job_progress(g.shop.id, job_id))


@bp.post("/jobs/<int:job_id>/cancel")
@embedded_view
def job_cancel(job_id: int):
    cancel_import_job(g.shop.id, job_id)
    response = make_response(render_template("products/_job.html",
                                             progress=job_progress(g.shop.id, job_id)))
    return toast(response, _("Bulk import cancelled."))


# --- imported products ----------------------------------------------------------------------

@bp.get("/imported")
@embedded_view
def imported():
    search = request.args.get("q", "").strip()[:200]
    raw_page = request.args.get("page", "1")
    is_page = raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 7
    number = int(raw_page) if is_page else 1
    page = list_associations(g.shop.id, search or None, number, IMPORTED_PER_PAGE)
    jobs = [] if request.headers.get("HX-Request") else list_import_jobs(g.shop.id, limit=5)
    return render_page_or_fragment("products/imported.html", "products/_imported_list.html",
                                   listing=page, search=search, jobs=jobs,
                                   pending_prices=count_pending(g.shop.id))


@bp.post("/imported/<int:association_id>/resync")
@embedded_view
def resync(association_id: int):
    result = resync_association(import_context_for(settings(), g.shop), association_id)
    row = get_association(g.shop.id, association_id)
    response = make_response(render_template("products/_imported_row.html", association=row))
    if result.ok:
        return toast(response, _("Synced with Dropi."))
    return toast(response, result.error_text or _("Shopify did not accept every change."),
                 kind="error")


@bp.post("/imported/<int:association_id>/out-of-stock")
@embedded_view
def out_of_stock_policy(association_id: int):
    row = get_association(g.shop.id, association_id)
    # Each row's select is named after its product: the rows share the selection form.
    chosen = request.form.get(f"out_of_stock_policy_{association_id}",
                              request.form.get("out_of_stock_policy", ""))
    try:
        set_out_of_stock_policy(row, chosen)
    except PolicyInvalid as invalid:
        response = make_response(render_template("products/_imported_row.html",
                                                 association=row), 422)
        return toast(response, str(invalid), kind="error")
    response = make_response(render_template("products/_imported_row.html", association=row))
    return toast(response, _("Saved. The next stock sync applies it."))


@bp.get("/imported/<int:association_id>/delete")
@embedded_view
def delete_confirm(association_id: int):
    return render_template("products/_delete_confirm.html",
                           association=get_association(g.shop.id, association_id))


@bp.post("/imported/<int:association_id>/delete")
@embedded_view
def delete(association_id: int):
    archive = request.form.get("archive_product") == "1"
    delete_association(import_context_for(settings(), g.shop), association_id,
                       archive_product=archive)
    response = make_response(render_template("products/_deleted.html",
                                             association_id=association_id))
    return toast(response, _("Import deleted and Shopify product archived.") if archive
                 else _("Import deleted."))


def _pricing() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in PRICING_FIELDS}


def _reprice_form(ids, *, errors=None, changes=None, status=200):
    return make_response(render_template("products/_reprice.html", ids=ids,
                                         values=request.form.to_dict(), errors=errors or {},
                                         changes=changes), status)


def _selected_associations() -> list[int]:
    return database_ids(request.form.getlist("ids"))


@bp.post("/imported/reprice")
@embedded_view
def reprice_preview():
    ids = _selected_associations()
    if not ids:
        return _reprice_form(ids, errors={"ids": _("Select at least one imported product.")},
                             status=422)
    if "price_rule" not in request.form:  # just opened: ask for the rule first
        return _reprice_form(ids)
    try:
        changes = preview_reprice(import_context_for(settings(), g.shop), ids, _pricing())
    except ImportValidationError as invalid:
        return _reprice_form(ids, errors=invalid.errors, status=422)
    return _reprice_form(ids, changes=changes)


@bp.post("/imported/reprice/apply")
@embedded_view
def reprice_apply():
    ids = _selected_associations()
    ctx = import_context_for(settings(), g.shop)
    pricing = _pricing()
    try:
        if any(request.form.get(f"previewed_{name}", "") != value
               for name, value in pricing.items()):
            # Edited after the preview: show what the new rule does before applying it.
            return _reprice_form(ids, changes=preview_reprice(ctx, ids, pricing), errors={
                "price_rule": _("The rule changed since the preview. Check the new preview, "
                                "then apply it.")}, status=422)
        results = apply_reprice(ctx, ids, pricing)
    except ImportValidationError as invalid:
        return _reprice_form(ids, errors=invalid.errors, status=422)
    failed = [r for r in results if not r.ok]
    response = make_response(render_template("products/_reprice_done.html", results=results,
                                             failed=failed))
    if failed:
        return toast(response, _("Some prices were not changed."), kind="error")
    return toast(response, _("Prices updated in Shopify."))
