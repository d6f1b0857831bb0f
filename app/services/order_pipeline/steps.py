"""Claiming, finishing and recording steps. A step runs only under a lease: a worker claims it
with one conditional UPDATE (only one of several concurrent workers wins), and its result is
written only while it still holds that lease. A worker killed mid-step loses its lease when
it expires and the step is claimed again (the Dropi step then looks its order up first)."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import OrderEvent, OrderRecord, OrderStep, StepName, StepState
from app.models.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
MAX_RETRY_WAIT = timedelta(hours=1)
ATTENTION_STATES = (StepState.FAILED,)
# Waiting reasons that need the merchant (a customer's answer does not).
MERCHANT_REASONS = frozenset({"customer_not_asked", "timeout_merchant", "city_unknown",
                              "guide_exists", "flow_uncertain"})


def add_event(order: OrderRecord, kind: str, step_name: StepName | None = None,
              **params) -> None:
    """Append a line to the order's timeline (committed with the caller's transaction)."""
    db.session.add(OrderEvent(shop_id=order.shop_id, order_id=order.id, kind=kind,
                              step=step_name.value if step_name else None,
                              params={k: _plain(v) for k, v in params.items()}))


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def claim(step: OrderStep, now: datetime | None = None) -> str | None:
    """Take the step's lease when it is due (PENDING and its retry time reached) or its last
    holder's lease expired; returns the lease token, or None when another worker has it."""
    now = now or utcnow()
    token = secrets.token_hex(8)
    due = and_(OrderStep.state == StepState.PENDING,
               or_(OrderStep.next_attempt_at.is_(None), OrderStep.next_attempt_at <= now))
    abandoned = and_(OrderStep.state == StepState.RUNNING, OrderStep.lease_until < now)
    result = db.session.execute(
        update(OrderStep)
        .where(OrderStep.id == step.id, or_(due, abandoned))
        .values(state=StepState.RUNNING, lease_token=token, lease_until=now + LEASE,
                attempts=OrderStep.attempts + 1, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    db.session.refresh(step)
    return token


def holds(step: OrderStep, token: str) -> bool:
    """Whether `token` still holds the step's lease (read from the database)."""
    current = db.session.execute(
        select(OrderStep.lease_token, OrderStep.state).where(OrderStep.id == step.id)).first()
    return current is not None and current[0] == token and current[1] == StepState.RUNNING


def save_progress(step: OrderStep, token: str, **progress) -> bool:
    """Commit progress a retry must know (e.g. that a create request went out) before the
    side effect; False when the lease was lost, and the caller must stop."""
    merged = {**(step.progress or {}), **progress}
    result = db.session.execute(
        update(OrderStep).where(OrderStep.id == step.id, OrderStep.lease_token == token,
                                OrderStep.state == StepState.RUNNING)
        .values(progress=merged, lease_until=utcnow() + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return False
    db.session.refresh(step)
    return True


def finish(step: OrderStep, token: str | None, state: StepState, *, reason: str | None = None,
           error: str | None = None, next_attempt_at: datetime | None = None) -> bool:
    """Record the outcome of a run under its lease (or without one for merchant actions and
    callbacks, token=None); False when the lease was lost. Commits, with the order's
    needs-attention flag brought up to date."""
    now = utcnow()
    values = dict(state=state, reason=reason, last_error=error, next_attempt_at=next_attempt_at,
                  lease_token=None, lease_until=None, updated_at=now)
    if state in (StepState.DONE, StepState.SKIPPED, StepState.FAILED):
        values["finished_at"] = now
    query = update(OrderStep).where(OrderStep.id == step.id)
    if token is not None:
        query = query.where(OrderStep.lease_token == token)
    result = db.session.execute(query.values(**values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        log.info("order step %s lost its lease; its result is dropped", step.id)
        return False
    db.session.flush()
    db.session.refresh(step)
    refresh_attention(step.order)
    db.session.commit()
    return True


def set_state(step: OrderStep, state: StepState, *, expect: tuple[StepState, ...],
              reason: str | None = None, next_attempt_at: datetime | None = None) -> bool:
    """Move a step that is not running from one of `expect` to `state` (merchant actions,
    callbacks, the off switch); False when it was elsewhere. Commits."""
    now = utcnow()
    result = db.session.execute(
        update(OrderStep).where(OrderStep.id == step.id, OrderStep.state.in_(expect))
        .values(state=state, reason=reason, last_error=None, next_attempt_at=next_attempt_at,
                lease_token=None, lease_until=None, updated_at=now,
                **({"attempts": 0} if state == StepState.PENDING else {}))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.flush()
    db.session.refresh(step)
    refresh_attention(step.order)
    db.session.commit()
    return True


def retry_later(step: OrderStep, token: str, error: str, base_seconds: float) -> datetime | None:
    """After a passing failure: PENDING again after a doubling wait, or FAILED once the attempts
    are used up. Returns when it runs again (None when it gave up)."""
    if step.attempts >= MAX_ATTEMPTS:
        finish(step, token, StepState.FAILED, reason="gave_up", error=error)
        add_event(step.order, "step_gave_up", step.name, step=step.name.value,
                  attempts=step.attempts, error=error)
        db.session.commit()
        return None
    wait = min(timedelta(seconds=base_seconds * 2 ** (step.attempts - 1)), MAX_RETRY_WAIT)
    at = utcnow() + wait
    if finish(step, token, StepState.PENDING, error=error, next_attempt_at=at):
        add_event(step.order, "step_failed", step.name, step=step.name.value, error=error)
        db.session.commit()
    return at


def refresh_attention(order: OrderRecord) -> None:
    """needs_attention: some step failed for good or waits for the merchant, or a refunded Dropi
    line is still to settle with Dropi."""
    rows = db.session.execute(select(OrderStep.state, OrderStep.reason)
                              .where(OrderStep.order_id == order.id)).all()
    order.needs_attention = any(
        state == StepState.FAILED or (state == StepState.WAITING and reason in MERCHANT_REASONS)
        for state, reason in rows) or bool(order.refund_to_settle)
