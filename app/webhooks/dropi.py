"""POST /webhooks/dropi/status: Dropi's order status webhook, one URL for every merchant,
registered with Dropi's IT team. Dropi does not sign it, so a delivery is only a hint: the order
is matched through our own records and its status confirmed with Dropi, on that shop's token,
by a job. The answer is always a fast 200 (an unknown order costs one indexed query), so a
flood or a forgery changes nothing and learns nothing."""
from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, request

from app.metrics import WEBHOOK_DELIVERIES
from app.services.shipments import orders_to_confirm
from app.webhooks.delivery import DeliveryRejected
from app.webhooks.views import bare, read_bounded_body

log = logging.getLogger(__name__)
bp = Blueprint("dropi_webhooks", __name__)

STATUS_PATH = "/webhooks/dropi/status"
MAX_BODY_BYTES = 64 * 1024
TOPIC = "dropi/status"


@bp.post(STATUS_PATH)
def dropi_status():
    from app.jobs import confirm_dropi_status  # jobs import every service; load them late

    try:
        body = read_bounded_body(request.stream, request.content_length,
                                 min(MAX_BODY_BYTES,
                                     current_app.config["SETTINGS"].webhook_max_body_bytes))
        payload = json.loads(body or b"null")
    except DeliveryRejected as rejected:
        return bare(rejected.status)
    except ValueError:
        WEBHOOK_DELIVERIES.labels(topic=TOPIC, outcome="refused").inc()
        return bare(400)
    matched = orders_to_confirm(payload)
    for order_record_id, delay in matched:
        if delay > 0:
            confirm_dropi_status.schedule(args=(order_record_id,), delay=delay)
        else:
            confirm_dropi_status(order_record_id)
    WEBHOOK_DELIVERIES.labels(topic=TOPIC, outcome="queued" if matched else "ignored").inc()
    return bare(200)
