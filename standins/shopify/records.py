"""Small building blocks shared by the stand-in's store and resolvers: global IDs, timestamps,
money, handles and the error raised for Shopify `userErrors`."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

GID_PATTERN = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)(\?.*)?$")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value, kind: str | None = None) -> int | None:
    """The numeric part of `gid://shopify/<kind>/<n>` (None when malformed or another kind)."""
    match = GID_PATTERN.match(str(value or ""))
    if not match or (kind and match.group(1) != kind):
        return None
    return int(match.group(2))


def gid_kind(value) -> str | None:
    match = GID_PATTERN.match(str(value or ""))
    return match.group(1) if match else None


def iso(moment: datetime) -> str:
    """Shopify's DateTime format: UTC, seconds precision, trailing Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    text = value.strip().strip("'\"")
    if len(text) == 10:
        text += "T00:00:00Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def money(value) -> Decimal:
    """A Decimal amount from an input value; raises ValueError for anything else."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a valid amount") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a valid amount")
    return amount


def money_v2(amount: Decimal, currency: str) -> dict:
    return {"__typename": "MoneyV2", "amount": amount, "currencyCode": currency}


def money_bag(amount: Decimal, currency: str) -> dict:
    bag = money_v2(amount, currency)
    return {"__typename": "MoneyBag", "shopMoney": bag, "presentmentMoney": dict(bag)}


def rest_amount(amount: Decimal | None) -> str | None:
    """Amounts in REST webhook payloads are strings with two decimals."""
    return None if amount is None else f"{Decimal(amount):.2f}"


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "product"


class DomainError(Exception):
    """A request Shopify refuses with `userErrors` (each {field, message, code})."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: list[str] | None, message: str, code: str | None = None):
        return cls([{"field": field, "message": message, "code": code}])


class UnknownShop(LookupError):
    """No shop with that domain exists in the stand-in."""
