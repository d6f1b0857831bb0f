"""Ecomdrop (WhatsApp automation) API client: account, flows, bot fields, contacts."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from flask_babel import gettext as _

from app.clients.ecomdrop.models import (
    Account,
    Contact,
    ContactAction,
    EcomdropError,
    Field,
    FieldType,
    Flow,
    Tag,
    contact_from,
    field_from,
    field_name_key,
    id_of,
    normalize_phone,
    record_of,
)
from app.clients.ecomdrop.models import (
    path_segment as seg,
)
from app.clients.ecomdrop.transport import EcomdropTransport

BOT_FIELD_ID_DIGITS = 20
WHATSAPP = "whatsapp"  # ChatRace's channel name for WhatsApp (channel 5)


def bot_field_id(value: str | int) -> str:
    """A bot field id as Ecomdrop writes them (digits); anything else raises EcomdropError."""
    text = str(value).strip()
    if not text.isdigit() or not text.isascii() or len(text) > BOT_FIELD_ID_DIGITS:
        raise EcomdropError(_("“%(id)s” is not an Ecomdrop bot field id: it is a number.",
                              id=text[:BOT_FIELD_ID_DIGITS]))
    return text


class EcomdropClient(EcomdropTransport):
    """One Ecomdrop account, reached with its API key."""

    # Account -----------------------------------------------------------------------------

    def me(self) -> Account:
        """The account the key belongs to (GET /accounts/me); a cheap way to validate a key."""
        data = record_of(self._call("GET", "/accounts/me", what=_("the account")))
        created = data.get("created")
        return Account(
            id=str(data.get("page_id") or data.get("id") or ""),
            name=str(data.get("name") or ""),
            active=bool(data.get("active", True)),
            total_contacts=data.get("total_users"),
            created_at=datetime.fromtimestamp(created, timezone.utc)
            if isinstance(created, (int, float)) and created > 0 else None,
        )

    def flows(self) -> list[Flow]:
        """Every flow of the account (GET /accounts/flows)."""
        rows = self._list("GET", "/accounts/flows", what=_("the flows"))
        return [Flow(id=str(r["id"]), name=str(r.get("name") or "")) for r in rows]

    def tags(self) -> list[Tag]:
        """Every tag of the account (GET /accounts/tags)."""
        rows = self._list("GET", "/accounts/tags", what=_("the tags"))
        return [Tag(id=str(r["id"]), name=str(r.get("name") or "")) for r in rows]

    def create_tag(self, name: str) -> Tag:
        """Create an account tag (POST /accounts/tags, form `name`)."""
        data = self._call("POST", "/accounts/tags", data={"name": name}, what=_("the tags"))
        return Tag(id=id_of(data, _("the tag")), name=name)

    # Bot fields ----------------------------------------------------------------------------

    # Ecomdrop documents bot-field operations by id only (GET|POST|DELETE
    # /accounts/bot_fields/{id}); there is no documented call that lists them, so none is used.

    def bot_field(self, field_id: str | int) -> Field:
        """One bot field with its value (GET /accounts/bot_fields/{id}); EcomdropNotFound when
        the account has no field with that id."""
        field_id = bot_field_id(field_id)
        data = self._call("GET", f"/accounts/bot_fields/{seg(field_id)}",
                          what=_("the bot field %(id)s", id=field_id))
        record = record_of(data)
        id_of(record, _("the bot field %(id)s", id=field_id))
        return field_from(record, with_value=True)

    def set_bot_field(self, field_id: str | int, value: str) -> str:
        """Write a bot field by id (POST form `value=`); returns the id."""
        field_id = bot_field_id(field_id)
        self._call("POST", f"/accounts/bot_fields/{seg(field_id)}", data={"value": value},
                   idempotent=True, what=_("the bot field %(id)s", id=field_id))
        return field_id

    # Contact custom fields -----------------------------------------------------------------

    def custom_fields(self) -> list[Field]:
        """Contact custom field definitions (GET /accounts/custom_fields)."""
        rows = self._list("GET", "/accounts/custom_fields", what=_("the custom fields"))
        return [field_from(r, with_value=False) for r in rows]

    def find_custom_field(self, name: str) -> Field | None:
        """The custom field called `name` (case, spaces and underscores ignored), or None."""
        wanted = field_name_key(name)
        return next((f for f in self.custom_fields() if field_name_key(f.name) == wanted), None)

    def create_custom_field(self, name: str, type: int = FieldType.TEXT) -> Field:
        """Create a contact custom field (POST /accounts/custom_fields, JSON {name, type})."""
        data = self._call("POST", "/accounts/custom_fields", json={"name": name, "type": int(type)},
                          what=_("the custom fields"))
        return Field(id=id_of(data, _("the custom field")), name=name, type=int(type))

    def ensure_custom_field(self, name: str, type: int = FieldType.TEXT) -> Field:
        """The custom field called `name`, created when the account lacks it."""
        return self.find_custom_field(name) or self.create_custom_field(name, type)

    # Contacts ------------------------------------------------------------------------------

    def find_contacts(self, field_id: str | int, value: str, *, region: str | None = None
                      ) -> list[Contact]:
        """Contacts whose field equals `value`, most recent first (at most 100).

        `field_id` is "phone", "email" or a custom field id; phones are sent in E.164.
        """
        if field_id == "phone":
            value = normalize_phone(value, region or self.default_region)
        elif field_id == "email":
            value = value.strip().lower()
        data = self._call("GET", "/contacts/find_by_custom_field",
                          params={"field_id": str(field_id), "value": value},
                          what=_("the contacts"))
        rows = data.get("data") if isinstance(data, dict) else data
        return [contact_from(r) for r in rows or [] if isinstance(r, dict) and "id" in r]

    def find_contact(self, phone: str | None = None, email: str | None = None, *,
                     region: str | None = None) -> Contact | None:
        """The most recent contact with this phone (tried first) or email, or None."""
        for field_id, value in (("phone", phone), ("email", email)):
            if value and value.strip():
                found = self.find_contacts(field_id, value, region=region)
                if found:
                    return found[0]
        return None

    def contact(self, contact_id: str | int) -> Contact:
        """One contact with its tags and custom fields (GET /contacts/{id})."""
        what = _("the contact %(id)s", id=contact_id)
        record = record_of(self._call("GET", f"/contacts/{seg(contact_id)}", what=what))
        id_of(record, what)
        return contact_from(record)

    def create_contact(self, phone: str | None = None, email: str | None = None,
                       first_name: str = "", last_name: str = "", *,
                       actions: Iterable[ContactAction] = (), region: str | None = None) -> Contact:
        """Create a contact (POST /contacts, JSON) and run `actions` on it; not retried."""
        body = self._contact_body(phone, email, first_name, last_name, region)
        body["actions"] = [a.payload for a in actions]
        data = self._call("POST", "/contacts", json=body, what=_("the contacts"))
        record = record_of(data) if isinstance(data, dict) else {}
        if record.get("id") is not None:
            return contact_from({**body, **record})
        found = self.find_contact(body.get("phone"), body.get("email"))
        if found is None:
            raise EcomdropError(_("Ecomdrop did not confirm the new contact; try again."))
        return found

    def find_or_create_contact(self, phone: str | None = None, email: str | None = None,
                               first_name: str = "", last_name: str = "", *,
                               region: str | None = None) -> tuple[Contact, bool]:
        """The existing contact for this phone/email, or a new one; True when it was created."""
        body = self._contact_body(phone, email, first_name, last_name, region)
        existing = self.find_contact(body.get("phone"), body.get("email"))
        if existing is not None:
            return existing, False
        created = self.create_contact(body.get("phone"), body.get("email"), first_name, last_name)
        return created, True

    def set_contact_field(self, contact_id: str | int, field_id: str | int, value: Any) -> None:
        """Set one custom field of a contact (POST form `value=`)."""
        self._call("POST", f"/contacts/{seg(contact_id)}/custom_fields/{seg(field_id)}",
                   data={"value": "" if value is None else str(value)}, idempotent=True,
                   what=_("the contact %(contact)s or custom field %(field)s",
                          contact=contact_id, field=field_id))

    def add_tag(self, contact_id: str | int, tag_id: str | int) -> None:
        """Add a tag to a contact (POST /contacts/{id}/tags/{tag_id})."""
        self._call("POST", f"/contacts/{seg(contact_id)}/tags/{seg(tag_id)}", idempotent=True,
                   what=_("the contact %(contact)s or tag %(tag)s", contact=contact_id,
                          tag=tag_id))

    def send_flow(self, contact_id: str | int, flow_id: str | int) -> None:
        """Run a flow for a contact (POST /contacts/{id}/send/{flow_id}); never retried on 5xx,
        since a repeat would message the customer twice."""
        self._call("POST", f"/contacts/{seg(contact_id)}/send/{seg(flow_id)}",
                   what=_("the contact %(contact)s or flow %(flow)s", contact=contact_id,
                          flow=flow_id))

    def send_text(self, contact_id: str | int, text: str, channel: str = WHATSAPP) -> None:
        """Send a text message to a contact (POST /contacts/{id}/send/text, JSON {text,
        channel}); never retried on 5xx, since a repeat would send it twice. WhatsApp only
        delivers free text to someone who wrote in the last 24 hours."""
        self._call("POST", f"/contacts/{seg(contact_id)}/send/text",
                   json={"text": text, "channel": channel},
                   what=_("the contact %(contact)s", contact=contact_id))

    def _contact_body(self, phone, email, first_name, last_name, region) -> dict:
        if not (phone or "").strip() and not (email or "").strip():
            raise EcomdropError(_("A contact needs a phone number or an email address."))
        body: dict[str, Any] = {"first_name": first_name or "", "last_name": last_name or ""}
        if (phone or "").strip():
            body["phone"] = normalize_phone(phone, region or self.default_region)
        if (email or "").strip():
            body["email"] = email.strip().lower()
        return body
