"""Ecomdrop errors, result dataclasses, phone normalization and the readers of API rows."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any
from urllib.parse import quote

import phonenumbers
from flask_babel import gettext as _


class EcomdropError(Exception):
    """Ecomdrop refused or failed a request; `merchant_message` is safe to show."""

    def __init__(self, merchant_message: str, *, status: int | None = None) -> None:
        merchant_message = str(merchant_message)
        super().__init__(merchant_message)
        self.merchant_message = merchant_message
        self.status = status


class EcomdropAuthError(EcomdropError):
    """The API key is missing, wrong or revoked (401/403)."""


class EcomdropUnavailable(EcomdropError):
    """Ecomdrop is down, slow, unreachable or rate limiting us (5xx, timeouts, 429)."""


class EcomdropNotFound(EcomdropError):
    """The flow, contact or field does not exist in this Ecomdrop account (404)."""


class InvalidPhoneNumber(EcomdropError):
    """A phone number that cannot be turned into E.164."""


class FieldType(IntEnum):
    """ChatRace field types the app creates."""

    TEXT = 0
    NUMBER = 1
    DATE = 2


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    active: bool = True
    total_contacts: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    name: str


@dataclass(frozen=True)
class Tag:
    id: str
    name: str


@dataclass(frozen=True)
class Field:
    """A bot field (account-level variable) or a contact custom field definition."""

    id: str
    name: str
    type: int = FieldType.TEXT
    value: Any = None


@dataclass(frozen=True)
class Contact:
    id: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    email: str | None = None
    tags: tuple[Tag, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactAction:
    """One entry of `actions` in POST /contacts: add_tag, set_field_value or send_flow."""

    payload: dict

    @classmethod
    def add_tag(cls, tag_name: str) -> "ContactAction":
        return cls({"action": "add_tag", "tag_name": tag_name})

    @classmethod
    def set_field_value(cls, field_name: str, value: Any) -> "ContactAction":
        return cls({"action": "set_field_value", "field_name": field_name, "value": value})

    @classmethod
    def send_flow(cls, flow_id: str | int) -> "ContactAction":
        return cls({"action": "send_flow", "flow_id": as_int_if_digits(flow_id)})


def normalize_phone(raw: str, region: str | None = None) -> str:
    """The number in E.164 (`+573001234567`); `region` (ISO country) applies to local numbers."""
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    where = (region or "").upper() or None
    try:
        number = phonenumbers.parse(text, where)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if where and not text.startswith("+"):
            raise InvalidPhoneNumber(_(
                "'%(number)s' is not a valid phone number for %(region)s. Use the full "
                "international format, for example +57 300 123 4567.", number=raw, region=where))
        raise InvalidPhoneNumber(_(
            "'%(number)s' is not a valid phone number. Use the full international format, for "
            "example +57 300 123 4567.", number=raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def field_name_key(name: str) -> str:
    """Names compare without case, spaces, dashes or underscores.

    'DROPI TOKEN CO', 'dropi_token_co' and 'Dropi-Token-CO' are the same name.
    """
    return re.sub(r"[\s_\-]+", "", (name or "").casefold())


def record_of(data: Any) -> dict:
    """The object of an answer that is either the object itself or {"data": object}."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return data["data"]
    return data if isinstance(data, dict) else {}


def id_of(data: Any, what: str) -> str:
    """The `id` of an answer, or an error when Ecomdrop sent none."""
    value = record_of(data).get("id")
    if value is None or str(value).strip() == "":
        raise EcomdropError(_("Ecomdrop sent an unexpected answer for %(what)s; try again later.",
                              what=what))
    return str(value)


def field_from(row: dict, *, with_value: bool) -> Field:
    kind = str(row.get("type") or 0)
    return Field(id=str(row["id"]), name=str(row.get("name") or ""),
                 type=int(kind) if kind.lstrip("-").isdigit() else FieldType.TEXT,
                 value=row.get("value") if with_value else None)


def contact_from(row: dict) -> Contact:
    tags = tuple(Tag(id=str(t["id"]), name=str(t.get("name") or ""))
                 for t in row.get("tags") or [] if isinstance(t, dict) and "id" in t)
    fields = {str(f.get("name")): f.get("value")
              for f in row.get("custom_fields") or [] if isinstance(f, dict)}
    return Contact(id=str(row["id"]), first_name=str(row.get("first_name") or ""),
                   last_name=str(row.get("last_name") or ""), phone=row.get("phone") or None,
                   email=row.get("email") or None, tags=tags, fields=fields)


def path_segment(value: str | int) -> str:
    text = str(value).strip()
    if not text:
        raise EcomdropError(_("An Ecomdrop id is missing."))
    return quote(text, safe="")


def as_int_if_digits(value: str | int) -> str | int:
    text = str(value).strip()
    return int(text) if text.isdigit() else text
