"""/app/orders: the shop's recent Shopify orders with active search and cursor paging.

Only a list for now: the order pipeline (Dropi orders, Ecomdrop flows) is not built, and the
page says so. A Shopify refusal (a missing scope, say) is shown in the list as a banner.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.admin.responses import render_page_or_fragment
from app.auth.embedded import embedded_view
from app.clients.shopify import ShopifyError, ShopifyForbidden
from app.services.formatting import format_money
from app.services.orders_overview import OrdersPage, clean_search, recent_orders

log = logging.getLogger(__name__)

bp = Blueprint("orders", __name__, url_prefix="/app/orders")

MISSING_PERMISSION_HINT = _l(
    "Listing orders needs Shopify's permissions to read orders and customers. Open the app from "
    "your Shopify admin and approve the permissions it asks for; your orders then appear here.")

FINANCIAL_STATUSES = {
    "AUTHORIZED": (_l("Payment authorized"), "info"),
    "EXPIRED": (_l("Payment expired"), "critical"),
    "PAID": (_l("Paid"), "success"),
    "PARTIALLY_PAID": (_l("Partially paid"), "warning"),
    "PARTIALLY_REFUNDED": (_l("Partially refunded"), None),
    "PENDING": (_l("Payment pending"), "warning"),
    "REFUNDED": (_l("Refunded"), None),
    "VOIDED": (_l("Payment voided"), None),
}
FULFILLMENT_STATUSES = {
    "FULFILLED": (_l("Fulfilled"), "success"),
    "FULFILLMENT_NOT_REQUIRED": (_l("No fulfillment needed"), None),
    "IN_PROGRESS": (_l("Fulfillment in progress"), "info"),
    "ON_HOLD": (_l("Fulfillment on hold"), "warning"),
    "OPEN": (_l("Awaiting fulfillment"), "warning"),
    "PARTIALLY_FULFILLED": (_l("Partially fulfilled"), "warning"),
    "PENDING_FULFILLMENT": (_l("Pending fulfillment"), "warning"),
    "REQUEST_DECLINED": (_l("Fulfillment request declined"), "critical"),
    "RESTOCKED": (_l("Restocked"), None),
    "SCHEDULED": (_l("Fulfillment scheduled"), "info"),
    "UNFULFILLED": (_l("Unfulfilled"), "warning"),
}


def _status(table: dict, value: str | None) -> tuple[str, str | None] | None:
    """(label, badge tone) for a Shopify status; unknown values are shown as Shopify sends them."""
    if not value:
        return None
    label, tone = table.get(value, (value.replace("_", " ").capitalize(), None))
    return str(label), tone


@bp.context_processor
def _helpers() -> dict:
    return {
        "order_money": lambda order: format_money(order.total, order.currency, get_locale()),
        "financial_status": lambda order: _status(FINANCIAL_STATUSES, order.financial_status),
        "fulfillment_status": lambda order: _status(FULFILLMENT_STATUSES,
                                                    order.fulfillment_status),
        "admin_order_url": _admin_order_url,
    }


def _admin_order_url(order) -> str:
    settings = current_app.config["SETTINGS"]
    return f"{settings.shop_base_url(g.shop_domain)}/admin/orders/{order.number}"


@bp.get("")
@embedded_view
def index():
    search = clean_search(request.args.get("q"))
    after = request.args.get("after") or None
    problem, hint = None, None
    try:
        listing = recent_orders(current_app.config["SETTINGS"], g.shop, search=search, after=after)
    except ShopifyError as error:
        log.warning("orders for %s not listed: %s", g.shop_domain, error.merchant_message)
        listing, problem = OrdersPage.empty(search, after), error.merchant_message
        if isinstance(error, ShopifyForbidden):
            hint = MISSING_PERMISSION_HINT
    return render_page_or_fragment("orders/index.html", "orders/_list.html",
                                   listing=listing, problem=problem, hint=hint)
