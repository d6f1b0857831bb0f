"""How the pipeline asks the job queue to run an order's steps. The queue's task lives in
app/jobs.py, a layer above services, so jobs.py hands its enqueue function down here at import
(use_queue) instead of this package importing it."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from app.models.types import utcnow

log = logging.getLogger(__name__)

# enqueue(order_record_id, delay_seconds)
Enqueue = Callable[[int, float], object]
_enqueue: Enqueue | None = None


def use_queue(enqueue: Enqueue) -> None:
    """Register the function that queues `advance_order` for an order after a delay."""
    global _enqueue
    _enqueue = enqueue


def run_soon(order_id: int, at: datetime | None = None) -> None:
    """Queue the order's steps to run now, or at `at` (a retry or a confirmation deadline)."""
    if _enqueue is None:
        log.warning("no job queue registered; order %s waits for the periodic sweep", order_id)
        return
    delay = max(0.0, (at - utcnow()).total_seconds()) if at else 0.0
    _enqueue(order_id, delay)
