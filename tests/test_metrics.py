"""GET /metrics after real traffic: each named metric moves; without its token it is not there."""
from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import jwt
import pytest
import responses
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.clients.dropi import DropiClient, RequestBudget
from app.clients.shopify import ShopifyClient
from app.clients.shopify_throttle import ThrottleState
from app.extensions import db, queue
from app.graphql import OPERATIONS_DIR
from app.jobs import requeue_stale_webhook_events
from app.metrics import prepare_multiprocess_directory
from app.models import StepState, WebhookEvent, WebhookStatus
from app.models.types import utcnow
from tests.conftest import create_shop, deliver_webhook, run_pending_jobs
from tests.factories import recorded_order
from tests.support import APP_URL, make_settings

METRICS_TOKEN = "metrics-token-for-tests"
SHOP = "metrics-shop.myshopify.com"
SHOPIFY_ENDPOINT = f"https://{SHOP}/admin/api/2026-10/graphql.json"
DROPI_LIST = "https://api.dropi.co/integrations/products/index"


@pytest.fixture
def metered_app(app):
    app.config["SETTINGS"].metrics_token = METRICS_TOKEN
    return app


def scrape(client) -> dict[str, list]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples, name: str, **labels) -> float:
    return sum(s.value for s in samples.get(name, [])
               if all(s.labels.get(k) == v for k, v in labels.items()))


def cost(requested: int, available: float) -> dict:
    return {"requestedQueryCost": requested, "actualQueryCost": requested,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": available,
                               "restoreRate": 50.0}}


def test_metrics_need_their_token(metered_app, tmp_path):
    client = metered_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    unconfigured = create_app(make_settings(tmp_path / "other"))
    assert unconfigured.test_client().get("/metrics").status_code == 404


@responses.activate
def test_each_named_metric_reads_real_traffic(metered_app):
    client = metered_app.test_client()
    create_shop(SHOP)
    before = scrape(client)

    client.get("/healthz")
    assert deliver_webhook(client, "app/scopes_update", {"current": ["read_products"]},
                           shop=SHOP).status_code == 200
    refused = client.post("/webhooks", data=b"{}", headers={
        "X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "forged",
        "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Webhook-Id": "x", "Content-Type":
        "application/json"})
    assert refused.status_code == 401
    queued = scrape(client)
    assert run_pending_jobs() == 1

    # Shopify answers THROTTLED once, then the query; the wait and the points are counted.
    responses.post(SHOPIFY_ENDPOINT, json={
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {**cost(10, 0.0), "actualQueryCost": None}}})
    responses.post(SHOPIFY_ENDPOINT, json={"data": {"shop": {"name": "Tienda"}},
                                           "extensions": {"cost": cost(10, 990.0)}})
    shopify = ShopifyClient(SHOP, base_url=f"https://{SHOP}", api_version="2026-10",
                            access_token=lambda: "shpat_live", sleep=lambda s: None,
                            throttle=ThrottleState(), operations_dir=OPERATIONS_DIR)
    shopify.query("shop_details")
    # Dropi answers 429 once.
    responses.post(DROPI_LIST, status=429, json={"message": "Too Many Attempts."},
                   headers={"Retry-After": "0"})
    responses.post(DROPI_LIST, json={"isSuccess": True, "objects": [], "count": 0})
    token = jwt.encode({"ip_url": [{"url": APP_URL, "ip": "190.85.44.12"}]}, "k" * 32)
    DropiClient(token, "CO", budget=RequestBudget(6000, burst=1000), allowed_url=APP_URL,
                sleep=lambda s: None).list_products()

    after = scrape(client)
    assert (value(after, "connector_http_request_seconds_count", route="/healthz", method="GET",
                  status="200")
            - value(before, "connector_http_request_seconds_count", route="/healthz")) == 1
    assert (value(after, "connector_webhook_deliveries_total", topic="app/scopes_update",
                  outcome="queued")
            - value(before, "connector_webhook_deliveries_total", topic="app/scopes_update",
                    outcome="queued")) == 1
    assert (value(after, "connector_webhook_deliveries_total", topic="orders/create",
                  outcome="refused")
            - value(before, "connector_webhook_deliveries_total", topic="orders/create",
                    outcome="refused")) == 1
    assert value(queued, "connector_queue_depth") == 1
    assert value(after, "connector_queue_depth") == 0
    assert value(queued, "connector_webhook_events_unfinished", status="received") == 1
    assert value(after, "connector_webhook_events_unfinished", status="received") == 0
    assert (value(after, "connector_webhook_lag_seconds_count", topic="app/scopes_update")
            - value(before, "connector_webhook_lag_seconds_count", topic="app/scopes_update")) == 1
    assert (value(after, "connector_jobs_total", task="process_webhook_event",
                  outcome="complete")
            - value(before, "connector_jobs_total", task="process_webhook_event",
                    outcome="complete")) == 1
    assert (value(after, "connector_shopify_cost_points_total", shop=SHOP)
            - value(before, "connector_shopify_cost_points_total", shop=SHOP)) == 10
    assert (value(after, "connector_shopify_throttle_wait_seconds_total", shop=SHOP)
            - value(before, "connector_shopify_throttle_wait_seconds_total", shop=SHOP)) > 0
    assert (value(after, "connector_dropi_rate_limited_total", country="CO")
            - value(before, "connector_dropi_rate_limited_total", country="CO")) == 1


def test_a_process_starting_on_the_machine_keeps_the_figures_of_the_live_ones(tmp_path,
                                                                             monkeypatch):
    folder = tmp_path / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    assert prepare_multiprocess_directory() == folder and folder.is_dir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    for pid in (gone.pid, os.getpid()):
        (folder / f"counter_{pid}.db").write_bytes(b"figures")
        (folder / f"histogram_{pid}.db").write_bytes(b"figures")

    prepare_multiprocess_directory()  # e.g. the web server restarting beside a running worker
    assert sorted(f.name for f in folder.iterdir()) == [
        f"counter_{os.getpid()}.db", f"histogram_{os.getpid()}.db"]


def test_events_of_a_dead_worker_are_counted_when_the_sweep_queues_them_again(metered_app):
    client = metered_app.test_client()
    create_shop(SHOP)
    deliver_webhook(client, "app/scopes_update", {"current": ["read_products"]}, shop=SHOP)
    queue.flush()  # the worker that took the job was killed
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    event.status, event.attempts = WebhookStatus.PROCESSING, 1
    event.lease_expires_at = utcnow() - timedelta(seconds=1)  # its lease has run out
    db.session.commit()
    before = scrape(client)
    assert value(before, "connector_webhook_events_unfinished", status="processing") == 1

    assert requeue_stale_webhook_events.call_local() == 1
    run_pending_jobs()
    after = scrape(client)
    assert (value(after, "connector_webhook_events_requeued_total", reason="dead_worker")
            - value(before, "connector_webhook_events_requeued_total", reason="dead_worker")) == 1
    assert value(after, "connector_webhook_events_unfinished", status="processing") == 0


def test_order_pipeline_steps_are_counted_by_step_and_state(metered_app):
    client = metered_app.test_client()
    shop = create_shop(SHOP)
    before = scrape(client)

    recorded_order(shop, 1001, steps={"dropi": (StepState.FAILED, "Dropi refused the city")})
    recorded_order(shop, 1002, steps={"dropi": (StepState.WAITING, "city_unknown")})

    after = scrape(client)
    for state in ("failed", "waiting"):
        assert (value(after, "connector_order_steps", step="dropi", state=state)
                - value(before, "connector_order_steps", step="dropi", state=state)) == 1
