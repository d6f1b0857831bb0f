"""Customer mode: whose data a caller may see. Staff keys see the shop; a customer-mode key sees
an order or customer only when the WhatsApp phone Ecomdrop sent matches one of its phones, or
the customer gave the order's email. Someone else's order looks exactly like a missing one."""
from __future__ import annotations

from app.services.agent_tools.registry import CallerContext, ToolForbidden, ToolNotFound
from app.services.agent_tools.shaping import e164, normalized_email

EMAIL_ARGUMENT = "customerEmail"


def order_phones(order: dict) -> set[str]:
    customer = order.get("customer") or {}
    raw = [order.get("phone"), (order.get("shippingAddress") or {}).get("phone"),
           (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")]
    return {phone for phone in map(e164, raw) if phone}


def order_emails(order: dict) -> set[str]:
    customer = order.get("customer") or {}
    raw = [order.get("email"), (customer.get("defaultEmailAddress") or {}).get("emailAddress")]
    return {email for email in map(normalized_email, raw) if email}


def require_identity(caller: CallerContext, arguments: dict) -> None:
    """A customer-mode call must say who the customer is before any order is read."""
    if caller.is_staff:
        return
    if caller.customer_phone or _email(caller, arguments):
        return
    raise ToolForbidden("In customer mode, order data needs the customer's WhatsApp phone "
                        "(X-Customer-Phone header) or the order's email (customerEmail).")


def can_see_order(caller: CallerContext, order: dict, arguments: dict) -> bool:
    if caller.is_staff:
        return True
    if caller.customer_phone and caller.customer_phone in order_phones(order):
        return True
    email = _email(caller, arguments)
    return bool(email) and email in order_emails(order)


def ensure_order_visible(caller: CallerContext, order: dict | None, arguments: dict,
                         reference: str) -> dict:
    if order is None or not can_see_order(caller, order, arguments):
        raise ToolNotFound(not_found_message(caller, reference))
    return order


def not_found_message(caller: CallerContext, reference: str) -> str:
    if caller.is_staff:
        return f"No order {reference} exists in this store."
    return (f"No order {reference} was found for this customer. Ask the customer to check the "
            "order number and the phone or email used to buy.")


def _email(caller: CallerContext, arguments: dict) -> str | None:
    return normalized_email(caller.customer_email) or normalized_email(
        arguments.get(EMAIL_ARGUMENT) if isinstance(arguments.get(EMAIL_ARGUMENT), str) else None)
