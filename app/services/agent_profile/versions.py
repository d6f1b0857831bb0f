"""Saved versions of the agent profile: every save that changes something keeps one
(app.services.ai_configuration records it in the same transaction); a merchant can look at an
earlier one and restore it, which saves it again as the newest version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AgentProfileVersion, Shop
from app.services.ai_configuration import (
    AgentSettings,
    save_agent_settings,
    settings_from_snapshot,
)

VERSIONS_SHOWN = 20
FIELD_LABELS = {
    "agent_name": _l("Agent name"),
    "company_name": _l("Company name"),
    "company_description": _l("Company description"),
    "payment_methods": _l("Payment methods"),
    "policies": _l("Store policies"),
    "behavior_rules": _l("Behaviour rules"),
    "faq_pre_sale": _l("Pre-sale questions"),
    "faq_post_sale": _l("Post-sale questions"),
    "notifications": _l("Alerts"),
}


class VersionNotFound(LookupError):
    """The shop has no version with that number."""


@dataclass(frozen=True)
class VersionSummary:
    number: int
    created_at: datetime
    restored_from: int | None
    agent_name: str
    changed: list[str]  # labels of what differs from the version before it (none for the first)
    current: bool


def list_versions(shop: Shop, limit: int = VERSIONS_SHOWN) -> list[VersionSummary]:
    """The newest versions first, each with what changed since the one before it."""
    rows = db.session.scalars(
        select(AgentProfileVersion).where(AgentProfileVersion.shop_id == shop.id)
        .order_by(AgentProfileVersion.number.desc()).limit(limit + 1)).all()
    summaries = []
    for index, row in enumerate(rows[:limit]):
        before = rows[index + 1].settings if index + 1 < len(rows) else None
        changed = [] if before is None else [  # the first version changed nothing
            str(label) for key, label in FIELD_LABELS.items()
            if (row.settings or {}).get(key) != before.get(key)]
        summaries.append(VersionSummary(
            number=row.number, created_at=row.created_at, restored_from=row.restored_from,
            agent_name=str((row.settings or {}).get("agent_name") or ""),
            changed=changed, current=index == 0))
    return summaries


def version_settings(shop: Shop, number: int) -> AgentSettings:
    """The settings kept in version `number` of this shop; VersionNotFound otherwise."""
    row = db.session.scalar(select(AgentProfileVersion).where(
        AgentProfileVersion.shop_id == shop.id, AgentProfileVersion.number == number))
    if row is None:
        raise VersionNotFound(number)
    return settings_from_snapshot(row.settings or {})


def restore_version(shop: Shop, number: int) -> AgentSettings:
    """Save version `number` again as the shop's settings (a new version when it differs from
    the current one); raises VersionNotFound, or AgentSettingsInvalid when it no longer
    passes today's checks."""
    return save_agent_settings(shop, version_settings(shop, number), restored_from=number)
