"""What a Shopify webhook delivery is, and the checks it must pass before we trust a byte of it."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from app.auth.shop_domain import sanitize_shop_domain

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
API_VERSION_HEADER = "X-Shopify-API-Version"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"
REQUIRED_HEADERS = (TOPIC_HEADER, SHOP_HEADER, API_VERSION_HEADER, WEBHOOK_ID_HEADER)

# Column widths of webhook_events; longer values cannot be a genuine Shopify header.
MAX_TOPIC_LENGTH = 100
MAX_ID_LENGTH = 255
MAX_API_VERSION_LENGTH = 16
# Shopify's payloads nest a few levels (order > line items > properties); far deeper is not
# Shopify, and storing or walking it would fail later, after we had said 200.
MAX_JSON_DEPTH = 64


class DeliveryRejected(Exception):
    """The request is not an acceptable webhook; `status` is what we answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified delivery: the signature matched the raw body and the headers are sane."""

    topic: str
    shop_domain: str
    api_version: str
    webhook_id: str
    event_id: str
    triggered_at: datetime | None
    payload: dict


def verify_hmac(body: bytes, signature: str | None, secret: str) -> bool:
    """True when `signature` is the base64 HMAC-SHA256 of the raw `body` keyed with `secret`."""
    if not signature:
        return False
    try:
        received = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(received, expected)


def parse_delivery(headers: Mapping[str, str], body: bytes, secret: str) -> WebhookDelivery:
    """Check a delivery in the order Shopify's own libraries do; raise DeliveryRejected."""
    if not body:
        raise DeliveryRejected(400, "empty body")
    if not headers.get(HMAC_HEADER):
        raise DeliveryRejected(400, "missing HMAC header")
    if not verify_hmac(body, headers.get(HMAC_HEADER), secret):
        raise DeliveryRejected(401, "invalid HMAC")
    missing = [name for name in REQUIRED_HEADERS if not (headers.get(name) or "").strip()]
    if missing:
        raise DeliveryRejected(400, "missing headers: " + ", ".join(missing))
    shop_domain = sanitize_shop_domain(headers.get(SHOP_HEADER))
    if shop_domain is None:
        raise DeliveryRejected(400, "shop domain is not a myshopify.com domain")
    return WebhookDelivery(
        topic=_bounded(headers, TOPIC_HEADER, MAX_TOPIC_LENGTH),
        shop_domain=shop_domain,
        api_version=_bounded(headers, API_VERSION_HEADER, MAX_API_VERSION_LENGTH),
        webhook_id=_bounded(headers, WEBHOOK_ID_HEADER, MAX_ID_LENGTH),
        event_id=_event_id(headers),
        triggered_at=_triggered_at(headers.get(TRIGGERED_AT_HEADER)),
        payload=_json_object(body),
    )


def _bounded(headers: Mapping[str, str], name: str, limit: int) -> str:
    value = headers[name].strip()
    if len(value) > limit:
        raise DeliveryRejected(400, f"{name} is longer than {limit} characters")
    return value


def _event_id(headers: Mapping[str, str]) -> str:
    """Shopify's dedupe key is the event id; older deliveries only carry the webhook id."""
    if (headers.get(EVENT_ID_HEADER) or "").strip():
        return _bounded(headers, EVENT_ID_HEADER, MAX_ID_LENGTH)
    return _bounded(headers, WEBHOOK_ID_HEADER, MAX_ID_LENGTH)


def _json_object(body: bytes) -> dict:
    """The body as a JSON object of finite numbers and bounded depth. Anything else is a
    400: a payload we cannot store must not be answered 5xx, or Shopify retries it for days."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise DeliveryRejected(400, "body nests too deeply") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeliveryRejected(400, f"body is not JSON Shopify would send: {exc}"[:200]) from exc
    if not isinstance(payload, dict):
        raise DeliveryRejected(400, "body is not a JSON object")
    if _depth_over(payload, MAX_JSON_DEPTH):
        raise DeliveryRejected(400, f"body nests deeper than {MAX_JSON_DEPTH} levels")
    return payload


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is out of range")
    return number


def _depth_over(value, limit: int) -> bool:
    level = [value]
    for _depth in range(limit + 1):
        children = []
        for node in level:
            if isinstance(node, dict):
                children.extend(node.values())
            elif isinstance(node, list):
                children.extend(node)
        if not children:
            return False
        level = children
    return True


def _triggered_at(value: str | None) -> datetime | None:
    moment = parse_triggered_at(value)
    if value and value.strip() and moment is None:
        raise DeliveryRejected(400, "X-Shopify-Triggered-At is not a time")
    return moment


def parse_triggered_at(value: str | None) -> datetime | None:
    """X-Shopify-Triggered-At as aware UTC, or None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
