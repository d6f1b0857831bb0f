"""/healthz: is the process serving (no I/O, for the load balancer's frequent probe)?
/readyz: can it do its work: is the database reachable, and is the job queue?"""
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
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks, ready = {}, True
    for name, check in (("database", _check_database), ("queue", _check_queue)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means not ready; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, exc.__class__.__name__)
            checks[name] = "unavailable"
            ready = False
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )
