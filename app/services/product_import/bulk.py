"""Bulk imports as background jobs: one ImportJob per request, one ImportJobItem per Dropi
product, so progress survives restarts and a crashed job resumes where it stopped."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ImportItemStatus, ImportJob, ImportJobItem, ImportJobStatus, Shop
from app.models.types import utcnow
from app.services.product_import.errors import ImportJobNotFound, ImportValidationError
from app.services.product_import.preferences import ImportPreferences

log = logging.getLogger(__name__)

MAX_BULK_ITEMS = 5000
HEARTBEAT_SECONDS = 15.0  # how often a running job says it is alive
# A running job whose heartbeat is older has lost its worker (three missed heartbeats): the
# page says it waits to resume, and the sweep of every minute queues it again.
STALE_AFTER = timedelta(seconds=45)
RATE_SAMPLE = 20  # finished items the time estimate is based on
SEARCH_KEYS = ("keywords", "in_stock", "category", "favorites", "private")
ACTIVE = (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)

Enqueue = Callable[[str, int], object]


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    status: ImportJobStatus
    total: int
    succeeded: int
    failed: int
    current_item: str | None
    eta_seconds: int | None
    items: list[ImportJobItem]
    last_error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    waiting_to_resume: bool = False

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed

    @property
    def finished(self) -> bool:
        return self.status not in ACTIVE

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else (0 if not
                                                                          self.finished else 100)


def start_bulk_import(settings, shop: Shop, dropi_product_ids: list[str],
                      prefs: ImportPreferences, *, names: Mapping[str, str] | None = None,
                      enqueue: Enqueue) -> ImportJob:
    """Queue the import of these Dropi products (duplicates ignored) with one set of
    preferences; returns the job, already handed to `enqueue(shop_domain, job_id)` (the
    caller's background job that runs it)."""
    ids = _clean_ids(dropi_product_ids)
    job = ImportJob(shop_id=shop.id, status=ImportJobStatus.QUEUED,
                    preferences=prefs.to_dict(), total=len(ids))
    db.session.add(job)
    db.session.flush()
    names = names or {}
    db.session.add_all(ImportJobItem(job_id=job.id, shop_id=shop.id, position=i,
                                     dropi_product_id=pid, dropi_name=(names.get(pid) or None))
                       for i, pid in enumerate(ids))
    db.session.commit()
    enqueue(shop.domain, job.id)
    log.info("Bulk import %s queued for %s: %s products", job.id, shop.domain, len(ids))
    return job


def start_bulk_import_for_search(settings, shop: Shop, search: Mapping[str, object],
                                 prefs: ImportPreferences, *, enqueue: Enqueue
                                 ) -> ImportJob:
    """Queue the import of every Dropi product matching a catalog search (keywords, in_stock,
    category, favorites, private); the job lists them itself, up to 5,000."""
    wanted = {k: search[k] for k in SEARCH_KEYS if search.get(k) not in (None, "", False)}
    job = ImportJob(shop_id=shop.id, status=ImportJobStatus.QUEUED,
                    preferences={**prefs.to_dict(), "search": wanted}, total=0)
    db.session.add(job)
    db.session.commit()
    enqueue(shop.domain, job.id)
    return job


def job_progress(shop_id: int, job_id) -> JobProgress:
    """Counts, the item being imported, an estimate of the time left and every item's result."""
    job = get_job(shop_id, job_id)
    items = list(db.session.scalars(select(ImportJobItem).where(
        ImportJobItem.job_id == job.id).order_by(ImportJobItem.position)
        .execution_options(populate_existing=True)))
    return JobProgress(job.id, job.status, job.total, job.succeeded, job.failed,
                       job.current_item, _eta(job, items), items, job.last_error,
                       job.started_at, job.finished_at, _lost_its_worker(job))


def _lost_its_worker(job: ImportJob, now: datetime | None = None) -> bool:
    if job.status != ImportJobStatus.RUNNING:
        return False
    return (job.heartbeat_at or job.created_at) < (now or utcnow()) - STALE_AFTER


def get_job(shop_id: int, job_id) -> ImportJob:
    try:
        number = int(job_id)
    except (TypeError, ValueError):
        number = -1
    # Workers update jobs from other sessions: always read the row as stored now.
    job = db.session.scalar(select(ImportJob).where(ImportJob.id == number,
                                                    ImportJob.shop_id == shop_id)
                            .execution_options(populate_existing=True))
    if job is None:
        raise ImportJobNotFound(_("That bulk import does not exist."))
    return job


def list_import_jobs(shop_id: int, limit: int = 10) -> list[ImportJob]:
    """The shop's most recent bulk imports."""
    return list(db.session.scalars(select(ImportJob).where(ImportJob.shop_id == shop_id)
                                   .order_by(ImportJob.id.desc()).limit(limit)))


def cancel_import_job(shop_id: int, job_id) -> ImportJob:
    """Stop a queued or running job after the items in progress; the rest stay pending."""
    job = get_job(shop_id, job_id)
    if job.status in ACTIVE:
        job.status = ImportJobStatus.CANCELLED
        job.finished_at = utcnow()
        job.current_item = None
        db.session.commit()
        log.info("Bulk import %s cancelled", job.id)
    return job


def retry_import_job(settings, shop: Shop, job_id, *, enqueue: Enqueue
                     ) -> ImportJob:
    """Run a finished job again: failed and pending items are imported (done ones are not)."""
    job = get_job(shop.id, job_id)
    if job.status in ACTIVE:
        return job
    for item in db.session.scalars(select(ImportJobItem).where(
            ImportJobItem.job_id == job.id, ImportJobItem.status == ImportItemStatus.FAILED)):
        item.status, item.error = ImportItemStatus.PENDING, None
    job.status, job.finished_at, job.last_error = ImportJobStatus.QUEUED, None, None
    db.session.commit()
    enqueue(shop.domain, job.id)
    return job


def resume_stale_import_jobs(enqueue: Enqueue, *, now: datetime | None = None) -> list[int]:
    """Queue again the jobs whose worker died (running, heartbeat older than STALE_AFTER) or
    whose queued task was lost; the job itself makes sure only one worker runs it."""
    limit = (now or utcnow()) - STALE_AFTER
    rows = db.session.execute(select(ImportJob.id, Shop.domain).join(
        Shop, Shop.id == ImportJob.shop_id).where(
        ImportJob.status.in_(ACTIVE), Shop.uninstalled_at.is_(None),
        db.func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at) < limit)).all()
    for job_id, domain in rows:
        log.info("Bulk import %s of %s stopped without finishing; resuming it", job_id, domain)
        enqueue(domain, job_id)
    return [job_id for job_id, _domain in rows]


def _clean_ids(dropi_product_ids) -> list[str]:
    ids = list(dict.fromkeys(str(i).strip() for i in dropi_product_ids or [] if str(i).strip()))
    if not ids:
        raise ImportValidationError({"products": _("Select at least one Dropi product.")})
    bad = [i for i in ids if not (i.isascii() and i.isdigit())]
    if bad:
        raise ImportValidationError({"products": _("“%(id)s” is not a Dropi product id.",
                                                   id=bad[0])})
    if len(ids) > MAX_BULK_ITEMS:
        raise ImportValidationError({"products": _(
            "A bulk import takes at most %(limit)s products.", limit=MAX_BULK_ITEMS)})
    return ids


def _eta(job: ImportJob, items: list[ImportJobItem]) -> int | None:
    if job.status not in ACTIVE:
        return None
    finished = sorted(i.updated_at for i in items if i.status != ImportItemStatus.PENDING)
    pending = sum(1 for i in items if i.status == ImportItemStatus.PENDING)
    recent = finished[-RATE_SAMPLE:]
    if len(recent) < 2 or not pending:
        return None
    per_item = (recent[-1] - recent[0]).total_seconds() / (len(recent) - 1)
    return max(1, round(per_item * pending))
