"""Finding the Dropi orders placed outside the Shopify integration: the shop's Dropi orders by
creation date, read incrementally like the shipment poll (from the day before the last complete
scan, oldest id first, pages of 100, a scan cut short by the page cap going on from where it
stopped), minus every order the connector itself knows: one of our OrderRecords has its Dropi id
or its shop_order_id. Cancelled ones are left alone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.clients.dropi import DropiClient, DropiOrder
from app.extensions import db
from app.models import IMPORT_SENDING, DropiOrderImport, DropiOrderScan, OrderRecord, Shop
from app.models.types import utcnow

OVERLAP = timedelta(days=1)  # Dropi filters by date, not time
FIRST_SCAN = timedelta(days=1)  # a shop's first scan reads the orders of the last day or two
MAX_PAGES = 20
CANCELLED = frozenset({"CANCELADO", "ANULADA"})


@dataclass
class Scan:
    """One pass over a shop's new Dropi orders; `finish()` moves the cursor once they are all
    handled (a run stopped before that reads them again next time; creation is idempotent)."""

    shop_id: int
    started_at: datetime
    orders: list[DropiOrder]
    seen: int  # orders Dropi listed
    requests: int
    complete: bool
    next_start: int
    date_from: str

    def finish(self) -> None:
        row = scan_row(self.shop_id)
        if self.complete:
            row.last_started_at, row.resume_start, row.resume_from = self.started_at, 0, None
        else:
            row.resume_start, row.resume_from = self.next_start, self.date_from
        db.session.commit()


def scan_row(shop_id: int) -> DropiOrderScan:
    query = select(DropiOrderScan).where(DropiOrderScan.shop_id == shop_id)
    row = db.session.scalar(query)
    if row is None:
        db.session.add(DropiOrderScan(shop_id=shop_id, resume_start=0))
        try:
            db.session.commit()
        except IntegrityError:  # made by another worker at the same moment
            db.session.rollback()
        row = db.session.scalar(query)
    return row


def new_dropi_orders(shop: Shop, dropi: DropiClient, *, now: datetime | None = None,
                     max_pages: int = MAX_PAGES) -> Scan:
    """The shop's Dropi orders created since the last scan that did not come from us."""
    now = now or utcnow()
    row = scan_row(shop.id)
    since = row.last_started_at or now - FIRST_SCAN
    date_from = row.resume_from or (since - OVERLAP).date().isoformat()
    date_until = now.date().isoformat()
    start, requests, found, complete = row.resume_start or 0, 0, [], True
    while True:
        page = dropi.created_orders(date_from, date_until, start=start)
        requests += 1
        found += page.items
        start += page.page_size
        if start >= page.total or not page.items:
            break
        if requests >= max_pages:
            complete = False
            break
    return Scan(shop.id, now, not_ours(shop.id, found), len(found), requests, complete, start,
                date_from)


def not_ours(shop_id: int, orders: list[DropiOrder]) -> list[DropiOrder]:
    """The orders no OrderRecord of the shop accounts for (by Dropi id or shop_order_id), not
    created or refused by an earlier run, not cancelled; each once, oldest first."""
    unique = {order.id: order for order in orders}
    if not unique:
        return []
    ids = list(unique)
    shop_order_ids = [o.shop_order_id for o in unique.values() if o.shop_order_id]
    known = db.session.execute(select(OrderRecord.dropi_order_id, OrderRecord.shopify_order_id)
                               .where(OrderRecord.shop_id == shop_id,
                                      or_(OrderRecord.dropi_order_id.in_(ids),
                                          OrderRecord.shopify_order_id.in_(shop_order_ids))))
    known_ids, known_refs = set(), set()
    for dropi_id, shopify_id in known:
        known_ids.add(dropi_id)
        known_refs.add(shopify_id)
    imported = dict(db.session.execute(
        select(DropiOrderImport.dropi_order_id, DropiOrderImport.state)
        .where(DropiOrderImport.shop_id == shop_id,
               DropiOrderImport.dropi_order_id.in_(ids))).all())
    chosen = []
    for order in sorted(unique.values(), key=lambda o: o.id):
        if imported.get(order.id) == IMPORT_SENDING:  # finish it whatever Dropi says now
            chosen.append(order)
            continue
        if order.id in imported:  # created, or refused (reported once; the merchant retries)
            continue
        if order.id in known_ids or (order.shop_order_id and order.shop_order_id in known_refs):
            continue
        if (order.status or "").upper() in CANCELLED:
            continue
        chosen.append(order)
    return chosen
