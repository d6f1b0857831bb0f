"""Does a Shopify webhook payload mention a given customer? Used by the privacy requests."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

GID = re.compile(r"^gid://shopify/(Customer|Order)/(\d+)")
MIN_PHONE_DIGITS = 7


def normalize_id(value) -> str | None:
    """`123`, `"123"` and `"gid://shopify/Order/123"` all become `"123"`."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    match = GID.match(text)
    return match.group(2) if match else (text or None)


def order_id_forms(order_ids) -> list[str]:
    """How an order id may be stored: bare or as a GraphQL gid."""
    return sorted({form for oid in order_ids for form in (oid, f"gid://shopify/Order/{oid}")})


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@dataclass(frozen=True)
class CustomerRef:
    """The customer a privacy request is about, as Shopify names them."""

    customer_id: str | None
    email: str | None
    phone: str | None
    requested_order_ids: frozenset[str] = frozenset()
    order_ids: frozenset[str] = frozenset()
    _email_pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_payload(cls, payload: dict, orders_key: str) -> "CustomerRef":
        customer = payload.get("customer") or {}
        email = (customer.get("email") or "").strip().lower() or None
        phone = (customer.get("phone") or "").strip() or None
        orders = frozenset(filter(None, (normalize_id(o) for o in payload.get(orders_key) or [])))
        pattern = (
            re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?!\.?[\w-])") if email else None
        )
        return cls(normalize_id(customer.get("id")), email, phone, orders, orders, pattern)

    def with_orders(self, order_ids) -> "CustomerRef":
        return replace(self, order_ids=self.order_ids | frozenset(map(str, order_ids)))

    def as_report(self) -> dict:
        return {"id": self.customer_id, "email": self.email, "phone": self.phone}

    def phone_matches(self, text: str) -> bool:
        ours, theirs = _digits(self.phone or ""), _digits(text)
        if len(ours) < MIN_PHONE_DIGITS or len(theirs) < MIN_PHONE_DIGITS:
            return False
        # "+57 300 123 4567" and "3001234567" are the same phone with and without country code.
        return ours.endswith(theirs) or theirs.endswith(ours)


def mentions_customer(payload: dict, topic: str, ref: CustomerRef) -> bool:
    """True when the payload is about the customer: their id, email or phone, or one of their
    orders (an orders/* payload's own id, an `order_id`, or an Order gid)."""
    if topic.startswith("orders/") and normalize_id(payload.get("id")) in ref.order_ids:
        return True
    return _walk(payload, None, ref)


def _walk(node, key: str | None, ref: CustomerRef) -> bool:
    if isinstance(node, dict):
        if (
            key == "customer"
            and ref.customer_id
            and normalize_id(node.get("id")) == ref.customer_id
        ):
            return True
        return any(_walk(value, name, ref) for name, value in node.items())
    if isinstance(node, list):
        return any(_walk(item, key, ref) for item in node)
    return _scalar_mentions(node, key, ref)


def _scalar_mentions(value, key: str | None, ref: CustomerRef) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if key == "customer_id" and ref.customer_id and normalize_id(value) == ref.customer_id:
        return True
    if key == "order_id" and normalize_id(value) in ref.order_ids:
        return True
    if not isinstance(value, str):
        return False
    gid = GID.match(value.strip())
    if gid:
        kind, number = gid.groups()
        return number == ref.customer_id if kind == "Customer" else number in ref.order_ids
    if ref._email_pattern is not None and ref._email_pattern.search(value.lower()):
        return True
    return bool(key and "phone" in key.lower() and ref.phone and ref.phone_matches(value))
