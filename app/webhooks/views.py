"""POST /webhooks: every Shopify topic arrives here; the answer is a bare status, fast.

`answer_delivery` is the whole endpoint. Deployed, `WebhookIngest` (a WSGI middleware in front of
Flask) calls it for POST /webhooks before Flask builds a request, matches a route or runs the
before/after hooks: on a 2-core machine that machinery was most of a delivery's CPU time. The
Flask route below calls the same function, so the endpoint behaves alike either way.
"""
from __future__ import annotations

import logging
import time
from typing import BinaryIO, Mapping

from flask import Blueprint, Response, current_app, request
from sqlalchemy.engine import Engine
from werkzeug.datastructures import EnvironHeaders
from werkzeug.wsgi import get_input_stream

from app.config import INGEST_BIND
from app.extensions import db
from app.jobs import process_webhook_event
from app.metrics import REQUEST_SECONDS, WEBHOOK_DELIVERIES
from app.services.webhooks import receive_delivery
from app.webhooks.delivery import DeliveryRejected, parse_delivery

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)

PATH = "/webhooks"
READ_CHUNK = 64 * 1024


@bp.post(PATH)
def receive():
    return bare(answer_delivery(current_app.config["SETTINGS"], request.headers, request.stream,
                                request.content_length, db.engines[INGEST_BIND]))


def bare(status: int) -> Response:
    return Response(status=status, content_type="text/plain")


def answer_delivery(settings, headers: Mapping[str, str], stream: BinaryIO,
                    content_length: int | None, engine: Engine) -> int:
    """Check, store and queue one delivery; the status to answer Shopify with."""
    try:
        body = read_bounded_body(stream, content_length, settings.webhook_max_body_bytes)
        delivery = parse_delivery(headers, body, settings.shopify_api_secret)
    except DeliveryRejected as rejected:
        log.warning("webhook rejected with %s: %s", rejected.status, rejected.reason)
        WEBHOOK_DELIVERIES.labels(topic=(headers.get("X-Shopify-Topic") or "")[:100]
                                  or "unknown", outcome="refused").inc()
        return rejected.status
    try:
        receipt = receive_delivery(delivery, engine=engine, enqueue=process_webhook_event)
    except Exception as exc:  # Shopify retries any non-2xx; the row was not kept
        log.error(
            "webhook %s for %s could not be stored or queued: %s",
            delivery.topic,
            delivery.shop_domain,
            type(exc).__name__,
        )
        WEBHOOK_DELIVERIES.labels(topic=delivery.topic, outcome="unavailable").inc()
        return 503
    outcome = "duplicate" if receipt.duplicate else "queued" if receipt.queued else "ignored"
    WEBHOOK_DELIVERIES.labels(topic=delivery.topic, outcome=outcome).inc()
    return 200


def read_bounded_body(stream: BinaryIO, declared: int | None, limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` by its header or by what arrives."""
    if declared is not None and declared > limit:
        raise DeliveryRejected(413, f"declared body of {declared} bytes is over {limit}")
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise DeliveryRejected(413, f"body is over {limit} bytes")
    return b"".join(chunks)


class WebhookIngest:
    """WSGI middleware answering POST /webhooks with `answer_delivery` directly; every other
    request goes on to Flask. The answer carries what Flask's would (a bare text/plain status
    with `X-Content-Type-Options: nosniff`) and the request is timed in the same metric."""

    def __init__(self, flask_app, next_app) -> None:
        self.flask_app = flask_app
        self.next_app = next_app
        self._engine: Engine | None = None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.next_app(environ, start_response)
        started = time.perf_counter()
        try:
            status = answer_delivery(self.flask_app.config["SETTINGS"], EnvironHeaders(environ),
                                     get_input_stream(environ), _content_length(environ),
                                     self.engine())
        except Exception:  # a bug, not the delivery: Shopify retries a 500
            log.exception("webhook delivery failed")
            status = 500
        start_response(_STATUS_LINES.get(status) or f"{status} Error", list(_HEADERS))
        REQUEST_SECONDS.labels(route=PATH, method="POST", status=str(status)).observe(
            time.perf_counter() - started)
        return [b""]

    def engine(self) -> Engine:
        if self._engine is None:
            with self.flask_app.app_context():
                self._engine = db.engines[INGEST_BIND]
        return self._engine


def _content_length(environ) -> int | None:
    try:
        return max(0, int(environ["CONTENT_LENGTH"]))
    except (KeyError, ValueError):
        return None


_STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 401: "401 UNAUTHORIZED",
                 413: "413 REQUEST ENTITY TOO LARGE", 500: "500 INTERNAL SERVER ERROR",
                 503: "503 SERVICE UNAVAILABLE"}
_HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0"),
            ("X-Content-Type-Options", "nosniff")]
