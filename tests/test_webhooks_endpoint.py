"""POST /webhooks: signature, headers, size limits, dedupe and speed, as Shopify delivers them."""
from __future__ import annotations

import io
import json
import threading
import time

from sqlalchemy import event as sqlalchemy_event

from app.config import INGEST_BIND
from app.extensions import db, queue
from app.models import WebhookEvent, WebhookStatus
from app.services.webhooks import webhook_handler
from tests.conftest import deliver_webhook, run_pending_jobs
from tests.support import json_body, webhook_headers

RECORDED: list[tuple[str, dict]] = []


@webhook_handler("tests/endpoint-record")
def _record(settings, shop_domain, payload, event):
    RECORDED.append((shop_domain, payload))


def _events() -> list[WebhookEvent]:
    return list(db.session.execute(db.select(WebhookEvent).order_by(WebhookEvent.id)).scalars())


def test_a_signed_delivery_is_stored_queued_and_answered_with_a_bare_200(client, shop):
    response = deliver_webhook(
        client,
        "tests/endpoint-record",
        {"id": 7, "note": "hello"},
        triggered_at="2026-11-22T10:00:00.000Z",
    )

    assert response.status_code == 200
    assert response.data == b""
    [event] = _events()
    assert (event.shop_domain, event.topic, event.payload) == (
        "test-shop.myshopify.com",
        "tests/endpoint-record",
        {"id": 7, "note": "hello"},
    )
    assert event.status == WebhookStatus.RECEIVED
    assert event.triggered_at.isoformat() == "2026-11-22T10:00:00+00:00"
    [task] = queue.pending()
    assert task.name.endswith("process_webhook_event") and task.args == (event.id,)


def test_the_endpoint_answers_in_under_half_a_second_and_leaves_the_work_queued(client, shop):
    RECORDED.clear()
    started = time.perf_counter()
    response = deliver_webhook(client, "tests/endpoint-record", {"id": 1})
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed < 0.5
    assert RECORDED == [] and queue.pending_count() == 1
    assert run_pending_jobs() == 1
    assert RECORDED == [("test-shop.myshopify.com", {"id": 1})]


def test_a_tampered_body_is_refused_with_401_and_not_stored(client, shop):
    body = json_body({"id": 1, "total": "10.00"})
    headers = webhook_headers("orders/create", body)
    response = client.post("/webhooks", data=body.replace(b"10.00", b"99.00"), headers=headers)

    assert response.status_code == 401
    assert _events() == [] and queue.pending_count() == 0


def test_a_reserialized_json_body_fails_the_raw_body_signature(client, shop):
    payload = {"id": 1, "line_items": [{"sku": "A", "quantity": 2}]}
    signed = json.dumps(payload).encode()
    reserialized = json.dumps(payload, indent=2, separators=(",", ": ")).encode()
    assert json.loads(signed) == json.loads(reserialized)

    response = client.post(
        "/webhooks", data=reserialized, headers=webhook_headers("orders/create", signed)
    )
    assert response.status_code == 401
    assert _events() == []


def test_a_signature_made_with_another_secret_is_refused(client, shop):
    body = json_body({"id": 1})
    headers = webhook_headers("orders/create", body, secret="someone-elses-secret")
    assert client.post("/webhooks", data=body, headers=headers).status_code == 401


def test_missing_required_headers_or_body_get_400(client, shop):
    body = json_body({"id": 1})
    for header in (
        "X-Shopify-Topic",
        "X-Shopify-Shop-Domain",
        "X-Shopify-API-Version",
        "X-Shopify-Webhook-Id",
        "X-Shopify-Hmac-Sha256",
    ):
        headers = webhook_headers("orders/create", body)
        del headers[header]
        response = client.post("/webhooks", data=body, headers=headers)
        assert response.status_code == 400, header
        assert response.data == b""
    empty = client.post("/webhooks", data=b"", headers=webhook_headers("orders/create", b""))
    assert empty.status_code == 400
    assert _events() == []


def test_a_shop_header_that_is_not_a_myshopify_domain_gets_400(client, shop):
    body = json_body({"id": 1})
    for domain in (
        "evil.com",
        "test-shop.myshopify.com.evil.com",
        "-x.myshopify.com",
        "a b.myshopify.com",
    ):
        response = client.post(
            "/webhooks", data=body, headers=webhook_headers("orders/create", body, domain)
        )
        assert response.status_code == 400, domain
    assert _events() == []


def test_a_signed_body_that_is_not_a_json_object_gets_400(client, shop):
    for body in (b"not json", b"[1, 2]"):
        response = client.post(
            "/webhooks", data=body, headers=webhook_headers("orders/create", body)
        )
        assert response.status_code == 400
    assert _events() == []


def test_a_body_over_the_limit_gets_413(app, client, shop):
    limit = app.config["SETTINGS"].webhook_max_body_bytes
    body = json_body({"blob": "x" * limit})
    response = client.post("/webhooks", data=body, headers=webhook_headers("orders/create", body))
    assert response.status_code == 413
    assert _events() == []


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_body_without_content_length_is_read_only_up_to_the_limit(app, client, shop):
    limit = app.config["SETTINGS"].webhook_max_body_bytes
    body = json_body({"blob": "x" * (limit * 3)})
    stream = CountingStream(body)
    headers = webhook_headers("orders/create", body)
    response = client.post(
        "/webhooks",
        input_stream=stream,
        headers=headers,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert stream.bytes_read <= limit + 1
    assert _events() == []


def test_the_same_event_delivered_again_is_answered_200_and_changes_nothing(client, shop):
    RECORDED.clear()
    first = deliver_webhook(client, "tests/endpoint-record", {"id": 5}, event_id="evt-5")
    again = deliver_webhook(client, "tests/endpoint-record", {"id": 5}, event_id="evt-5")

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(_events()) == 1 and queue.pending_count() == 1
    run_pending_jobs()
    assert RECORDED == [("test-shop.myshopify.com", {"id": 5})]


def test_dedupe_falls_back_to_the_webhook_id_without_an_event_id(client, shop):
    body = json_body({"id": 9})
    headers = webhook_headers("tests/endpoint-record", body, webhook_id="wh-9")
    del headers["X-Shopify-Event-Id"]
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    [event] = _events()
    assert event.event_id == "wh-9"


def test_the_same_event_id_from_two_shops_is_two_events(client, shop, other_shop):
    deliver_webhook(client, "tests/endpoint-record", {"id": 1}, event_id="shared")
    deliver_webhook(
        client, "tests/endpoint-record", {"id": 1}, "other-shop.myshopify.com", event_id="shared"
    )
    assert sorted(e.shop_domain for e in _events()) == [
        "other-shop.myshopify.com",
        "test-shop.myshopify.com",
    ]


def test_three_concurrent_copies_of_one_event_give_one_row_one_job_and_one_effect(app, shop):
    RECORDED.clear()
    body = json_body({"id": 42})
    headers = webhook_headers("tests/endpoint-record", body, event_id="evt-race")
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def deliver() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/webhooks", data=body, headers=headers).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200, 200, 200]
    db.session.expire_all()
    assert len(_events()) == 1
    assert queue.pending_count() == 1
    assert run_pending_jobs() == 1
    assert RECORDED == [("test-shop.myshopify.com", {"id": 42})]


def test_a_topic_without_a_handler_is_stored_as_ignored_and_not_queued(client, shop):
    response = deliver_webhook(client, "tests/no-handler", {"id": 77})

    assert response.status_code == 200
    [event] = _events()
    assert event.status == WebhookStatus.IGNORED and event.payload["id"] == 77
    assert queue.pending_count() == 0


def test_webhooks_accept_only_post(client):
    response = client.get("/webhooks")
    assert response.status_code == 405 and response.data == b""


class StatementLog:
    """Every statement an engine sends while the block runs (SQLAlchemy's cursor event)."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _note(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(" ".join(statement.split()))

    def __enter__(self):
        sqlalchemy_event.listen(self.engine, "before_cursor_execute", self._note)
        return self.statements

    def __exit__(self, *exc_info):
        sqlalchemy_event.remove(self.engine, "before_cursor_execute", self._note)


def test_a_delivery_and_its_repeat_are_one_statement_each_on_the_autocommit_ingest_engine(
        client, shop):
    ingest = db.engines[INGEST_BIND]
    with StatementLog(ingest) as ingest_statements, StatementLog(db.engine) as other_statements:
        first = deliver_webhook(client, "tests/endpoint-record", {"id": 1}, event_id="evt-1")
        again = deliver_webhook(client, "tests/endpoint-record", {"id": 1}, event_id="evt-1")

    assert first.status_code == again.status_code == 200
    assert len(ingest_statements) == 2 and other_statements == []
    for statement in ingest_statements:
        assert statement.startswith("INSERT INTO webhook_events")
        assert "ON CONFLICT (shop_domain, event_id) DO NOTHING RETURNING" in statement
    assert len(_events()) == 1 and queue.pending_count() == 1


def test_accepted_and_refused_deliveries_get_the_same_bare_headers_as_every_answer(client, shop):
    accepted = deliver_webhook(client, "tests/endpoint-record", {"id": 11})
    body = json_body({"id": 12})
    headers = webhook_headers("tests/endpoint-record", body)
    headers["X-Shopify-Hmac-Sha256"] = "bm90IHRoZSBzaWduYXR1cmU="
    refused = client.post("/webhooks", data=body, headers=headers)

    assert (accepted.status_code, refused.status_code) == (200, 401)
    for response in (accepted, refused):
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Length"] == "0" and response.data == b""
        assert "Set-Cookie" not in response.headers
