"""The "Abandoned checkouts" tab: the shop's checkouts, newest first, with what became of each."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import AbandonedCheckout, RecoveryStatus, Shop

PAGE_SIZE = 50


@dataclass(frozen=True)
class CheckoutsOverview:
    checkouts: tuple[AbandonedCheckout, ...]
    counts: dict[str, int]  # status value -> how many
    status_filter: str | None


def checkouts_overview(shop: Shop, status: str | None = None, limit: int = PAGE_SIZE
                       ) -> CheckoutsOverview:
    """The latest checkouts of `shop` (optionally of one status) and the count per status."""
    wanted = status if status in {s.value for s in RecoveryStatus} else None
    query = select(AbandonedCheckout).where(AbandonedCheckout.shop_id == shop.id)
    if wanted:
        query = query.where(AbandonedCheckout.status == RecoveryStatus(wanted))
    rows = db.session.scalars(query.order_by(AbandonedCheckout.created_at.desc(),
                                             AbandonedCheckout.id.desc()).limit(limit))
    counts = dict(db.session.execute(
        select(AbandonedCheckout.status, func.count())
        .where(AbandonedCheckout.shop_id == shop.id).group_by(AbandonedCheckout.status)).all())
    return CheckoutsOverview(tuple(rows), {s.value: counts.get(s, 0) for s in RecoveryStatus},
                             wanted)
