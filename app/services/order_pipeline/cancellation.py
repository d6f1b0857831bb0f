"""A Shopify cancellation: the order stops where it is. A Dropi order without a shipping guide
is cancelled in Dropi; once the guide exists Dropi no longer allows it, and the order is
flagged for the merchant."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.clients.dropi import DropiError, DropiRateLimited, DropiUnavailable
from app.extensions import db
from app.models import OrderRecord, OrderStep, ShopConfiguration, StepName, StepState
from app.services.order_pipeline.dropi_order import dropi_for, find_existing
from app.services.order_pipeline.steps import add_event, finish, retry_later, set_state

log = logging.getLogger(__name__)

# Statuses in which Dropi still lets an order be cancelled (no guide yet).
CANCELLABLE = frozenset({"PENDIENTE CONFIRMACION", "PENDIENTE", "TELEMERCADEO"})
ALREADY_CANCELLED = frozenset({"CANCELADO", "ANULADA", "GUIA_ANULADA"})
STOPPABLE = (StepState.PENDING, StepState.WAITING, StepState.FAILED, StepState.HELD)


def run_cancellation(settings, order: OrderRecord, step: OrderStep, token: str) -> None:
    """Run under the step's lease, never while the Dropi step runs (advance_order waits)."""
    dropi_step = order.step(StepName.DROPI)
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == order.shop_id)).scalar_one_or_none()
    client = dropi_for(settings, config)
    try:
        existing = None
        sent = order.dropi_order_id is not None or (
            dropi_step is not None and (dropi_step.progress or {}).get("create_sent"))
        if client is not None and sent:
            existing = find_existing(client, order)
        if existing is None:
            _stop_pipeline(order)
            finish(step, token, StepState.DONE, reason="not_in_dropi")
            return
        _cancel_in_dropi(client, order, step, token, existing)
    except DropiError as exc:
        if isinstance(exc, (DropiUnavailable, DropiRateLimited)):
            retry_later(step, token, exc.merchant_message, settings.order_retry_seconds)
        elif finish(step, token, StepState.FAILED, error=exc.merchant_message):
            add_event(order, "step_failed", StepName.CANCELLATION, step="cancellation",
                      error=exc.merchant_message)
            db.session.commit()


def _stop_pipeline(order: OrderRecord) -> None:
    for name in (StepName.WHATSAPP, StepName.CONFIRMATION, StepName.DROPI):
        step = order.step(name)
        if step is not None:
            set_state(step, StepState.SKIPPED, expect=STOPPABLE, reason="cancelled_in_shopify")


def _cancel_in_dropi(client, order, step, token, existing) -> None:
    order.dropi_order_id = existing.id
    order.dropi_status = existing.status
    order.dropi_guide = existing.shipping_guide or order.dropi_guide
    if existing.status in ALREADY_CANCELLED:
        finish(step, token, StepState.DONE)
        return
    if existing.shipping_guide or existing.status not in CANCELLABLE:
        if finish(step, token, StepState.WAITING, reason="guide_exists"):
            add_event(order, "guide_exists", StepName.CANCELLATION, id=existing.id,
                      guide=existing.shipping_guide or existing.status)
            db.session.commit()
        return
    cancelled = client.cancel_order(existing.id)
    order.dropi_status = cancelled.status
    if finish(step, token, StepState.DONE):
        add_event(order, "dropi_cancelled", StepName.CANCELLATION, id=existing.id)
        db.session.commit()
