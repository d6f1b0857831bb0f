"""Ecomdrop (WhatsApp automation) API client.

Ecomdrop runs the ChatRace API: `X-ACCESS-TOKEN` header, JSON answers, form-encoded `value=`
for bot-field and contact-field writes. The package owns the key, timeouts, retries with
backoff, E.164 phone normalization and the mapping of failures to `EcomdropError` subclasses
whose `merchant_message` can be shown as is. The answer shapes it reads are the ones the local
stand-in (standins/ecomdrop) serves and documents.

The API documents bot fields by id only (no call lists or creates them), so the client reads
and writes a bot field by its id.
"""
from app.clients.ecomdrop.client import EcomdropClient
from app.clients.ecomdrop.models import (
    Account,
    Contact,
    ContactAction,
    EcomdropAuthError,
    EcomdropError,
    EcomdropNotFound,
    EcomdropUnavailable,
    Field,
    FieldType,
    Flow,
    InvalidPhoneNumber,
    Tag,
    field_name_key,
    normalize_phone,
)
from app.clients.ecomdrop.transport import DEFAULT_BASE_URL, EcomdropTransport

__all__ = [
    "DEFAULT_BASE_URL", "Account", "Contact", "ContactAction", "EcomdropAuthError",
    "EcomdropClient", "EcomdropError", "EcomdropNotFound", "EcomdropTransport",
    "EcomdropUnavailable", "Field", "FieldType", "Flow", "InvalidPhoneNumber", "Tag",
    "field_name_key", "normalize_phone",
]
