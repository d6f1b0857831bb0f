"""The shop's choices about what the agent may do beyond reading."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AgentToolSettings, Shop


def tool_settings(shop: Shop) -> AgentToolSettings:
    """The shop's settings (defaults, unsaved, when it never chose)."""
    found = db.session.scalar(select(AgentToolSettings).where(AgentToolSettings.shop_id == shop.id))
    return found or AgentToolSettings(shop_id=shop.id, customers_may_cancel=False)


def save_tool_settings(shop: Shop, *, customers_may_cancel: bool) -> AgentToolSettings:
    settings = tool_settings(shop)
    settings.customers_may_cancel = bool(customers_may_cancel)
    db.session.add(settings)
    db.session.commit()
    return settings
