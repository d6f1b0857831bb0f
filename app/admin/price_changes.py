"""/app/sync/prices/pending: the price changes Get prices holds because they move a price by
more than the shop's limit (approve or reject, one by one or all shown), and the Dropi
changes Get products found (new variations to add, removed ones)."""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import Blueprint, current_app, g, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_view
from app.errors import error_response
from app.request_boundary import database_ids
from app.services.catalog_sync import (
    add_new_variations,
    approve_price_changes,
    pending_price_changes,
    reject_price_changes,
    threshold_of,
)
from app.services.catalog_sync.views import products_with_dropi_changes
from app.services.formatting import format_money
from app.services.product_import import (
    AssociationNotFound,
    ImportNotReady,
    ImportProblem,
    import_context_for,
)
from app.services.settings.common import load_configuration

bp = Blueprint("price_changes", __name__, url_prefix="/app/sync")
PAGE = "sync/price_changes.html"
FRAGMENT = "sync/_price_changes.html"


@bp.context_processor
def _helpers() -> dict:
    currency = (g.shop.currency or "USD").upper() if getattr(g, "shop", None) else "USD"
    return {"money": lambda amount: "—" if amount is None else
            format_money(amount, currency, get_locale()),
            "signed_percent": _signed_percent,
            "number": lambda value: format_decimal(value, locale=get_locale())}


def _signed_percent(value) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return f"{sign}{format_decimal(value, locale=get_locale())}\xa0%"


def _render(**context):
    config = load_configuration(g.shop)
    return render_page_or_fragment(
        PAGE, FRAGMENT, changes=pending_price_changes(g.shop.id),
        threshold=threshold_of(config), dropi_changes=products_with_dropi_changes(g.shop.id),
        **context)


@bp.get("/prices/pending")
@embedded_view
def pending():
    return _render()


@bp.post("/prices/pending/approve")
@embedded_view
def approve():
    ids = database_ids(request.form.getlist("ids"))
    outcome = approve_price_changes(_context(), ids)
    response = _render(errors=outcome.errors)
    if outcome.errors:
        return toast(response, _("Some prices could not be changed; they still wait below."),
                     kind="error")
    if not outcome.applied:
        return toast(response, _("Nothing to approve: these changes were already decided."))
    message = (_("%(num)s price changed in Shopify.", num=outcome.applied)
               if outcome.applied == 1 else
               _("%(num)s prices changed in Shopify.", num=outcome.applied))
    return toast(response, message)


@bp.post("/prices/pending/reject")
@embedded_view
def reject():
    rejected = reject_price_changes(g.shop.id, database_ids(request.form.getlist("ids")))
    message = (_("%(num)s price change rejected: the Shopify price stays.", num=rejected)
               if rejected == 1 else
               _("%(num)s price changes rejected: the Shopify prices stay.", num=rejected))
    return toast(_render(), message)


@bp.post("/products/<int:association_id>/add-variations")
@embedded_view
def add_variations(association_id: int):
    result = add_new_variations(_context(), association_id)
    response = _render()
    if result.ok:
        return toast(response, _("The new Dropi variations were added to the Shopify product."))
    return toast(response, result.error_text or _("Shopify did not accept every change."),
                 kind="error")


@bp.errorhandler(ImportProblem)
def _import_problem(problem: ImportProblem):
    status = {AssociationNotFound: 404, ImportNotReady: 409}.get(type(problem), 422)
    return error_response(status, message=problem.merchant_message)


def _context():
    return import_context_for(current_app.config["SETTINGS"], g.shop)
