"""The language background work writes in for a shop: the one its staff last opened the app in
(Spanish, the app's default, when nobody has yet)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.i18n import DEFAULT_LOCALE, normalize_locale
from app.models import Session, Shop


def merchant_locale(shop: Shop) -> str:
    last = db.session.scalar(select(Session.locale)
                             .where(Session.shop_id == shop.id, Session.locale.is_not(None))
                             .order_by(Session.updated_at.desc()).limit(1))
    return normalize_locale(last) or DEFAULT_LOCALE
