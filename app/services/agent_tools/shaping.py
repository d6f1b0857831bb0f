"""Building tool outputs from Shopify's answers: ids in any form, money, UTC dates, no nulls."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import phonenumbers

from app.services.agent_tools.registry import ToolInputInvalid

_GID = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<number>\d+)$")
_ORDER_NAME = re.compile(r"^#?\s*(?P<name>[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)$")


def gid_for(kind: str, value: str) -> str:
    """`"123"` or `"gid://shopify/<kind>/123"` as the GID; anything else is bad input."""
    text = str(value).strip()
    match = _GID.match(text)
    if match:
        if match.group("kind") != kind:
            raise ToolInputInvalid(f"{text} is not a {kind} id.")
        return text
    if text.isdigit():
        return f"gid://shopify/{kind}/{text}"
    raise ToolInputInvalid(f"{text!r} is not a {kind} ID (a number or gid://shopify/{kind}/...).")


def order_reference(value: str) -> tuple[str, str]:
    """("gid", gid) for a number or GID; ("name", "#1001") for an order name such as #1001.

    A bare number is read as an order name when it starts with '#' only; Shopify order ids
    are long numbers, order names are short ones, so "1001" is tried as an id first and as a
    name after (see the order tools)."""
    text = str(value).strip()
    if text.startswith("#"):
        match = _ORDER_NAME.match(text)
        if not match:
            raise ToolInputInvalid(f"{text!r} is not an order name.")
        return "name", "#" + match.group("name")
    return "gid", gid_for("Order", text)


def money(value: dict | None) -> dict | None:
    """{"amount": "89900.00", "currencyCode": "COP"} from a MoneyV2, amounts as exact strings."""
    if not value:
        return None
    try:
        amount = Decimal(str(value["amount"]))
    except (InvalidOperation, KeyError, TypeError):
        return None
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currencyCode": value["currencyCode"]}


def money_bag(value: dict | None) -> dict | None:
    """A MoneyBag ({"shopMoney": MoneyV2}) with its amount normalised."""
    if not value or not value.get("shopMoney"):
        return None
    return {"shopMoney": money(value["shopMoney"])}


def utc(value: str | None) -> str | None:
    """Shopify's DateTime as ISO 8601 in UTC with a Z."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(value):
    """The value without None entries, recursively (the schemas type fields, not nulls)."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(item) for item in value if item is not None]
    return value


def e164(raw: str | None) -> str | None:
    """The phone number as E.164, or None when it is not a valid international number.
    WhatsApp senders always carry their country code, so a missing '+' is added."""
    if not raw:
        return None
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalized_email(raw: str | None) -> str | None:
    text = (raw or "").strip().lower()
    return text if "@" in text else None


def search_term(value: str) -> str:
    """A value quoted for Shopify's search syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
