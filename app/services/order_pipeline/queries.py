"""Reading orders for the Orders page: a filtered, searched, cursor-paged list; one order with
its steps and timeline; whether anything is in flight (the page polls only then)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import OrderEvent, OrderRecord, OrderStep, Shop, StepName, StepState
from app.services.order_pipeline.actions import get_order

PAGE_SIZE = 25
MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer columns refuse larger values
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class OrderFilters:
    """step + state: orders whose `step` is in `state` (either may be None); attention: only
    orders needing the merchant; search: order name, customer, phone, email or Dropi id."""

    step: str | None = None
    state: str | None = None
    attention: bool = False
    search: str = ""


@dataclass(frozen=True)
class OrderListPage:
    orders: list[OrderRecord]
    # Pass as `cursor` for the next (older) page; None on the last page.
    next_cursor: int | None


@dataclass(frozen=True)
class OrderDetail:
    order: OrderRecord
    steps: list[OrderStep]
    events: list[OrderEvent]  # oldest first


def list_orders(shop: Shop, filters: OrderFilters = OrderFilters(), *,
                cursor: int | None = None, limit: int = PAGE_SIZE) -> OrderListPage:
    """The shop's orders, newest first, `limit` per page after `cursor` (an order id).
    Unknown step or state values are ignored rather than failing the page."""
    query = select(OrderRecord).where(OrderRecord.shop_id == shop.id)
    step_name = _member(StepName, filters.step)
    state = _member(StepState, filters.state)
    if step_name or state:
        conditions = [OrderStep.order_id == OrderRecord.id]
        if step_name:
            conditions.append(OrderStep.name == step_name)
        if state:
            conditions.append(OrderStep.state == state)
        query = query.where(select(OrderStep.id).where(*conditions).exists())
    if filters.attention:
        query = query.where(OrderRecord.needs_attention.is_(True))
    text = (filters.search or "").strip()[:MAX_SEARCH_LENGTH]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        matches = [OrderRecord.name.ilike(like), OrderRecord.first_name.ilike(like),
                   OrderRecord.last_name.ilike(like), OrderRecord.phone.ilike(like),
                   OrderRecord.email.ilike(like), OrderRecord.shopify_order_id == text]
        if text.isdigit() and int(text) <= MAX_INTEGER:  # a longer number is a phone
            matches.append(OrderRecord.dropi_order_id == int(text))
        query = query.where(or_(*matches))
    if cursor is not None:
        query = query.where(OrderRecord.id < int(cursor))
    # The page shows every order's steps: load them in one query, not one per order.
    query = query.options(selectinload(OrderRecord.steps))
    rows = list(db.session.execute(query.order_by(OrderRecord.id.desc()).limit(limit + 1))
                .scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return OrderListPage(rows, rows[-1].id if more and rows else None)


def _member(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def order_detail(shop: Shop, order_id: int) -> OrderDetail:
    """One order with its steps and its timeline (OrderActionRefused when not the shop's)."""
    order = get_order(shop, order_id)
    events = list(db.session.execute(select(OrderEvent).where(
        OrderEvent.shop_id == shop.id, OrderEvent.order_id == order.id)
        .order_by(OrderEvent.at, OrderEvent.id)).scalars())
    return OrderDetail(order, list(order.steps), events)


def step_state_counts() -> dict[tuple[str, str], int]:
    """Steps of every shop's orders by (step, state): what the pipeline holds right now."""
    rows = db.session.execute(
        select(OrderStep.name, OrderStep.state, func.count()).group_by(OrderStep.name,
                                                                      OrderStep.state))
    return {(name.value, state.value): count for name, state, count in rows}
