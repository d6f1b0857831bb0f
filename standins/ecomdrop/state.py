"""In-memory Ecomdrop accounts for the stand-in: flows, bot fields, custom fields, tags,
contacts and the flows sent to them. Thread-safe; every method raises `ApiError` with the
status and message the HTTP layer returns."""
from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from standins.ecomdrop import external_requests

DROPI_COUNTRIES = ("CO", "EC", "CL", "GT", "MX", "PA", "PE", "PY")
DEFAULT_FLOWS = ("Nuevo pedido", "Carrito abandonado", "Confirmación de envío",
                 "Novedad de entrega")
# The bot field ids Ecomdrop's flow templates read the Dropi token from, per Dropi country
# (dropi-integration-facts §6): every account starts with them, at these ids.
DROPI_TOKEN_FIELD_IDS = {"CO": 640597, "EC": 805359, "CL": 665134, "GT": 747995, "MX": 641097,
                         "PA": 742965, "PE": 142979, "PY": 240677}
DEFAULT_BOT_FIELDS = tuple({"id": DROPI_TOKEN_FIELD_IDS[country],
                            "name": f"DROPI TOKEN {country}"} for country in DROPI_COUNTRIES)
DEFAULT_CUSTOM_FIELDS = ("order_number", "order_total", "order_items", "checkout_url")
DEFAULT_TAGS = ("shopify",)
MAX_FOUND = 100
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# WhatsApp delivers free text only within 24 hours of the person's last message (Meta's
# customer service window); outside it only template messages, which flows send, go out.
SERVICE_WINDOW_SECONDS = 24 * 3600
# Meta's Cloud API caps a text message body at 4096 characters.
TEXT_MAX = 4096
WHATSAPP_CHANNELS = ("whatsapp", "5", 5)
PRIVATE_CONTACT_KEYS = ("tag_ids", "fields", "touch", "last_inbound")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class AccountState:
    api_key: str
    page_id: int
    name: str
    created: int
    flows: dict[int, dict] = field(default_factory=dict)
    bot_fields: dict[int, dict] = field(default_factory=dict)
    custom_fields: dict[int, dict] = field(default_factory=dict)
    tags: dict[int, dict] = field(default_factory=dict)
    contacts: dict[int, dict] = field(default_factory=dict)
    flow_runs: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _named(spec: str | dict, default_type: int = 0) -> tuple[str, int, object, int | None]:
    """(name, type, value, fixed id or None) of a field given by name or as a dict."""
    if isinstance(spec, dict):
        fixed = int(spec["id"]) if spec.get("id") is not None else None
        return (str(spec["name"]), int(spec.get("type") or default_type), spec.get("value"),
                fixed)
    return str(spec), default_type, None, None


def _by_name(rows: dict[int, dict], name: str) -> dict | None:
    wanted = (name or "").strip().casefold()
    return next((r for r in rows.values() if r["name"].casefold() == wanted), None)


class EcomdropStore:
    """Every account of the stand-in, keyed by API key."""

    def __init__(self, first_id: int = 640_000) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(first_id + 1)
        self._touch = itertools.count(1)
        self._accounts: dict[str, AccountState] = {}

    def next_id(self) -> int:
        return next(self._ids)

    def create_account(self, api_key: str, name: str | None = None, *, flows=None,
                       bot_fields=None, custom_fields=None, tags=None) -> AccountState:
        """A new account; lists left out get the defaults (three flows, Dropi token fields)."""
        if not (api_key or "").strip():
            raise ApiError(400, "api_key is required")
        with self.lock:
            if api_key in self._accounts:
                raise ApiError(409, "an account with this api_key exists")
            account = AccountState(api_key, self.next_id(), name or "Ecomdrop account",
                                   int(time.time()))
            for flow in DEFAULT_FLOWS if flows is None else flows:
                fid = self.next_id()
                account.flows[fid] = {"id": fid, "name": _named(flow)[0]}
            for spec in DEFAULT_BOT_FIELDS if bot_fields is None else bot_fields:
                self._add_field(account.bot_fields, *_named(spec))
            for spec in DEFAULT_CUSTOM_FIELDS if custom_fields is None else custom_fields:
                self._add_field(account.custom_fields, *_named(spec)[:2])
            for tag in DEFAULT_TAGS if tags is None else tags:
                tid = self.next_id()
                account.tags[tid] = {"id": tid, "name": _named(tag)[0]}
            self._accounts[api_key] = account
            return account

    def _add_field(self, rows: dict[int, dict], name: str, type_: int, value=None,
                   fixed_id: int | None = None) -> dict:
        fid = fixed_id
        while fid is None or fid in rows:
            fid = self.next_id()
        rows[fid] = {"id": fid, "name": name, "type": type_, "value": value}
        return rows[fid]

    def account_for_key(self, api_key: str | None) -> AccountState | None:
        with self.lock:
            return self._accounts.get(api_key or "")

    def accounts(self) -> list[AccountState]:
        with self.lock:
            return list(self._accounts.values())

    # Account-level resources ---------------------------------------------------------------

    def create_tag(self, account: AccountState, name: str) -> dict:
        if not (name or "").strip():
            raise ApiError(400, "name is required")
        with self.lock:
            existing = _by_name(account.tags, name)
            if existing:
                return existing
            tid = self.next_id()
            account.tags[tid] = {"id": tid, "name": name.strip()}
            return account.tags[tid]

    def create_custom_field(self, account: AccountState, name: str, type_) -> dict:
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "name is required")
        if not isinstance(type_, int):
            raise ApiError(400, "type must be an integer")
        with self.lock:
            if _by_name(account.custom_fields, name):
                raise ApiError(400, f"a custom field named {name!r} exists")
            return self._add_field(account.custom_fields, name.strip(), type_)

    def get(self, rows: dict[int, dict], item_id: int, what: str) -> dict:
        with self.lock:
            if item_id not in rows:
                raise ApiError(404, f"{what} not found")
            return rows[item_id]

    def set_bot_field(self, account: AccountState, field_id: int, value: str | None) -> None:
        with self.lock:
            self.get(account.bot_fields, field_id, "bot field")["value"] = value

    # Contacts ------------------------------------------------------------------------------

    def render_contact(self, account: AccountState, contact: dict) -> dict:
        with self.lock:
            tags = [account.tags[t] for t in contact["tag_ids"] if t in account.tags]
            fields = [{"id": f["id"], "name": f["name"], "type": f["type"],
                       "value": contact["fields"][f["id"]]}
                      for f in account.custom_fields.values() if f["id"] in contact["fields"]]
            public = {k: v for k, v in contact.items() if k not in PRIVATE_CONTACT_KEYS}
            return {**public, "tags": [dict(t) for t in tags], "custom_fields": fields}

    def find_contacts(self, account: AccountState, field_id: str, value: str) -> list[dict]:
        if not field_id or value is None or value == "":
            raise ApiError(400, "field_id and value are required")
        with self.lock:
            match = self._matcher(account, field_id, value)
            found = [c for c in account.contacts.values() if match(c)]
            found.sort(key=lambda c: c["touch"], reverse=True)
            return [self.render_contact(account, c) for c in found[:MAX_FOUND]]

    def _matcher(self, account: AccountState, field_id: str, value: str):
        if field_id == "phone":
            return lambda c: bool(_digits(value)) and _digits(c["phone"]) == _digits(value)
        if field_id == "email":
            return lambda c: (c["email"] or "").casefold() == value.strip().casefold()
        if not field_id.lstrip("-").isdigit() or int(field_id) not in account.custom_fields:
            raise ApiError(400, f"unknown field_id {field_id!r}")
        return lambda c: str(c["fields"].get(int(field_id), "")) == value

    def create_contact(self, account: AccountState, body: dict) -> dict:
        """Create (or, for a known phone, update) a contact and run its actions."""
        phone, email = body.get("phone"), body.get("email")
        if not phone and not email:
            raise ApiError(400, "phone or email is required")
        if phone and not E164.match(str(phone)):
            raise ApiError(400, "phone must be in international format (+ country code)")
        actions = body.get("actions") or []
        with self.lock:
            planned = [self._plan_action(account, a) for a in actions]
            contact = self._existing(account, phone) or self._new_contact(account, body)
            for key in ("first_name", "last_name", "email", "gender"):
                if body.get(key):
                    contact[key] = body[key]
            for apply in planned:
                apply(contact)
            self._touched(contact)
            return contact

    def _existing(self, account: AccountState, phone: str | None) -> dict | None:
        digits = _digits(phone)
        return next((c for c in account.contacts.values()
                     if digits and _digits(c["phone"]) == digits), None)

    def _new_contact(self, account: AccountState, body: dict) -> dict:
        cid = self.next_id()
        now = datetime.now(timezone.utc)
        account.contacts[cid] = {
            "id": cid, "page_id": account.page_id, "first_name": "", "last_name": "",
            "phone": body.get("phone"), "email": body.get("email"), "gender": None,
            "channel": 5, "subscribed": 1, "subscribed_date": now.strftime("%Y-%m-%d %H:%M:%S"),
            "last_interaction": int(now.timestamp()), "tag_ids": [], "fields": {}, "touch": 0,
            "last_inbound": None,  # created through the API: the person never wrote
        }
        return account.contacts[cid]

    def _touched(self, contact: dict) -> None:
        contact["touch"] = next(self._touch)

    def _plan_action(self, account: AccountState, action):
        """Check one POST /contacts action before anything changes; return how to apply it."""
        kind = action.get("action") if isinstance(action, dict) else None
        if kind == "add_tag" and str(action.get("tag_name") or "").strip():
            name = str(action["tag_name"])
            return lambda c: self.add_tag(c, self.create_tag(account, name)["id"])
        if kind == "set_field_value":
            found = _by_name(account.custom_fields, str(action.get("field_name") or ""))
            if not found:
                raise ApiError(400, f"custom field {action.get('field_name')!r} not found")
            return lambda c: self.set_contact_field(c, found["id"], action.get("value"))
        if kind == "send_flow":
            flow_id = action.get("flow_id")
            flow_id = int(flow_id) if str(flow_id).isdigit() else flow_id
            if flow_id not in account.flows:
                raise ApiError(400, f"flow {flow_id!r} not found")
            return lambda c: self.send_flow(account, c, flow_id)
        raise ApiError(400, f"invalid action {action!r}")

    def contact(self, account: AccountState, contact_id: int) -> dict:
        return self.get(account.contacts, contact_id, "contact")

    def set_contact_field(self, contact: dict, field_id: int, value) -> None:
        with self.lock:
            contact["fields"][field_id] = value
            self._touched(contact)

    def add_tag(self, contact: dict, tag_id: int) -> None:
        with self.lock:
            if tag_id not in contact["tag_ids"]:
                contact["tag_ids"].append(tag_id)

    def remove_tag(self, contact: dict, tag_id: int) -> None:
        with self.lock:
            if tag_id in contact["tag_ids"]:
                contact["tag_ids"].remove(tag_id)

    def send_flow(self, account: AccountState, contact: dict, flow_id: int) -> dict:
        """Record that a flow ran for a contact, with the field values it saw; a flow with an
        external request step sends it (see external_requests.py)."""
        with self.lock:
            flow = self.get(account.flows, flow_id, "flow")
            rendered = self.render_contact(account, contact)
            run = {"contact_id": contact["id"], "flow_id": flow_id, "flow_name": flow["name"],
                   "phone": contact["phone"],
                   "fields": {f["name"]: f["value"] for f in rendered["custom_fields"]},
                   "at": datetime.now(timezone.utc).isoformat()}
            account.flow_runs.append(run)
            step = flow.get("external_request")
        if step is not None:
            values = {"phone": contact["phone"] or "", "email": contact["email"] or "",
                      "first_name": contact["first_name"] or "", **{
                          k: "" if v is None else str(v) for k, v in run["fields"].items()}}
            external_requests.fire_later(step, values, run)
        return run

    def set_external_request(self, account: AccountState, flow_id: int, spec: dict | None
                             ) -> dict:
        """Give a flow an external request step (None removes it)."""
        with self.lock:
            flow = self.get(account.flows, flow_id, "flow")
            if spec is None:
                flow.pop("external_request", None)
            else:
                try:
                    flow["external_request"] = external_requests.check(spec)
                except ValueError as exc:
                    raise ApiError(400, str(exc)) from None
            return dict(flow)

    def send_text(self, account: AccountState, contact: dict, body: dict) -> dict:
        """Send free text on WhatsApp, refused outside the 24-hour window as WhatsApp does."""
        text, channel = body.get("text"), body.get("channel")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "text is required")
        if len(text) > TEXT_MAX:
            raise ApiError(400, f"text is longer than {TEXT_MAX} characters")
        if channel not in WHATSAPP_CHANNELS:
            raise ApiError(400, "channel must be whatsapp")
        with self.lock:
            last = contact.get("last_inbound")
            if last is None or time.time() - last > SERVICE_WINDOW_SECONDS:
                raise ApiError(400, "the contact has not written in the last 24 hours: "
                                    "WhatsApp only accepts a template message (send a flow)")
            message = {"contact_id": contact["id"], "phone": contact["phone"], "text": text,
                       "channel": "whatsapp", "at": datetime.now(timezone.utc).isoformat()}
            account.messages.append(message)
            return message

    def record_inbound(self, account: AccountState, phone: str) -> dict:
        """The person with this phone wrote to the account (opens the 24-hour window)."""
        if not phone or not E164.match(phone):
            raise ApiError(400, "phone must be in international format (+ country code)")
        with self.lock:
            contact = self._existing(account, phone) or self._new_contact(account,
                                                                          {"phone": phone})
            contact["last_inbound"] = time.time()
            contact["last_interaction"] = int(time.time())
            self._touched(contact)
            return contact

    def snapshot(self, account: AccountState) -> dict:
        """Everything an account holds, bot field values included (never its API key)."""
        with self.lock:
            return {
                "page_id": account.page_id, "name": account.name,
                "flows": [dict(f) for f in account.flows.values()],
                "bot_fields": [dict(f) for f in account.bot_fields.values()],
                "custom_fields": [dict(f) for f in account.custom_fields.values()],
                "tags": [dict(t) for t in account.tags.values()],
                "contacts": [self.render_contact(account, c) for c in account.contacts.values()],
                "flow_runs": [dict(r) for r in account.flow_runs],
                "messages": [dict(m) for m in account.messages],
            }
