"""/app/orders/abandoned-checkouts: the Orders area's tab of abandoned checkouts, with what
became of each (recovered, flow sent, skipped and why)."""
from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.admin.responses import render_page_or_fragment
from app.auth.embedded import embedded_view
from app.services.formatting import format_money
from app.services.recovery import checkouts_overview

bp = Blueprint("abandoned_checkouts", __name__, url_prefix="/app/orders/abandoned-checkouts")

STATUS_LABELS = {
    "waiting": (_l("Waiting"), "info"),
    "sending": (_l("Sending"), "info"),
    "sent": (_l("WhatsApp sent"), "success"),
    "unconfirmed": (_l("Sent, not confirmed by Ecomdrop"), "warning"),
    "recovered": (_l("Recovered"), "success"),
    "skipped": (_l("Not sent"), None),
}
SKIP_REASONS = {
    "no_phone": _l("The customer left no phone number."),
    "no_consent": _l("The customer did not accept marketing, and your settings ask for it."),
    "no_flow": _l("No abandoned-cart flow is chosen in Settings."),
    "connector_off": _l("The connector was off or Ecomdrop was not connected."),
    "invalid_phone": _l("The phone number is not valid for WhatsApp."),
    "ecomdrop_refused": _l("Ecomdrop refused to run the flow."),
    "gave_up": _l("Ecomdrop or Shopify kept failing; it was not sent."),
    "not_on_shopify": _l("Shopify no longer has this checkout."),
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "checkout_money": lambda c: format_money(c.total, c.currency or "", get_locale()),
        "checkout_status": lambda c: (str(STATUS_LABELS[c.status.value][0]),
                                      STATUS_LABELS[c.status.value][1]),
        "skip_reason": lambda c: str(SKIP_REASONS.get(c.skip_reason, c.skip_reason or "")),
        "status_labels": {k: str(v[0]) for k, v in STATUS_LABELS.items()},
    }


@bp.get("")
@embedded_view
def index():
    overview = checkouts_overview(g.shop, request.args.get("status") or None)
    return render_page_or_fragment("orders/abandoned_checkouts.html",
                                   "orders/_abandoned_checkouts.html", overview=overview)
