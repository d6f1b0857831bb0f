"""What the Orders page and Home show about the order pipeline: each order's steps at a glance,
the buttons that apply to each step, whether anything is moving right now (the page polls only
then), and the counts Home shows."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import OrderRecord, OrderStep, Shop, StepName, StepState
from app.models.types import utcnow
from app.services.order_pipeline import step_text

# A step due within this long counts as moving: the page keeps polling for it. A retry
# planned further ahead is not polled for; the page shows when it will run.
MOVING_HORIZON = timedelta(seconds=90)
BOARD_STEPS = (StepName.WHATSAPP, StepName.CONFIRMATION, StepName.DROPI)
# Waiting reasons the merchant settles with Confirm / Cancel.
DECISION_REASONS = frozenset({"waiting_customer", "customer_not_asked", "timeout_merchant"})
REFUND_TO_SETTLE = _l("Dropi products were refunded in Shopify: settle them with Dropi.")
RETRY = "retry"
CONFIRM = "confirm"
CANCEL = "cancel"
PICK_CITY = "pick_city"
SEND_NOW = "send_now"


def is_moving(step: OrderStep, now: datetime | None = None) -> bool:
    """Running, or to run within MOVING_HORIZON."""
    now = now or utcnow()
    if step.state == StepState.RUNNING:
        return True
    return step.state == StepState.PENDING and (
        step.next_attempt_at is None or step.next_attempt_at <= now + MOVING_HORIZON)


def order_is_moving(order: OrderRecord, now: datetime | None = None) -> bool:
    return any(is_moving(step, now) for step in order.steps)


def any_moving(orders: Iterable[OrderRecord]) -> bool:
    now = utcnow()
    return any(order_is_moving(order, now) for order in orders)


def step_actions(order: OrderRecord, step: OrderStep) -> tuple[str, ...]:
    """The buttons that apply to `step` of `order` as it stands."""
    if order.cancelled_at is not None and step.name != StepName.CANCELLATION:
        return ()
    if step.state == StepState.HELD:
        return (SEND_NOW,)
    if step.state == StepState.FAILED:
        return (RETRY,)
    if step.name == StepName.CONFIRMATION and step.state == StepState.WAITING and (
            step.reason in DECISION_REASONS):
        return (CONFIRM, CANCEL)
    if step.name == StepName.DROPI and step.state == StepState.WAITING and (
            step.reason == "city_unknown"):
        return (PICK_CITY,)
    if step.name == StepName.WHATSAPP and step.state == StepState.WAITING and (
            step.reason == "flow_uncertain"):
        return (RETRY,)
    if step.state == StepState.PENDING and step.next_attempt_at is not None and (
            step.next_attempt_at > utcnow() + MOVING_HORIZON):
        return (RETRY,)  # a retry planned later can be run now
    return ()


def order_problems(order: OrderRecord) -> list[str]:
    """What needs the merchant, in words: each failed or held step, each waiting step that
    has a button, and refunded Dropi products to settle with Dropi."""
    problems = [text for step in order.steps
                if step.state in (StepState.FAILED, StepState.HELD) or (
                    step.state == StepState.WAITING and step_actions(order, step))
                if (text := step_text(step))]
    if order.refund_to_settle:
        problems.append(str(REFUND_TO_SETTLE))
    return problems


def pulse(shop: Shop, order_ids: Iterable[int]) -> tuple[str, bool]:
    """(fingerprint, moving) of the listed orders of `shop`: the fingerprint changes whenever
    one of their steps changes, so the page reloads its list only then."""
    ids = [i for i in order_ids][:100]
    if not ids:
        return "", False
    rows = db.session.execute(
        select(OrderStep.order_id, OrderStep.state, OrderStep.next_attempt_at,
               OrderStep.updated_at)
        .join(OrderRecord, OrderRecord.id == OrderStep.order_id)
        .where(OrderRecord.shop_id == shop.id, OrderStep.shop_id == shop.id,
               OrderStep.order_id.in_(ids))).all()
    now = utcnow()
    horizon = now + MOVING_HORIZON
    moving = any(state == StepState.RUNNING or (
        state == StepState.PENDING and (at is None or _aware(at) <= horizon))
        for _order, state, at, _updated in rows)
    states = sorted((order, state.value, str(updated)) for order, state, _at, updated in rows)
    return hashlib.sha1(repr(states).encode()).hexdigest()[:16], moving


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class PipelineCounts:
    """Home's summary of the pipeline."""

    total: int
    needs_attention: int
    held: int
    sent_to_dropi: int


def pipeline_counts(shop: Shop) -> PipelineCounts:
    total, attention, sent = db.session.execute(
        select(func.count(OrderRecord.id),
               func.count(OrderRecord.id).filter(OrderRecord.needs_attention.is_(True)),
               func.count(OrderRecord.dropi_order_id))
        .where(OrderRecord.shop_id == shop.id)).one()
    held = db.session.scalar(
        select(func.count(func.distinct(OrderStep.order_id)))
        .join(OrderRecord, OrderRecord.id == OrderStep.order_id)
        .where(OrderStep.shop_id == shop.id, OrderStep.state == StepState.HELD,
               OrderRecord.cancelled_at.is_(None)))
    return PipelineCounts(total=total, needs_attention=attention, held=held or 0,
                          sent_to_dropi=sent)
