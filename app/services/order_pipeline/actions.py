"""What the merchant does to an order from the Orders page: retry a step, pick Dropi's city,
confirm or cancel, send a held order now. Every action is scoped to the verified shop, changes
only a step in a state that allows it, and queues the order's steps to run."""
from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from app.clients.dropi import DropiError
from app.extensions import db
from app.models import OrderRecord, Shop, ShopConfiguration, StepName, StepState
from app.services.order_pipeline import geography
from app.services.order_pipeline.confirmation import CANCELLED, CONFIRMED, record_answer
from app.services.order_pipeline.dropi_order import dropi_for
from app.services.order_pipeline.queueing import run_soon
from app.services.order_pipeline.steps import add_event, set_state

log = logging.getLogger(__name__)

RETRYABLE = (StepState.FAILED, StepState.WAITING, StepState.PENDING)
HELD_OR_WAITING = (StepState.HELD,)


class OrderActionRefused(Exception):
    """The action cannot be done; `merchant_message` says why, in the merchant's language."""

    def __init__(self, merchant_message: str) -> None:
        super().__init__(merchant_message)
        self.merchant_message = str(merchant_message)


def get_order(shop: Shop, order_id: int) -> OrderRecord:
    """The shop's order record, or OrderActionRefused when the shop has no such order."""
    order = db.session.execute(select(OrderRecord).where(
        OrderRecord.shop_id == shop.id, OrderRecord.id == int(order_id))).scalar_one_or_none()
    if order is None:
        raise OrderActionRefused(_("This order is not in the connector."))
    return order


def _config(shop: Shop) -> ShopConfiguration | None:
    return db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id)).scalar_one_or_none()


def _require_active(shop: Shop) -> None:
    config = _config(shop)
    if not (config and config.active):
        raise OrderActionRefused(_("The connector is off: turn it on in Settings first."))


def retry_step(shop: Shop, order_id: int, step_name: str) -> OrderRecord:
    """Run a failed or waiting step again now (attempts start over)."""
    order = get_order(shop, order_id)
    _require_active(shop)
    try:
        step = order.step(StepName(step_name))
    except ValueError:
        step = None
    if step is None:
        raise OrderActionRefused(_("This order has no such step."))
    if step.state == StepState.HELD:
        return send_now(shop, order_id)
    if step.name == StepName.CONFIRMATION and step.state == StepState.WAITING:
        raise OrderActionRefused(_("Confirm or cancel the order instead."))
    if step.name == StepName.WHATSAPP and step.reason == "flow_uncertain":
        # The merchant checked: the customer got nothing, so the flow may be sent again.
        step.progress = {k: v for k, v in (step.progress or {}).items()
                         if k != "flow_requested"}
    if not set_state(step, StepState.PENDING, expect=RETRYABLE):
        raise OrderActionRefused(_("This step is not waiting for a retry."))
    add_event(order, "retry_requested", step.name, step=step.name.value)
    db.session.commit()
    run_soon(order.id)
    return order


def city_options(settings, shop: Shop, order_id: int) -> list[geography.DepartmentOption]:
    """Dropi's departments and the cities it serves for this order, for the merchant's pick."""
    order = get_order(shop, order_id)
    client = dropi_for(settings, _config(shop))
    if client is None:
        raise OrderActionRefused(_("Dropi is not connected in Settings."))
    try:
        return geography.options(client, order)
    except DropiError as exc:
        raise OrderActionRefused(exc.merchant_message) from None


def pick_city(settings, shop: Shop, order_id: int, department_id: int, city_id: int
              ) -> OrderRecord:
    """Use Dropi's department and city for this order, remember them for its address, and
    send it on."""
    order = get_order(shop, order_id)
    client = dropi_for(settings, _config(shop))
    if client is None:
        raise OrderActionRefused(_("Dropi is not connected in Settings."))
    try:
        destination = geography.remember(client, order, int(department_id), int(city_id))
    except DropiError as exc:
        raise OrderActionRefused(exc.merchant_message) from None
    if destination is None:
        raise OrderActionRefused(_("Pick a city from Dropi's list for this department."))
    add_event(order, "city_picked", StepName.DROPI, city=destination.city,
              department=destination.department)
    db.session.commit()
    step = order.step(StepName.DROPI)
    if step is not None:
        set_state(step, StepState.PENDING, expect=(StepState.WAITING, StepState.FAILED))
    run_soon(order.id)
    return order


def confirm_order(shop: Shop, order_id: int) -> OrderRecord:
    """The merchant confirms a cash-on-delivery order: it goes to Dropi."""
    order = get_order(shop, order_id)
    if not record_answer(order, CONFIRMED, "merchant"):
        raise OrderActionRefused(_("This order is not waiting for a confirmation."))
    run_soon(order.id)
    return order


def cancel_order(shop: Shop, order_id: int) -> OrderRecord:
    """The merchant cancels an order still waiting for confirmation: it never goes to Dropi.
    (An order already in Dropi is cancelled by cancelling it in Shopify.)"""
    order = get_order(shop, order_id)
    if order.dropi_order_id is not None:
        raise OrderActionRefused(_("This order is already in Dropi: cancel it in Shopify and the "
                                   "connector cancels it in Dropi while it has no guide."))
    if not record_answer(order, CANCELLED, "merchant"):
        raise OrderActionRefused(_("This order is not waiting for a confirmation."))
    run_soon(order.id)
    return order


def send_now(shop: Shop, order_id: int) -> OrderRecord:
    """Send an order on: held while the connector was off, or waiting for a confirmation that
    the merchant gives instead (an order waiting for the customer is then sent unconfirmed)."""
    order = get_order(shop, order_id)
    _require_active(shop)
    released = [s for s in order.steps if set_state(s, StepState.PENDING, expect=HELD_OR_WAITING)]
    if released:
        add_event(order, "released", who="merchant")
        db.session.commit()
        run_soon(order.id)
        return order
    if record_answer(order, CONFIRMED, "merchant"):
        run_soon(order.id)
        return order
    raise OrderActionRefused(_("This order is not held or waiting."))


def send_held_orders(shop: Shop) -> int:
    """Send every order held while the connector was off; returns how many."""
    _require_active(shop)
    ids = db.session.execute(select(OrderRecord.id).where(
        OrderRecord.shop_id == shop.id, OrderRecord.steps.any(state=StepState.HELD))).scalars()
    count = 0
    for order_id in list(ids):
        send_now(shop, order_id)
        count += 1
    return count
