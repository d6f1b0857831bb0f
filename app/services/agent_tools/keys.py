"""Agent keys: created and shown once, rotated and revoked by the store owner; hashed at rest."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import AGENT_MODES, AgentKey, Shop
from app.models.types import utcnow

KEY_PREFIX = "agk_"
MAX_LABEL = 100


class AgentKeyInvalid(ValueError):
    """The key form was filled in wrong; `errors` maps field -> message (already translated
    by the caller's gettext where shown)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `secret` is shown once and never stored."""

    key: AgentKey
    secret: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(shop: Shop, *, label: str, mode: str, user_id: int | None) -> IssuedKey:
    """Create a key of `mode` ("customer" or "staff") for `shop`."""
    label = (label or "").strip()
    errors = {}
    if not label:
        errors["label"] = "label_required"
    elif len(label) > MAX_LABEL:
        errors["label"] = "label_too_long"
    if mode not in AGENT_MODES:
        errors["mode"] = "mode_invalid"
    if errors:
        raise AgentKeyInvalid(errors)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = AgentKey(shop_id=shop.id, label=label, mode=mode, key_hash=hash_key(secret),
                   key_hint=f"{secret[:8]}…{secret[-4:]}", created_by_user_id=user_id)
    db.session.add(key)
    db.session.commit()
    return IssuedKey(key, secret)


def rotate_key(shop: Shop, key_id: int, *, user_id: int | None) -> IssuedKey:
    """Revoke key `key_id` and issue a new one with the same label and mode."""
    key = _active_key(shop, key_id)
    key.revoked_at = utcnow()
    return issue_key(shop, label=key.label, mode=key.mode, user_id=user_id)


def revoke_key(shop: Shop, key_id: int) -> AgentKey:
    key = _active_key(shop, key_id)
    key.revoked_at = utcnow()
    db.session.commit()
    return key


def active_keys(shop: Shop) -> list[AgentKey]:
    return list(db.session.scalars(
        select(AgentKey).where(AgentKey.shop_id == shop.id, AgentKey.revoked_at.is_(None))
        .order_by(AgentKey.created_at.desc(), AgentKey.id.desc())))


def authenticate_key(secret: str | None) -> AgentKey | None:
    """The active key whose hash matches `secret` (its shop still installed), else None."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = db.session.scalar(select(AgentKey).where(AgentKey.key_hash == hash_key(secret)))
    if key is None or key.revoked_at is not None:
        return None
    shop = db.session.get(Shop, key.shop_id)
    if shop is None or not shop.is_installed:
        return None
    return key


def touch_key(key: AgentKey) -> None:
    """Remember when the key was last used (at most once a minute, to spare writes)."""
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
        db.session.commit()


def _active_key(shop: Shop, key_id: int) -> AgentKey:
    key = db.session.scalar(select(AgentKey).where(AgentKey.id == key_id,
                                                   AgentKey.shop_id == shop.id,
                                                   AgentKey.revoked_at.is_(None)))
    if key is None:
        raise LookupError("no such active key")
    return key
