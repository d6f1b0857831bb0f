"""advance_order: run every step of one order that can run now, in order. Any number of
workers may call it for the same order at once (triple webhook deliveries, retries, the
periodic sweep): each step is claimed under a lease, so each side effect happens once."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app.clients.shopify_errors import ShopifyError
from app.extensions import db
from app.models import (
    OrderRecord,
    OrderStep,
    Shop,
    ShopConfiguration,
    StepName,
    StepState,
)
from app.models.types import utcnow
from app.services.order_pipeline import confirmation
from app.services.order_pipeline.cancellation import run_cancellation
from app.services.order_pipeline.dropi_order import run_dropi
from app.services.order_pipeline.queueing import run_soon
from app.services.order_pipeline.steps import add_event, claim, set_state
from app.services.order_pipeline.whatsapp import run_whatsapp
from app.services.shopify_session import shopify_client_for

log = logging.getLogger(__name__)

SWEEP_BATCH = 500
CANCEL_RECHECK = timedelta(seconds=5)
RUNNERS = {StepName.WHATSAPP: run_whatsapp, StepName.DROPI: run_dropi,
           StepName.CANCELLATION: run_cancellation}
GO_AHEAD = (StepState.DONE, StepState.SKIPPED)


def advance_order(settings, order_id: int) -> None:
    """Run what is due for the order, then queue the next retry or deadline if there is one."""
    order = db.session.get(OrderRecord, order_id)
    if order is None:
        return
    shop = db.session.get(Shop, order.shop_id)
    if shop is None or not shop.is_installed:
        return
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == order.shop_id)).scalar_one_or_none()
    steps = {s.name: s for s in order.steps}
    if StepName.CANCELLATION in steps:
        _cancel(settings, order, steps)
    elif not (config and config.active):
        _hold(order, steps)
    else:
        _pipeline(settings, shop, order, steps, config)
    _queue_next(order)


def _cancel(settings, order, steps) -> None:
    dropi = steps.get(StepName.DROPI)
    if dropi is not None and dropi.state == StepState.RUNNING and \
            dropi.lease_until and dropi.lease_until > utcnow():
        run_soon(order.id, utcnow() + CANCEL_RECHECK)
        return
    _run(settings, order, steps[StepName.CANCELLATION])


def _hold(order, steps) -> None:
    held = [s for s in steps.values() if set_state(s, StepState.HELD, reason="connector_off",
                                                   expect=(StepState.PENDING,))]
    if held:
        add_event(order, "held")
        db.session.commit()


def _pipeline(settings, shop, order, steps, config) -> None:
    whatsapp, confirm, dropi = (steps.get(n) for n in
                                (StepName.WHATSAPP, StepName.CONFIRMATION, StepName.DROPI))
    if whatsapp is not None:
        _run(settings, order, whatsapp)
    if confirm is not None:
        if confirm.state == StepState.PENDING:
            confirmation.decide(order, confirm, config)
        elif confirm.state == StepState.WAITING:
            confirmation.apply_timeout(order, confirm, config)
        _tag_answer(settings, shop, order, confirm)
    go_ahead = confirm is None or (confirm.state in GO_AHEAD and
                                   order.confirmation_answer != confirmation.CANCELLED)
    if dropi is not None and go_ahead:
        _run(settings, order, dropi)


def _run(settings, order: OrderRecord, step: OrderStep) -> None:
    token = claim(step)
    if token is None:
        return
    try:
        RUNNERS[step.name](settings, order, step, token)
    except Exception:
        # Leave the lease to expire: the sweep runs the step again (the Dropi step looks its
        # order up first), so an unexpected error never loses an order.
        db.session.rollback()
        log.exception("order %s step %s failed unexpectedly", order.id, step.name.value)


def _tag_answer(settings, shop: Shop, order: OrderRecord, step: OrderStep) -> None:
    """Tag the customer's or merchant's answer on the Shopify order (tagsAdd; adding a tag
    twice is harmless, so a repeat after a lost answer is fine)."""
    if order.confirmation_answer is None or (step.progress or {}).get("tagged"):
        return
    tag = confirmation.NO_ANSWER_TAG if order.confirmation_source == "timeout" else \
        confirmation.ANSWER_TAGS[order.confirmation_answer]
    try:
        shopify_client_for(settings, shop).mutate(
            "order_tags_add", {"id": f"gid://shopify/Order/{order.shopify_order_id}",
                               "tags": [tag]}, idempotent=True)
    except ShopifyError as exc:
        add_event(order, "shopify_tag_failed", StepName.CONFIRMATION,
                  error=getattr(exc, "merchant_message", None) or str(exc))
        db.session.commit()
        return
    step.progress = {**(step.progress or {}), "tagged": tag}
    add_event(order, "shopify_tagged", StepName.CONFIRMATION, tag=tag)
    db.session.commit()


def _queue_next(order: OrderRecord) -> None:
    db.session.expire_all()
    upcoming = [s.next_attempt_at for s in order.steps
                if s.next_attempt_at is not None and s.state in (StepState.PENDING,
                                                                 StepState.WAITING)]
    if upcoming:
        run_soon(order.id, min(upcoming))


def due_orders(now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Orders with a step due now: a retry whose time came, a lease that expired (its worker
    died), a confirmation deadline that passed, or a step never run (its job was lost)."""
    now = now or utcnow()
    quiet = now - timedelta(minutes=1)
    # A step left PENDING behind one that waits (the Dropi step behind the customer's answer)
    # is not due: the answer or the merchant moves it on.
    other = aliased(OrderStep)
    blocked = select(other.id).where(other.order_id == OrderStep.order_id,
                                     other.state == StepState.WAITING).exists()
    never_run = and_(OrderStep.next_attempt_at.is_(None), OrderStep.updated_at < quiet,
                     or_(OrderStep.name == StepName.CANCELLATION, ~blocked))
    condition = or_(
        and_(OrderStep.state == StepState.PENDING,
             or_(never_run, OrderStep.next_attempt_at <= now)),
        and_(OrderStep.state == StepState.RUNNING, OrderStep.lease_until < now),
        and_(OrderStep.state == StepState.WAITING, OrderStep.reason == "waiting_customer",
             OrderStep.next_attempt_at <= now),
    )
    rows = db.session.execute(select(OrderStep.order_id).where(condition).distinct()
                              .limit(limit)).scalars()
    return list(rows)


def resume_due_orders(now: datetime | None = None) -> int:
    """Queue every order with a step due (the periodic sweep); returns how many."""
    ids = due_orders(now)
    for order_id in ids:
        run_soon(order_id)
    return len(ids)
