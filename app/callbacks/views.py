"""POST /callbacks/ecomdrop/confirmation: an Ecomdrop flow's "external request" step sends the
customer's answer here. Flows cannot sign a body, so the shop's secret travels in the
X-Connector-Secret header (never in the URL, which access logs keep); the shop is taken from it,
never from the body."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from app.services.order_pipeline import CallbackRefused, answer_from_callback
from app.services.order_pipeline.policy import CALLBACK_PATH, SECRET_HEADER

log = logging.getLogger(__name__)
bp = Blueprint("callbacks", __name__)

MAX_BODY_BYTES = 16 * 1024


@bp.post(CALLBACK_PATH)
def ecomdrop_confirmation():
    secret = request.headers.get(SECRET_HEADER)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return jsonify({"ok": False, "error": "body too large"}), 413
    try:
        order, result = answer_from_callback(secret, request.get_json(silent=True))
    except CallbackRefused as refused:
        log.info("confirmation callback refused (%s): %s", refused.status, refused.message)
        return jsonify({"ok": False, "error": refused.message}), refused.status
    log.info("order %s answered %s on WhatsApp", order.id, result.answer)
    return jsonify({"ok": True, "order": result.order_name, "answer": result.answer})
