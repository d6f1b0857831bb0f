"""Background job entry points. Each job opens an app context and calls one service."""
from __future__ import annotations

import functools
import logging

from flask import Flask

from app.extensions import queue

log = logging.getLogger(__name__)

_bound_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """Remember the app whose context jobs run in (the worker and the web process call this)."""
    global _bound_app
    _bound_app = app


def in_app_context(func):
    """Run a job body inside the bound app's context, with a clean DB session after it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _bound_app is None:
            raise RuntimeError("jobs need create_app() to have run in this process")
        from app.extensions import db

        with _bound_app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


@queue.task(name="ping")
@in_app_context
def ping() -> str:
    """A trivial job /healthz and the tests use to prove the queue round-trips."""
    return "pong"
