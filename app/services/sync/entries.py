"""Log entries written outside a run: what a webhook did to an entity, for the Sync page."""
from __future__ import annotations

from app.extensions import db
from app.models.sync import OUTCOMES, SyncLogEntry
from app.services.sync.context import LABEL_LENGTH


def record_entry(shop_id: int, option: str, entity_type: str, entity_id, label: str,
                 outcome: str, reason: str | None = None) -> SyncLogEntry:
    """Add a log entry to the session (the caller commits with its own work)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown sync outcome {outcome!r}")
    entry = SyncLogEntry(shop_id=shop_id, run_id=None, option=option, entity_type=entity_type,
                         entity_id=str(entity_id), label=(label or str(entity_id))[:LABEL_LENGTH],
                         outcome=outcome, reason=reason)
    db.session.add(entry)
    return entry
