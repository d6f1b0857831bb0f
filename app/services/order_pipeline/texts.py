"""What the merchant reads about an order: each step's reason code and each timeline event kind
as a translatable sentence. Codes are stored; the words are chosen when a page is drawn, in
the merchant's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import OrderEvent, OrderStep, StepName, StepState

STEP_LABELS = {
    StepName.WHATSAPP: _l("WhatsApp"),
    StepName.CONFIRMATION: _l("Confirmation"),
    StepName.DROPI: _l("Dropi order"),
    StepName.CANCELLATION: _l("Cancellation"),
}

STATE_LABELS = {
    StepState.PENDING: _l("To do"),
    StepState.RUNNING: _l("In progress"),
    StepState.WAITING: _l("Waiting"),
    StepState.DONE: _l("Done"),
    StepState.SKIPPED: _l("Not needed"),
    StepState.FAILED: _l("Needs you"),
    StepState.HELD: _l("Not sent"),
}

# Why a step waits, was skipped, held or failed.
REASONS = {
    "connector_off": _l("Not sent: the connector was off. Send it when you are ready."),
    "ecomdrop_not_connected": _l("Ecomdrop is not connected or no new-order flow is chosen in "
                                 "Settings, so no WhatsApp message was sent."),
    "no_phone": _l("The order has no valid phone number, so no WhatsApp message was sent."),
    "flow_uncertain": _l("Ecomdrop did not answer whether the WhatsApp flow started. Check the "
                         "conversation in Ecomdrop; retry only if the customer got nothing."),
    "prepaid": _l("Paid online: no confirmation needed."),
    "send_at_once": _l("Your settings send orders to Dropi without waiting for confirmation."),
    "waiting_customer": _l("Waiting for the customer to confirm on WhatsApp."),
    "customer_not_asked": _l("Cash on delivery, but the customer could not be asked on "
                             "WhatsApp: confirm or cancel the order yourself."),
    "timeout_merchant": _l("The customer did not answer in time: confirm or cancel the order "
                           "yourself."),
    "customer_cancelled": _l("The customer cancelled on WhatsApp: not sent to Dropi."),
    "merchant_cancelled": _l("You cancelled it: not sent to Dropi."),
    "timeout_cancelled": _l("The customer did not answer in time: cancelled, not sent to Dropi."),
    "no_dropi_lines": _l("No product of this order comes from Dropi."),
    "dropi_not_connected": _l("Dropi is not connected in Settings."),
    "city_unknown": _l("Dropi does not know this city as written: pick Dropi's department and "
                       "city for it."),
    "cancelled_in_shopify": _l("Cancelled in Shopify before it reached Dropi."),
    "guide_exists": _l("Cancelled in Shopify, but Dropi already generated the shipping guide: "
                       "cancel it in Dropi or stop the shipment with the carrier."),
    "not_in_dropi": _l("This order never reached Dropi: nothing to cancel there."),
    "gave_up": _l("Stopped retrying after several failures. Fix the cause, then retry."),
    "order_gone_in_shopify": _l("the order no longer exists in Shopify."),
    "nothing_left_to_refund": _l("its Dropi products were already refunded or removed."),
}

FAILED_HINT = _l("Fix what it says (in Shopify, Dropi or Settings), then retry this step.")

EVENTS = {
    "received": _l("Order received from Shopify."),
    "updated": _l("Order updated in Shopify."),
    "held": _l("Not sent: the connector is off."),
    "released": _l("Sent on its way by %(who)s."),
    "contact_found": _l("WhatsApp contact found in Ecomdrop."),
    "contact_created": _l("WhatsApp contact created in Ecomdrop."),
    "flow_sent": _l("WhatsApp flow “%(flow)s” started for the customer."),
    "whatsapp_skipped": _l("No WhatsApp message: %(reason)s"),
    "step_failed": _l("%(step)s failed: %(error)s"),
    "step_gave_up": _l("%(step)s stopped after %(attempts)s attempts: %(error)s"),
    "waiting_customer": _l("Waiting for the customer's confirmation until %(deadline)s."),
    "confirmed": _l("Confirmed by %(who)s."),
    "cancelled": _l("Cancelled by %(who)s."),
    "callback_refused": _l("Another answer from WhatsApp was refused: the order was already "
                           "answered."),
    "timeout": _l("The customer did not answer in time."),
    "shopify_tagged": _l("Tagged “%(tag)s” in Shopify."),
    "shopify_tag_failed": _l("Could not tag the order in Shopify: %(error)s"),
    "city_resolved": _l("Dropi destination: %(city)s, %(department)s."),
    "city_unknown": _l("Dropi does not know “%(city)s, %(province)s”: waiting for your pick."),
    "city_picked": _l("You picked %(city)s, %(department)s; later orders to this place use it."),
    "carrier_chosen": _l("Carrier %(carrier)s, shipping %(amount)s."),
    "mixed_order": _l("Only the Dropi products were sent to Dropi; these were not: %(lines)s."),
    "dropi_found": _l("Dropi order %(id)s was already there; not created again."),
    "dropi_created": _l("Dropi order %(id)s created (%(status)s)."),
    "dropi_cancelled": _l("Dropi order %(id)s cancelled."),
    "cancel_requested": _l("Cancelled in Shopify."),
    "guide_exists": _l("Dropi order %(id)s already has guide %(guide)s: cancel it in Dropi."),
    "retry_requested": _l("You asked to retry %(step)s."),
    "refunded": _l("Refunded in Shopify: %(amount)s %(currency)s."),
    "refund_dropi_lines": _l("Refunded in Shopify: %(lines)s — settle it with Dropi."),
    "refund_settled": _l("You marked the refunded Dropi products as settled with Dropi."),
    "return_refunded": _l("Refunded in Shopify after the Dropi return: %(lines)s (%(amount)s "
                          "%(currency)s)."),
    "return_refund_failed": _l("The Dropi return could not be refunded in Shopify: %(error)s"),
    "return_not_refunded": _l("Returned by Dropi; nothing was refunded in Shopify: %(reason)s"),
    "outside_fulfillment": _l("Fulfilled in Shopify outside the app: %(carrier)s %(number)s."),
}

WHO = {"customer": _l("the customer on WhatsApp"), "merchant": _l("you"),
       "timeout": _l("the timeout rule")}


def step_label(name: StepName | str) -> str:
    return str(STEP_LABELS[StepName(name)])


def state_label(state: StepState | str) -> str:
    return str(STATE_LABELS[StepState(state)])


def reason_text(code: str | None) -> str:
    """The sentence for a step's reason code ('' for none; an unknown code is shown as is)."""
    if not code:
        return ""
    text = REASONS.get(code)
    return str(text) if text is not None else code


def step_text(step: OrderStep) -> str:
    """What the merchant reads under a step: the service's own words (last error) followed by
    what the step's state means and what to do."""
    hint = reason_text(step.reason)
    if not hint and step.state == StepState.FAILED:
        hint = str(FAILED_HINT)
    return " ".join(part for part in (step.last_error, hint) if part)


def event_text(event: OrderEvent) -> str:
    """One timeline line in the current language."""
    template = EVENTS.get(event.kind)
    if template is None:
        return event.kind
    params = dict(event.params or {})
    if "who" in params:
        params["who"] = str(WHO.get(params["who"], params["who"]))
    if "step" in params:
        try:
            params["step"] = step_label(params["step"])
        except ValueError:
            pass
    if "reason" in params:
        params["reason"] = reason_text(params["reason"])
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)
