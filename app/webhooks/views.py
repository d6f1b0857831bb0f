"""POST /webhooks: every Shopify topic arrives here; the answer is a bare status, fast."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from app.config import INGEST_BIND
from app.extensions import db
from app.jobs import process_webhook_event
from app.metrics import WEBHOOK_DELIVERIES
from app.services.webhooks import receive_delivery
from app.webhooks.delivery import DeliveryRejected, parse_delivery

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)

READ_CHUNK = 64 * 1024


@bp.post("/webhooks")
def receive():
    settings = current_app.config["SETTINGS"]
    try:
        body = read_bounded_body(settings.webhook_max_body_bytes)
        delivery = parse_delivery(request.headers, body, settings.shopify_api_secret)
    except DeliveryRejected as rejected:
        log.warning("webhook rejected with %s: %s", rejected.status, rejected.reason)
        WEBHOOK_DELIVERIES.labels(topic=request.headers.get("X-Shopify-Topic", "")[:100]
                                  or "unknown", outcome="refused").inc()
        return bare(rejected.status)
    try:
        receipt = receive_delivery(delivery, engine=db.engines[INGEST_BIND],
                                   enqueue=process_webhook_event)
    except Exception as exc:  # Shopify retries any non-2xx; the row was not kept
        log.error(
            "webhook %s for %s could not be stored or queued: %s",
            delivery.topic,
            delivery.shop_domain,
            type(exc).__name__,
        )
        WEBHOOK_DELIVERIES.labels(topic=delivery.topic, outcome="unavailable").inc()
        return bare(503)
    outcome = "duplicate" if receipt.duplicate else "queued" if receipt.queued else "ignored"
    WEBHOOK_DELIVERIES.labels(topic=delivery.topic, outcome=outcome).inc()
    return bare(200)


def read_bounded_body(limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` by its header or by what arrives."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise DeliveryRejected(413, f"declared body of {declared} bytes is over {limit}")
    stream = request.stream
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


def bare(status: int) -> Response:
    return Response(status=status, content_type="text/plain")
