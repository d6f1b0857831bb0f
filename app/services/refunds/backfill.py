"""The "refunds" sync option (Get refunds), once a day by default: the refunds of the orders
updated since the last complete run (the last 60 days the first time) that the webhook did not
record, read with a bulk query (no paging through the orders, whatever their number).

The bulk query asks only for each order's refund ids; a refund not recorded yet is then read
whole. Everything is recorded once per Shopify refund id, so a second run, or a run
resumed after a killed worker, adds nothing twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.clients.shopify import ShopifyError
from app.extensions import db
from app.models import Refund
from app.models.sync import RUN_PARTIAL, RUN_SUCCEEDED, SyncRun
from app.models.types import utcnow
from app.services.bulk_operations import BulkOperationError, BulkQuery, finish_signal
from app.services.refunds.records import record_refund, refund_from_node
from app.services.sync import SyncContext, SyncFailed, sync_option

log = logging.getLogger(__name__)

FIRST_RUN_DAYS = 60
OVERLAP = timedelta(days=1)
BULK_QUERY = "bulk_orders_refunds"
DAILY = 24 * 60


def _tail(gid) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def _since(ctx: SyncContext) -> datetime:
    """Orders updated since the last run that went through (less a day), else 60 days back."""
    last = db.session.scalar(
        select(SyncRun.started_at).where(SyncRun.shop_id == ctx.shop.id,
                                         SyncRun.option == ctx.option.name,
                                         SyncRun.status.in_((RUN_SUCCEEDED, RUN_PARTIAL)),
                                         SyncRun.id != ctx.run.id)
        .order_by(SyncRun.id.desc()).limit(1))
    return last - OVERLAP if last else utcnow() - timedelta(days=FIRST_RUN_DAYS)


def _recorded(shop_id: int, refund_ids: list[str]) -> set[str]:
    if not refund_ids:
        return set()
    return set(db.session.scalars(select(Refund.shopify_refund_id).where(
        Refund.shop_id == shop_id, Refund.shopify_refund_id.in_(refund_ids))))


@sync_option("refunds", config_flag="get_refunds", label=_l("Refunds"),
             default_interval_minutes=DAILY,
             description=_l("Refunds made in Shopify that the webhook did not bring."))
def sync_refunds(ctx: SyncContext) -> None:
    if ctx.entities is None:
        search = f"updated_at:>='{_since(ctx).isoformat(timespec='seconds')}'"
        query = BulkQuery(ctx.shopify(), BULK_QUERY, variables={"query": search},
                          finished_signal=finish_signal(ctx.shop.domain),
                          keep_going=ctx.keep_going)
        try:
            for order, _children in query.records():
                ctx.keep_going()
                ctx.checked()
                ids = [_tail(refund["id"]) for refund in order.get("refunds") or []]
                for refund_id in sorted(set(ids) - _recorded(ctx.shop.id, ids)):
                    _backfill_one(ctx, refund_id, order.get("name") or _tail(order.get("id")))
        except BulkOperationError as exc:
            raise SyncFailed(exc.message) from exc
    else:
        for entity in sorted(ctx.entities):
            if entity.isdigit():
                ctx.keep_going()
                ctx.checked()
                _backfill_one(ctx, entity, entity)


def _backfill_one(ctx: SyncContext, refund_id: str, order_label: str) -> None:
    label = _("Refund %(refund)s of order %(order)s", refund=refund_id, order=order_label)
    try:
        node = ctx.shopify().query("refund_facts", {"id": f"gid://shopify/Refund/{refund_id}"})
    except ShopifyError as error:
        ctx.failed("refund", refund_id, label, str(error.merchant_message))
        return
    refund = node.get("refund")
    if refund is None:
        ctx.failed("refund", refund_id, label, _("Shopify no longer has this refund."))
        return
    recorded = record_refund(ctx.shop, refund_from_node(_tail((refund.get("order") or {})
                                                               .get("id")), refund))
    db.session.commit()
    if not recorded.new:
        return
    detail = ", ".join(f"{line['quantity']} × {line['title']}" for line in recorded.refund.lines)
    if recorded.dropi_lines and recorded.refund.direction == "from_shopify":
        ctx.flagged("refund", refund_id, label,
                    _("Dropi products refunded: %(lines)s. Settle them with Dropi.",
                      lines=detail))
    else:
        ctx.changed("refund", refund_id, label, detail or None)
