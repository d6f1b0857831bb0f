"""The `products` blueprint (/app/products) and what its views share: the template helpers,
the mapping of import problems to answers, and the import preferences form."""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import Blueprint, current_app, g, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.clients.dropi import DropiNotFound
from app.errors import error_response
from app.services.catalog import BULK_CAP
from app.services.formatting import format_money, shopify_admin_product_url
from app.services.pricing import PriceRuleError, parse_price_rule
from app.services.product_import import (
    AssociationNotFound,
    ImportJobNotFound,
    ImportNotReady,
    ImportPreferences,
    ImportProblem,
    ImportRefused,
    ImportValidationError,
    parse_preferences,
)
from app.services.settings.problems import dropi_problem

bp = Blueprint("products", __name__, url_prefix="/app/products")
PROBLEM_STATUS = {AssociationNotFound: 404, ImportJobNotFound: 404, ImportNotReady: 409,
                  ImportRefused: 422}


def settings():
    return current_app.config["SETTINGS"]


def currency() -> str:
    return (g.shop.currency or "USD").upper()


def rule_pointer(text: str | None, field: str) -> tuple[str, str, str] | None:
    """The rule split around the character a PriceRuleError points at, to mark it."""
    if not text:
        return None
    try:
        parse_price_rule(text, allow_price_base=field == "compare_at_rule")
    except PriceRuleError as exc:
        if exc.position:
            at = exc.position - 1
            return text[:at], text[at:at + 1], text[at + 1:]
    return None


@bp.context_processor
def _helpers() -> dict:
    return {"money": lambda amount: format_money(amount, currency(), get_locale()),
            "percent": lambda value: f"{format_decimal(value, locale=get_locale())}\xa0%",
            "admin_product_url": lambda gid: shopify_admin_product_url(settings(),
                                                                       g.shop_domain, gid),
            "product_status_label": _product_status_label, "rule_pointer": rule_pointer,
            "bulk_cap": BULK_CAP}


def _product_status_label(status: str) -> str:
    return {"ACTIVE": _("Active"), "DRAFT": _("Draft"),
            "ARCHIVED": _("Archived")}.get(status, status.capitalize())


@bp.errorhandler(DropiNotFound)
def _dropi_not_found(missing: DropiNotFound):
    return error_response(404, message=dropi_problem(missing))


@bp.errorhandler(ImportProblem)
def _import_problem(problem: ImportProblem):
    return error_response(PROBLEM_STATUS.get(type(problem), 422),
                          message=problem.merchant_message)


def form_values(prefs: ImportPreferences) -> dict[str, str]:
    """Preferences as the strings the form fields hold (booleans as "1"/"0")."""
    values = {}
    for key, value in prefs.to_dict().items():
        if isinstance(value, bool):
            value = "1" if value else "0"
        values[key] = "" if value is None else str(value)
    return values


def submitted_preferences():
    """(prefs, None) or (None, errors) from the submitted form."""
    try:
        return parse_preferences(request.form, currency()), None
    except ImportValidationError as invalid:
        return None, invalid.errors
