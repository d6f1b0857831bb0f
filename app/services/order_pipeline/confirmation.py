"""Step 2: cash-on-delivery confirmation. Per the shop's policy an order goes to Dropi at once,
or a cash-on-delivery order waits until the customer answers on WhatsApp (prepaid orders never
wait). The answer arrives at the callback an Ecomdrop flow's "external request" step calls;
the merchant can answer too; after the timeout the shop's rule applies."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ConfirmationPolicy,
    OrderRecord,
    OrderStep,
    Shop,
    ShopConfiguration,
    StepName,
    StepState,
    TimeoutAction,
)
from app.models.types import utcnow
from app.services.order_pipeline.queueing import run_soon
from app.services.order_pipeline.steps import add_event, set_state

log = logging.getLogger(__name__)

CONFIRMED, CANCELLED = "confirmed", "cancelled"
CONFIRM_WORDS = frozenset({"confirm", "confirmed", "confirmar", "confirmado", "si", "sí", "yes",
                           "1", "ok", "true"})
CANCEL_WORDS = frozenset({"cancel", "cancelled", "canceled", "cancelar", "cancelado", "no", "0",
                          "false"})
# Shopify tags recording the answer on the order.
ANSWER_TAGS = {CONFIRMED: "whatsapp-confirmado", CANCELLED: "whatsapp-cancelado"}
NO_ANSWER_TAG = "whatsapp-sin-respuesta"
MAX_CODE_LENGTH = 32


class CallbackRefused(Exception):
    """A confirmation callback that changes nothing; `status` is what we answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CallbackResult:
    order_name: str
    answer: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def rotate_callback_secret(shop: Shop) -> str:
    """A new callback secret for the shop, returned once to show the merchant; only its hash
    is stored, so the old one stops working at once. Commits."""
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id)).scalar_one_or_none()
    if config is None:
        config = ShopConfiguration(shop_id=shop.id)
        db.session.add(config)
    secret = secrets.token_urlsafe(32)
    config.callback_secret_hash = _hash(secret)
    config.callback_secret_created_at = utcnow()
    db.session.commit()
    log.info("callback secret rotated for %s", shop.domain)
    return secret


def shop_for_secret(secret: str | None) -> Shop | None:
    """The installed shop whose callback secret this is, or None."""
    if not secret or len(secret) > 200:
        return None
    digest = _hash(secret)
    config = db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.callback_secret_hash == digest)).scalar_one_or_none()
    # The lookup is by hash already; the constant-time compare keeps it so if that changes.
    if config is None or not hmac.compare_digest(config.callback_secret_hash or "", digest):
        return None
    shop = db.session.get(Shop, config.shop_id)
    return shop if shop is not None and shop.is_installed else None


def parse_answer(value) -> str | None:
    word = str(value or "").strip().casefold()
    if word in CONFIRM_WORDS:
        return CONFIRMED
    if word in CANCEL_WORDS:
        return CANCELLED
    return None


def answer_from_callback(secret: str | None, body: dict | None) -> tuple[OrderRecord,
                                                                        CallbackResult]:
    """Record the customer's answer sent by an Ecomdrop flow: {"code": the order's confirmation
    code, "answer": "confirm" | "cancel" (or si/no)}. The shop comes from the secret only; an
    unknown code (or another shop's), a second answer and a bad body raise CallbackRefused and
    change nothing."""
    shop = shop_for_secret(secret)
    if shop is None:
        raise CallbackRefused(401, "unknown secret")
    if not isinstance(body, dict):
        raise CallbackRefused(400, "a JSON object with code and answer is required")
    code = str(body.get("code") or "").strip().upper()[:MAX_CODE_LENGTH]
    answer = parse_answer(body.get("answer"))
    if not code or answer is None:
        raise CallbackRefused(400, "code and answer (confirm or cancel) are required")
    order = db.session.execute(select(OrderRecord).where(
        OrderRecord.shop_id == shop.id, OrderRecord.confirmation_code == code)
    ).scalar_one_or_none()
    if order is None:
        raise CallbackRefused(404, "no order with this code")
    if not record_answer(order, answer, "customer"):
        step = order.step(StepName.CONFIRMATION)
        if step is None or step.state != StepState.DONE:
            raise CallbackRefused(409, "this order is not waiting for an answer")
        add_event(order, "callback_refused", StepName.CONFIRMATION)
        db.session.commit()
        raise CallbackRefused(409, "this order was already answered")
    run_soon(order.id)
    return order, CallbackResult(order.name, answer)


def record_answer(order: OrderRecord, answer: str, source: str) -> bool:
    """Close the confirmation step with `answer` (confirmed | cancelled) from `source`
    (customer | merchant | timeout); False when it was not waiting (already answered, or not
    asked). A cancelled order's Dropi step is skipped. Commits."""
    step = order.step(StepName.CONFIRMATION)
    if step is None:
        return False
    reason = None if answer == CONFIRMED else f"{source}_cancelled"
    waiting = (StepState.WAITING, StepState.PENDING, StepState.FAILED) if source == "merchant" \
        else (StepState.WAITING,)
    if not set_state(step, StepState.DONE, expect=waiting, reason=reason):
        return False
    order.confirmation_answer, order.confirmation_source = answer, source
    order.confirmation_answered_at = utcnow()
    add_event(order, CONFIRMED if answer == CONFIRMED else CANCELLED, StepName.CONFIRMATION,
              who=source)
    if answer == CANCELLED:
        dropi = order.step(StepName.DROPI)
        if dropi is not None:
            set_state(dropi, StepState.SKIPPED, reason=reason,
                      expect=(StepState.PENDING, StepState.WAITING, StepState.FAILED,
                              StepState.HELD))
    db.session.commit()
    return True


def decide(order: OrderRecord, step: OrderStep, config: ShopConfiguration | None) -> None:
    """Move a PENDING confirmation on: skipped (prepaid, or the policy sends at once), waiting
    for the customer (the flow went out), or waiting for the merchant (it could not)."""
    policy = (config.confirmation_policy if config else None) or ConfirmationPolicy.SEND_AT_ONCE
    if not order.cash_on_delivery:
        set_state(step, StepState.SKIPPED, expect=(StepState.PENDING,), reason="prepaid")
        return
    if policy != ConfirmationPolicy.HOLD_COD.value:
        set_state(step, StepState.SKIPPED, expect=(StepState.PENDING,), reason="send_at_once")
        return
    whatsapp = order.step(StepName.WHATSAPP)
    if whatsapp is None or whatsapp.state in (StepState.PENDING, StepState.RUNNING):
        return
    if whatsapp.state == StepState.DONE:
        minutes = config.confirmation_timeout_minutes if config else 1440
        deadline = utcnow() + timedelta(minutes=max(1, minutes))
        if set_state(step, StepState.WAITING, expect=(StepState.PENDING,),
                     reason="waiting_customer", next_attempt_at=deadline):
            order.confirmation_deadline = deadline
            add_event(order, "waiting_customer", StepName.CONFIRMATION,
                      deadline=deadline.strftime("%Y-%m-%d %H:%M UTC"))
            db.session.commit()
        return
    set_state(step, StepState.WAITING, expect=(StepState.PENDING,), reason="customer_not_asked")


def apply_timeout(order: OrderRecord, step: OrderStep, config: ShopConfiguration | None) -> None:
    """The customer did not answer by the deadline: cancel, send anyway, or ask the merchant."""
    if step.state != StepState.WAITING or step.reason != "waiting_customer":
        return
    if order.confirmation_deadline is None or order.confirmation_deadline > utcnow():
        return
    action = (config.confirmation_timeout_action if config else None) or \
        TimeoutAction.MERCHANT.value
    if action == TimeoutAction.MERCHANT.value:
        if set_state(step, StepState.WAITING, expect=(StepState.WAITING,),
                     reason="timeout_merchant"):
            add_event(order, "timeout", StepName.CONFIRMATION)
            db.session.commit()
        return
    add_event(order, "timeout", StepName.CONFIRMATION)
    record_answer(order, CONFIRMED if action == TimeoutAction.SEND.value else CANCELLED,
                  "timeout")
