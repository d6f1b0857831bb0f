"""/app/orders: every order on its way to WhatsApp and Dropi, with filters, search and cursor
paging; one order's steps, buttons and timeline; the buttons' posts; and the small pulse the
list polls while an order on it is moving."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from app.admin.responses import render_page_or_fragment, toast
from app.auth.embedded import embedded_url, embedded_view
from app.models import StepName, StepState
from app.services.formatting import format_money
from app.services.order_board import (
    BOARD_STEPS,
    CANCEL,
    CONFIRM,
    RETRY,
    SEND_NOW,
    order_is_moving,
    order_problems,
    pipeline_counts,
    pulse,
    step_actions,
)
from app.services.order_pipeline import (
    OrderActionRefused,
    OrderFilters,
    cancel_order,
    city_options,
    confirm_order,
    event_text,
    get_order,
    list_orders,
    order_detail,
    pick_city,
    retry_step,
    send_held_orders,
    send_now,
    state_label,
    step_label,
    step_text,
)
from app.services.refunds import settle_refund
from app.services.settings import load_configuration
from app.services.shipments import order_fulfillments

log = logging.getLogger(__name__)

bp = Blueprint("orders", __name__, url_prefix="/app/orders")
MAX_SEARCH = 100
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers; a larger number matches nothing
STATE_CHOICES = (StepState.HELD, StepState.PENDING, StepState.RUNNING, StepState.WAITING,
                 StepState.FAILED, StepState.DONE, StepState.SKIPPED)
SETTLE_REFUND = "settle_refund"
ACT = {
    RETRY: lambda shop, order_id, step: retry_step(shop, order_id, step),
    CONFIRM: lambda shop, order_id, step: confirm_order(shop, order_id),
    CANCEL: lambda shop, order_id, step: cancel_order(shop, order_id),
    SEND_NOW: lambda shop, order_id, step: send_now(shop, order_id),
    SETTLE_REFUND: lambda shop, order_id, step: settle_refund(get_order(shop, order_id)),
}
DONE_MESSAGES = {RETRY: _l("Trying again now."), CONFIRM: _l("Order confirmed: it goes to Dropi."),
                 CANCEL: _l("Order cancelled: it will not go to Dropi."),
                 SEND_NOW: _l("Order sent on its way."),
                 SETTLE_REFUND: _l("Marked as settled with Dropi.")}


class BadInput(ValueError):
    """A parameter the page never sends; answered 422 with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@bp.errorhandler(BadInput)
def _bad_input(error: BadInput):
    # htmx swaps a 422 into the element it targets, so the answer takes that element's id.
    target = request.headers.get("HX-Target") or "orders-problem"
    return render_page_or_fragment("orders/problem.html", "orders/_problem.html",
                                   http_status=422, message=error.message, target=target)


@bp.context_processor
def _helpers() -> dict:
    return {
        "order_money": lambda order: format_money(order.total, order.currency, get_locale()),
        "money": lambda amount, currency: format_money(amount, currency, get_locale()),
        "step_actions": step_actions, "state_label": state_label, "step_label": step_label,
        "step_text": step_text, "event_text": event_text, "StepName": StepName,
        "order_problems": order_problems,
    }


def _int(value: str | None, what: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadInput(_("%(what)s must be a whole number.", what=what))
    if int(value) > MAX_ID:
        raise BadInput(_("%(what)s is out of range.", what=what))
    return int(value)


def _filters() -> OrderFilters:
    step, state = request.args.get("step") or None, request.args.get("state") or None
    if step is not None and step not in {s.value for s in StepName}:
        raise BadInput(_("Unknown step: choose one from the list."))
    if state is not None and state not in {s.value for s in StepState}:
        raise BadInput(_("Unknown state: choose one from the list."))
    search = (request.args.get("q") or "").strip()
    if len(search) > MAX_SEARCH:
        raise BadInput(_("Search for at most %(count)s characters.", count=MAX_SEARCH))
    return OrderFilters(step=step, state=state, attention=request.args.get("attention") == "1",
                        search=search)


class Listing:
    """One page of orders with the filters that made it."""

    def __init__(self, page, filters: OrderFilters, after: int | None) -> None:
        self.orders, self.next_cursor = page.orders, page.next_cursor
        self.search, self.step, self.state = filters.search, filters.step or "", filters.state or ""
        self.attention, self.after = filters.attention, after
        self.filtered = bool(filters.step or filters.state or filters.attention)


def _listing_params(listing: Listing, **overrides) -> dict:
    params = {"q": listing.search or None, "step": listing.step or None,
              "state": listing.state or None, "attention": "1" if listing.attention else None,
              "after": listing.after}
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


@bp.get("")
@embedded_view
def index():
    return _list_page()


def _list_page(message: str | None = None, **context):
    filters, after = _filters(), _int(request.args.get("after"), _("The page"))
    listing = Listing(list_orders(g.shop, filters, cursor=after), filters, after)
    fingerprint, moving = pulse(g.shop, [o.id for o in listing.orders])
    config = load_configuration(g.shop)

    def page_url(**values) -> str:
        return embedded_url("orders.index", **_listing_params(listing, **values))

    response = render_page_or_fragment(
        "orders/index.html", "orders/_list.html", listing=listing,
        held=pipeline_counts(g.shop).held, page_url=page_url, listing_url=page_url(),
        moving=moving, pulse_ids=",".join(str(o.id) for o in listing.orders),
        fulfillments=order_fulfillments(g.shop, [o.shopify_order_id for o in listing.orders]),
        fingerprint=fingerprint, active=bool(config and config.active),
        step_choices=[(s.value, step_label(s)) for s in BOARD_STEPS],
        state_choices=[(s.value, state_label(s)) for s in STATE_CHOICES], **context)
    return toast(response, message) if message else response


@bp.post("/send-held")
@embedded_view
def send_held():
    """Send every order recorded while the connector was off."""
    try:
        count = send_held_orders(g.shop)
    except OrderActionRefused as refused:
        raise BadInput(refused.merchant_message) from None
    return _list_page(ngettext("%(num)s order sent on its way.",
                               "%(num)s orders sent on their way.", count), sent_held=True)


@bp.get("/pulse", endpoint="pulse")
@embedded_view
def pulse_view():
    """Tiny answer polled while something moves: tells the list to reload when it changed,
    and stops the polling (286) once nothing on the page moves."""
    raw = (request.args.get("ids") or "")[:2000]
    ids = [_int(part, _("An order")) for part in raw.split(",") if part]
    fingerprint, moving = pulse(g.shop, [i for i in ids if i is not None])
    if fingerprint != request.args.get("seen", ""):
        response = make_response("", 200)
        response.headers["HX-Trigger"] = "orders-changed"
        return response
    if not moving:
        return make_response("", 286)
    return make_response(render_template("orders/_pulse.html", pulse_ids=raw,
                                         fingerprint=fingerprint))


def _order_or_404(order_id: int):
    if order_id > MAX_ID:
        abort(404)
    try:
        return get_order(g.shop, order_id)
    except OrderActionRefused:
        abort(404)


def _pipeline(order_id: int, *, http_status: int = 200, message: str | None = None,
              problem: str | None = None):
    detail = order_detail(g.shop, order_id)
    response = render_page_or_fragment(
        "orders/detail.html", "orders/_pipeline.html", http_status=http_status,
        order=detail.order, events=detail.events, moving=order_is_moving(detail.order),
        problem=problem)
    if message:
        toast(response, message)
    return response


@bp.get("/<int:order_id>")
@embedded_view
def detail(order_id: int):
    _order_or_404(order_id)
    return _pipeline(order_id)


@bp.post("/<int:order_id>/<action>")
@embedded_view
def act(order_id: int, action: str):
    _order_or_404(order_id)
    if action not in ACT:
        abort(404)
    step = request.form.get("step") or ""
    if action == RETRY and step not in {s.value for s in StepName}:
        raise BadInput(_("Say which step to retry."))
    try:
        ACT[action](g.shop, order_id, step)
    except OrderActionRefused as refused:
        return _pipeline(order_id, http_status=422, problem=refused.merchant_message)
    log.info("order %s: %s by the merchant of %s", order_id, action, g.shop_domain)
    return _pipeline(order_id, message=str(DONE_MESSAGES[action]))


@bp.get("/<int:order_id>/city")
@embedded_view
def city_picker(order_id: int):
    order = _order_or_404(order_id)
    department_id = _int(request.args.get("department_id"), _("The department"))
    departments, problem = [], None
    try:
        departments = city_options(current_app.config["SETTINGS"], g.shop, order_id)
    except OrderActionRefused as refused:
        problem = refused.merchant_message
    chosen = next((d for d in departments if d.id == department_id), None)
    return render_template("orders/_city_picker.html", order=order, departments=departments,
                           department_id=department_id, cities=chosen.cities if chosen else [],
                           problem=problem, errors={})


@bp.post("/<int:order_id>/city", endpoint="pick_city")
@embedded_view
def pick_city_view(order_id: int):
    _order_or_404(order_id)
    department_id = _int(request.form.get("department_id"), _("The department"))
    city_id = _int(request.form.get("city_id"), _("The city"))
    if department_id is None or city_id is None:
        raise BadInput(_("Pick a department and a city."))
    try:
        pick_city(current_app.config["SETTINGS"], g.shop, order_id, department_id, city_id)
    except OrderActionRefused as refused:
        return _pipeline(order_id, http_status=422, problem=refused.merchant_message)
    return _pipeline(order_id, message=_("City saved: the order goes on to Dropi."))

