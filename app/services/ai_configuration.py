"""The shop's AI agent: persona, company knowledge, FAQs, behaviour rules and who is alerted.

`agent_settings_from_form` turns submitted fields into an `AgentSettings` exactly as typed;
`save_agent_settings` validates and stores it, or raises `AgentSettingsInvalid` carrying the
same values and a message per field, so a form can be shown again with nothing lost.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import zip_longest

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AgentProfileVersion, AIConfiguration, Shop, ShopConfiguration

log = logging.getLogger(__name__)

NOTIFICATION_TYPES: dict[str, str] = {
    "purchase_confirmation": _l("Purchase confirmation"),
    "cancellation": _l("Cancellation"),
    "data_change": _l("Change of delivery details"),
    "repeat_purchase": _l("Another purchase"),
    "advisor_request": _l("Request for a human advisor"),
    "payment_receipt": _l("Payment receipt"),
    "warranty": _l("Warranty claim"),
    "agent_error": _l("AI agent error"),
}
FAQ_LISTS = ("faq_pre_sale", "faq_post_sale")
TEXT_LIMITS = {
    "agent_name": 255,
    "company_name": 255,
    "company_description": 5000,
    "payment_methods": 2000,
    "policies": 10000,
    "behavior_rules": 5000,
}
REQUIRED_TEXTS = ("agent_name", "company_name")
QUESTION_MAX, ANSWER_MAX, FAQ_MAX_ROWS, CONTACT_NAME_MAX = 500, 2000, 50, 120
DEFAULT_PHONE_REGION = "CO"


@dataclass
class FaqEntry:
    question: str = ""
    answer: str = ""

    @property
    def blank(self) -> bool:
        return not self.question and not self.answer


@dataclass
class NotificationContact:
    name: str = ""
    phone: str = ""


@dataclass
class AgentSettings:
    agent_name: str = ""
    company_name: str = ""
    company_description: str = ""
    payment_methods: str = ""
    policies: str = ""
    behavior_rules: str = ""
    faq_pre_sale: list[FaqEntry] = field(default_factory=list)
    faq_post_sale: list[FaqEntry] = field(default_factory=list)
    notifications: dict[str, NotificationContact] = field(default_factory=dict)

    def contact(self, kind: str) -> NotificationContact:
        return self.notifications.get(kind) or NotificationContact()


class AgentSettingsInvalid(ValueError):
    """The submitted settings, as typed, and a merchant-readable message per field key."""

    def __init__(self, settings: AgentSettings, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} field(s) need attention")
        self.settings = settings
        self.errors = errors


def _find(shop: Shop) -> AIConfiguration | None:
    return db.session.scalar(select(AIConfiguration).where(AIConfiguration.shop_id == shop.id))


def load_agent_settings(shop: Shop) -> AgentSettings:
    """The shop's saved settings; a shop that saved none starts with its own name as company."""
    row = _find(shop)
    if row is None:
        return AgentSettings(company_name=shop.name or "")
    stored_contacts = row.notification_settings or {}
    return AgentSettings(
        **{name: getattr(row, name) or "" for name in TEXT_LIMITS},
        faq_pre_sale=[_faq_from_json(item) for item in row.faq_pre_sale or []],
        faq_post_sale=[_faq_from_json(item) for item in row.faq_post_sale or []],
        notifications=_contacts_from_json(stored_contacts),
    )


def _contacts_from_json(stored: dict) -> dict[str, NotificationContact]:
    return {
        kind: NotificationContact(name=str(value.get("name", "")),
                                  phone=str(value.get("phone", "")))
        for kind, value in stored.items()
        if kind in NOTIFICATION_TYPES and isinstance(value, dict)
    }


def _faq_from_json(item) -> FaqEntry:
    if not isinstance(item, dict):
        return FaqEntry()
    return FaqEntry(question=str(item.get("question", "")), answer=str(item.get("answer", "")))


def agent_settings_from_form(form: Mapping[str, Sequence[str]]) -> AgentSettings:
    """Read submitted fields (name -> list of values) into settings, trimmed, nothing dropped."""

    def first(name: str) -> str:
        values = form.get(name) or [""]
        return str(values[0]).strip()

    def faq_rows(prefix: str) -> list[FaqEntry]:
        questions = form.get(f"{prefix}-question") or []
        answers = form.get(f"{prefix}-answer") or []
        pairs = zip_longest(questions, answers, fillvalue="")
        return [FaqEntry(question=str(q).strip(), answer=str(a).strip()) for q, a in pairs]

    contacts = {
        kind: NotificationContact(name=first(f"notification-{kind}-name"),
                                  phone=first(f"notification-{kind}-phone"))
        for kind in NOTIFICATION_TYPES
    }
    return AgentSettings(
        **{name: first(name) for name in TEXT_LIMITS},
        faq_pre_sale=faq_rows("faq_pre_sale"),
        faq_post_sale=faq_rows("faq_post_sale"),
        notifications={kind: c for kind, c in contacts.items() if c.name or c.phone},
    )


def validate_agent_settings(settings: AgentSettings, *, phone_region: str = DEFAULT_PHONE_REGION
                            ) -> tuple[AgentSettings, dict[str, str]]:
    """Errors per field key, and the settings as they would be stored (blank FAQ rows dropped,
    phones in E.164)."""
    errors: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        value = getattr(settings, name)
        if name in REQUIRED_TEXTS and not value:
            errors[name] = _l("This field is required.")
        elif len(value) > limit:
            errors[name] = _l("Use at most %(max)d characters.", max=limit)
    for name in FAQ_LISTS:
        errors.update(_faq_errors(name, getattr(settings, name)))
    contacts: dict[str, NotificationContact] = {}
    for kind, contact in settings.notifications.items():
        problem, phone = _contact_problem(contact, phone_region)
        if problem:
            errors[f"notification-{kind}"] = problem
        contacts[kind] = NotificationContact(name=contact.name, phone=phone)
    cleaned = AgentSettings(
        **{name: getattr(settings, name) for name in TEXT_LIMITS},
        faq_pre_sale=[row for row in settings.faq_pre_sale if not row.blank],
        faq_post_sale=[row for row in settings.faq_post_sale if not row.blank],
        notifications=contacts,
    )
    return cleaned, errors


def _faq_errors(name: str, rows: list[FaqEntry]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if sum(not row.blank for row in rows) > FAQ_MAX_ROWS:
        errors[name] = _l("Keep at most %(max)d questions.", max=FAQ_MAX_ROWS)
    for index, row in enumerate(rows):
        key = f"{name}-{index}"
        if row.blank:
            continue
        if not row.question or not row.answer:
            errors[key] = _l("Write both the question and its answer, or remove the row.")
        elif len(row.question) > QUESTION_MAX or len(row.answer) > ANSWER_MAX:
            errors[key] = _l("Questions take at most %(question)d characters and answers "
                             "%(answer)d.", question=QUESTION_MAX, answer=ANSWER_MAX)
    return errors


def _contact_problem(contact: NotificationContact, region: str) -> tuple[str | None, str]:
    """A message when the contact is incomplete or its phone is not valid; the phone in E.164."""
    if not contact.name:
        return _l("Write who receives this alert."), contact.phone
    if len(contact.name) > CONTACT_NAME_MAX:
        problem = _l("Use at most %(max)d characters for the name.", max=CONTACT_NAME_MAX)
        return problem, contact.phone
    if not contact.phone:
        return _l("Write the WhatsApp number that receives this alert."), contact.phone
    try:
        number = phonenumbers.parse(contact.phone, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return _l("This is not a valid phone number. Include the country code, for example "
                  "+57 300 123 4567."), contact.phone
    return None, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(shop: Shop) -> str:
    """Numbers typed without a country code are read as from the shop's Dropi country."""
    country = db.session.scalar(
        select(ShopConfiguration.dropi_country).where(ShopConfiguration.shop_id == shop.id)
    )
    country = (country or "").upper()
    return country if country in phonenumbers.SUPPORTED_REGIONS else DEFAULT_PHONE_REGION


def save_agent_settings(shop: Shop, settings: AgentSettings, *,
                        restored_from: int | None = None) -> AgentSettings:
    """Validate and store the shop's settings, keeping a new version when they changed;
    raises AgentSettingsInvalid with what was typed."""
    cleaned, errors = validate_agent_settings(settings, phone_region=phone_region(shop))
    if errors:
        raise AgentSettingsInvalid(settings, errors)
    try:
        _store(shop, cleaned, restored_from)
    except IntegrityError:
        # Two saves raced (to create the row or to number a version): store again on top.
        db.session.rollback()
        _store(shop, cleaned, restored_from)
    log.info("AI agent settings saved for shop %s", shop.domain)
    return cleaned


def settings_snapshot(settings: AgentSettings) -> dict:
    """The settings as plain JSON, as a version keeps them."""
    return asdict(settings)


def settings_from_snapshot(snapshot: dict) -> AgentSettings:
    """Settings from a version's JSON (unknown keys and alert types are ignored)."""
    contacts = snapshot.get("notifications") or {}
    return AgentSettings(
        **{name: str(snapshot.get(name) or "") for name in TEXT_LIMITS},
        faq_pre_sale=[_faq_from_json(item) for item in snapshot.get("faq_pre_sale") or []],
        faq_post_sale=[_faq_from_json(item) for item in snapshot.get("faq_post_sale") or []],
        notifications=_contacts_from_json(contacts),
    )


def _record_version(shop: Shop, settings: AgentSettings, restored_from: int | None) -> None:
    """Add version n+1 unless the settings equal the latest version's."""
    latest = db.session.scalar(
        select(AgentProfileVersion).where(AgentProfileVersion.shop_id == shop.id)
        .order_by(AgentProfileVersion.number.desc()).limit(1))
    snapshot = settings_snapshot(settings)
    if latest is not None and latest.settings == snapshot:
        return
    number = (db.session.scalar(select(func.max(AgentProfileVersion.number))
                                .where(AgentProfileVersion.shop_id == shop.id)) or 0) + 1
    db.session.add(AgentProfileVersion(shop_id=shop.id, number=number, settings=snapshot,
                                       restored_from=restored_from))


def _store(shop: Shop, settings: AgentSettings, restored_from: int | None = None) -> None:
    row = _find(shop)
    if row is None:
        row = AIConfiguration(shop_id=shop.id)
        db.session.add(row)
    for name in TEXT_LIMITS:
        setattr(row, name, getattr(settings, name) or None)
    row.faq_pre_sale = [asdict(entry) for entry in settings.faq_pre_sale]
    row.faq_post_sale = [asdict(entry) for entry in settings.faq_post_sale]
    stored = row.notification_settings or {}
    kept = {kind: value for kind, value in stored.items() if kind not in NOTIFICATION_TYPES}
    row.notification_settings = kept | {
        kind: asdict(contact) for kind, contact in settings.notifications.items()
    }
    _record_version(shop, settings, restored_from)
    db.session.commit()
