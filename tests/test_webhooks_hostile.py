"""Signed deliveries Shopify would never send (non-finite numbers, absurd nesting, a time that
overflows) get a bare 400, so Shopify does not retry a poison message for 48 hours, and
nothing of them is stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db, queue
from app.models import WebhookEvent
from tests.support import webhook_headers

TOPIC = "orders/create"
DEEP = 100_000


def _deliver(client, body: bytes, **headers):
    sent = webhook_headers(TOPIC, body)
    sent.update(headers)
    return client.post("/webhooks", data=body, headers=sent)


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


@pytest.mark.parametrize("body", [
    b'{"id": 1, "total_price": NaN}',
    b'{"id": 1, "total_price": Infinity}',
    b'{"id": 1, "total_price": -Infinity}',
    b'{"id": 1, "total_price": 1e999}',
    b'{"id": 1, "line_items": [{"price": -1e999}]}',
    b'{"id": 1, "deep": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    b'{"id": 1, "deep": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}",
    b'{"id": 1, "deep": ' + b"[" * 100 + b"]" * 100 + b"}",
], ids=["nan", "infinity", "minus-infinity", "1e999", "nested-1e999", "deep-arrays",
        "deep-objects", "100-deep"])
def test_a_signed_payload_shopify_would_never_send_is_a_400_and_is_not_stored(
        client, shop, body):
    response = _deliver(client, body)

    assert response.status_code == 400
    assert response.data == b""
    assert _stored() == 0 and queue.pending_count() == 0


@pytest.mark.parametrize("triggered_at", [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "not a time",
    "2026-13-45T99:99:99Z",
])
def test_an_unreadable_or_overflowing_triggered_at_is_a_400(client, shop, triggered_at):
    response = _deliver(client, b'{"id": 1}', **{"X-Shopify-Triggered-At": triggered_at})

    assert response.status_code == 400
    assert _stored() == 0


def test_an_ordinary_payload_with_big_and_small_numbers_is_stored(client, shop):
    response = _deliver(client, b'{"id": 9007199254740993, "total": 1e300, "tiny": 1e-300,'
                                b' "nested": [[[{"a": [1]}]]]}')

    assert response.status_code == 200
    assert _stored() == 1


@pytest.mark.parametrize("body", [
    b'{"id": 1, "note": "nul\\u0000byte"}',
    b'{"id": 1, "note": "lone \\ud800 surrogate"}',
    '{"id": 1, "note": "\u00e9\u6f22\U0001f600"}'.encode(),
])
def test_odd_strings_in_a_signed_payload_never_get_a_server_error(client, shop, body):
    response = _deliver(client, body)

    assert response.status_code in (200, 400)
    assert _stored() == (1 if response.status_code == 200 else 0)
