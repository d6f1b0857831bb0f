"""The audit log of agent tool calls: personal data masked before it is stored."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import AgentCall, Shop

PERSONAL_KEYS = {"email", "phone", "customeremail", "customerphone", "firstname", "lastname",
                 "address1", "address2", "zip", "name", "trackingnumber", "staffnote", "note"}
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
SUMMARY_LIMIT = 500
PAGE_SIZE = 50


def mask_text(text: str) -> str:
    """Emails keep their first letter and domain, phone numbers their last four digits."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group(0))[-4:], text)


def mask_value(key: str, value):
    if isinstance(value, dict):
        return {k: mask_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, item) for item in value]
    if isinstance(value, str):
        if key.lower() in PERSONAL_KEYS and key.lower() != "name":
            return mask_text(value) if ("@" in value or _PHONE.search(value)) else "***"
        if key == "confirmationToken":
            return value[:6] + "…"
        return mask_text(value)
    return value


def mask_arguments(arguments: dict) -> dict:
    return {key: mask_value(key, value) for key, value in (arguments or {}).items()}


def record_call(shop: Shop, *, key_id, key_hint, mode, transport, tool, arguments, outcome,
                http_status, summary, shopify_cost, duration_ms) -> AgentCall:
    """Store one call (arguments masked here) and commit."""
    call = AgentCall(shop_id=shop.id, key_id=key_id, key_hint=key_hint, mode=mode,
                     transport=transport, tool=tool[:64], arguments=mask_arguments(arguments),
                     outcome=outcome, http_status=http_status,
                     summary=mask_text(summary)[:SUMMARY_LIMIT] if summary else None,
                     shopify_cost=int(shopify_cost or 0), duration_ms=int(duration_ms))
    db.session.add(call)
    db.session.commit()
    return call


@dataclass(frozen=True)
class AuditFilters:
    tool: str | None = None
    mode: str | None = None
    outcome: str | None = None
    key_id: int | None = None
    since: datetime | None = None


def audit_page(shop: Shop, filters: AuditFilters, page: int = 1
               ) -> tuple[list[AgentCall], int, int]:
    """One page of the shop's calls, newest first, the total matching the filters, and the page
    number shown (a page past the last one shows the last one)."""
    query = select(AgentCall).where(AgentCall.shop_id == shop.id)
    if filters.tool:
        query = query.where(AgentCall.tool == filters.tool)
    if filters.mode:
        query = query.where(AgentCall.mode == filters.mode)
    if filters.outcome:
        query = query.where(AgentCall.outcome == filters.outcome)
    if filters.key_id:
        query = query.where(AgentCall.key_id == filters.key_id)
    if filters.since:
        query = query.where(AgentCall.created_at >= filters.since)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // PAGE_SIZE)))
    rows = db.session.scalars(query.order_by(AgentCall.created_at.desc(), AgentCall.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), total, page
