"""/healthz: is the database reachable, and is the job queue?"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db, queue

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def _check_database() -> str:
    db.session.execute(text("SELECT 1"))
    return "ok"


def _check_queue() -> str:
    queue.storage.queue_size()
    return "ok"


@bp.get("/healthz")
def healthz():
    checks, healthy = {}, True
    for name, check in (("database", _check_database), ("queue", _check_queue)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means unhealthy; the reason goes to the log
            log.warning("health check %s failed: %s", name, exc.__class__.__name__)
            checks[name] = "unavailable"
            healthy = False
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503
    )
