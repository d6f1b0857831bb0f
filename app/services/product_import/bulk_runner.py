"""Running a bulk import job: a few items at a time (each thread with its own database
session), Shopify's cost budget shared through the client's throttle, transient failures
retried, and a heartbeat so a job whose worker died is resumed rather than run twice."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from app.clients.dropi import DropiError
from app.clients.shopify import ShopifyError
from app.extensions import db
from app.i18n import DEFAULT_LOCALE
from app.models import ImportItemStatus, ImportJob, ImportJobItem, ImportJobStatus, Shop
from app.models.types import utcnow
from app.services.leases import renewed_every
from app.services.merchant_language import merchant_locale
from app.services.product_import.bulk import HEARTBEAT_SECONDS, MAX_BULK_ITEMS, STALE_AFTER
from app.services.product_import.bulk_items import ItemOutcome, import_item
from app.services.product_import.context import import_context_for
from app.services.product_import.errors import ImportProblem
from app.services.product_import.preferences import ImportPreferences
from app.services.product_import.shopify_reads import existing_handles
from app.services.uninstall import shop_is_active

log = logging.getLogger(__name__)

WORKERS = 4
LIST_PAGE = 100

AppContext = Callable[[], AbstractContextManager]


def process_import_job(settings, job_id: int, *, app_context: AppContext, workers: int = WORKERS,
                       dropi_requests_per_minute: int | None = None,
                       sleep: Callable[[float], None] = time.sleep) -> ImportJobStatus | None:
    """Import every pending item of the job; returns the job's final status. Returns at once
    when another worker is running the job (fresh heartbeat) or it has finished."""
    if not _claim(job_id):
        job = db.session.get(ImportJob, job_id)
        return job.status if job else None
    job = db.session.get(ImportJob, job_id)
    shop = db.session.get(Shop, job.shop_id)
    run = _Run(settings, job.id, shop.id, shop.domain, ImportPreferences.from_dict(
        job.preferences or {}), app_context, dropi_requests_per_minute, sleep)
    run.locale = merchant_locale(shop)
    try:
        if (job.preferences or {}).get("search") and job.total == 0:
            _list_search_items(run, job, shop)
        _recount(job.id)
        pending_rows = db.session.execute(select(
            ImportJobItem.id, ImportJobItem.dropi_product_id).where(
            ImportJobItem.job_id == job.id, ImportJobItem.status == ImportItemStatus.PENDING)
            .order_by(ImportJobItem.position)).all()
        pending = [row.id for row in pending_rows]
        db.session.commit()
        run.absent_handles = _absent_handles(run, shop, [r.dropi_product_id for r in pending_rows])
        pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                  thread_name_prefix=f"import-{job.id}")
        with _heartbeat(run), pool:
            list(pool.map(run.item_in_thread, pending))
    except Exception as exc:  # the job must never stay RUNNING because of an unexpected error
        log.exception("Bulk import %s stopped", job_id)
        run.fail(getattr(exc, "merchant_message", None) or _("The import stopped unexpectedly."))
    return _finish(job_id, run)


class _Run:
    """What the worker threads of one job share."""

    def __init__(self, settings, job_id, shop_id, shop_domain, prefs, app_context, rpm, sleep):
        self.settings, self.job_id, self.shop_id, self.shop_domain = (settings, job_id, shop_id,
                                                                      shop_domain)
        self.prefs, self.app_context, self.rpm, self.sleep = prefs, app_context, rpm, sleep
        self.stop = threading.Event()
        self.fatal: str | None = None
        self.absent_handles: frozenset[str] = frozenset()
        self.locale = DEFAULT_LOCALE  # the items' errors are written in the merchant's language

    def context(self, shop: Shop):
        ctx = import_context_for(self.settings, shop, dropi_requests_per_minute=self.rpm,
                                 sleep=self.sleep)
        ctx.absent_handles = self.absent_handles
        return ctx

    def fail(self, message: str) -> None:
        self.fatal = self.fatal or message
        self.stop.set()

    def item_in_thread(self, item_id: int) -> None:
        if self.stop.is_set():
            return
        with self.app_context(), force_locale(self.locale):
            try:
                self._item(item_id)
            finally:
                db.session.remove()

    def _item(self, item_id: int) -> None:
        if not self._still_wanted():
            self.stop.set()
            return
        item = db.session.get(ImportJobItem, item_id)
        if item is None or item.status != ImportItemStatus.PENDING:
            return
        item.attempts = (item.attempts or 0) + 1
        _touch(self.job_id, current_item=item.dropi_name or item.dropi_product_id)
        db.session.commit()
        outcome = import_item(self, db.session.get(Shop, self.shop_id), item)
        if outcome.fatal:
            self.fail(outcome.error)
            return
        _record(self.job_id, item, outcome)

    def _still_wanted(self) -> bool:
        status = db.session.scalar(select(ImportJob.status).where(ImportJob.id == self.job_id))
        return status == ImportJobStatus.RUNNING and shop_is_active(self.shop_domain)


def _absent_handles(run: _Run, shop: Shop, dropi_product_ids: list[str]) -> frozenset[str]:
    """The handles of the job's products that no Shopify product has yet, found with one search
    per 50 items, so that creating them needs no look-up each. When the search fails, each
    item looks its handle up as a single import does."""
    numeric = [i.strip() for i in dropi_product_ids if (i or "").strip().isdigit()]
    if not numeric:
        return frozenset()
    try:
        ctx = run.context(shop)
        handles = [ctx.handle_for(i) for i in numeric]
        return frozenset(handles) - existing_handles(ctx.shopify, handles)
    except (ImportProblem, ShopifyError, DropiError) as exc:
        log.info("Bulk import %s looks handles up one by one: %s", run.job_id,
                 type(exc).__name__)
        return frozenset()


def _claim(job_id: int) -> bool:
    """Take the job unless another live worker has it (one conditional UPDATE)."""
    now = utcnow()
    result = db.session.execute(update(ImportJob).where(
        ImportJob.id == job_id,
        or_(ImportJob.status == ImportJobStatus.QUEUED,
            and_(ImportJob.status == ImportJobStatus.RUNNING,
                 or_(ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < now - STALE_AFTER)))
    ).values(status=ImportJobStatus.RUNNING, heartbeat_at=now, finished_at=None,
             started_at=func.coalesce(ImportJob.started_at, now)))
    db.session.commit()
    return result.rowcount == 1


def _list_search_items(run: _Run, job: ImportJob, shop: Shop) -> None:
    search = dict(job.preferences["search"])
    dropi = run.context(shop).dropi
    start, position = 0, 0
    while position < MAX_BULK_ITEMS:
        page = dropi.list_products(start=start, page_size=LIST_PAGE,
                                   keywords=search.get("keywords"),
                                   in_stock=bool(search.get("in_stock")),
                                   category=search.get("category"),
                                   favorites=bool(search.get("favorites")),
                                   private=bool(search.get("private")))
        for product in page.items[:MAX_BULK_ITEMS - position]:
            db.session.add(ImportJobItem(job_id=job.id, shop_id=shop.id, position=position,
                                         dropi_product_id=str(product.id),
                                         dropi_name=product.name[:500]))
            position += 1
        if not page.has_more or not page.items:
            break
        start += len(page.items)
    job.total = position
    db.session.commit()


def _recount(job_id: int) -> None:
    """Counters from the items themselves, so a crash between two writes cannot skew them."""
    counts = dict(db.session.execute(select(ImportJobItem.status, func.count()).where(
        ImportJobItem.job_id == job_id).group_by(ImportJobItem.status)).all())
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        total=sum(counts.values()), succeeded=counts.get(ImportItemStatus.DONE, 0),
        failed=counts.get(ImportItemStatus.FAILED, 0)))


def _record(job_id: int, item: ImportJobItem, outcome: ItemOutcome) -> None:
    item.status = ImportItemStatus.DONE if outcome.done else ImportItemStatus.FAILED
    item.shopify_product_id = outcome.shopify_product_id
    item.error = outcome.error
    if outcome.dropi_name:
        item.dropi_name = outcome.dropi_name[:500]
    counter = ImportJob.succeeded if outcome.done else ImportJob.failed
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        {counter: counter + 1, ImportJob.heartbeat_at: utcnow()}))
    db.session.commit()


def _touch(job_id: int, **values) -> None:
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        heartbeat_at=utcnow(), **values))


def _heartbeat(run: _Run):
    """Keep the heartbeat fresh while items take long (Dropi or Shopify back-offs)."""

    def touch() -> None:
        with run.app_context():
            try:
                _touch(run.job_id)
                db.session.commit()
            finally:
                db.session.remove()

    return renewed_every(HEARTBEAT_SECONDS, touch, name=f"import-{run.job_id}-heartbeat")


def _finish(job_id: int, run: _Run) -> ImportJobStatus:
    db.session.rollback()
    _recount(job_id)
    job = db.session.get(ImportJob, job_id)
    db.session.refresh(job)
    if run.fatal:
        job.status, job.last_error = ImportJobStatus.FAILED, run.fatal[:2000]
    elif job.status == ImportJobStatus.RUNNING:
        job.status = (ImportJobStatus.COMPLETED if shop_is_active(run.shop_domain)
                      else ImportJobStatus.CANCELLED)
    job.current_item = None
    job.finished_at = job.finished_at or utcnow()
    db.session.commit()
    log.info("Bulk import %s %s: %s done, %s failed of %s", job.id, job.status.value,
             job.succeeded, job.failed, job.total)
    return job.status
