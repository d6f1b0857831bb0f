"""The real app (werkzeug over HTTP, its job worker in threads) against the Shopify, Dropi and
Ecomdrop stand-ins: what must hold end to end before the stand-ins can be trusted.

Elsewhere, end to end as well: install by token exchange
(standins/test_server_e2e.py::test_opening_the_app_in_the_admin_installs_it_by_token_exchange) and
the stand-in refusing an operation exactly as the schema does
(standins/test_shopify_contract.py::test_a_mutation_missing_from_the_schema_is_refused_exactly_as_graphql_validation_does).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from standins.demo import DemoConnectError
from app.extensions import cache, db
from app.models import ComplianceRequest, Shop, WebhookEvent, WebhookStatus
from app.models.types import utcnow
from standins.dropi import geography
from app.jobs import run_import_job
from app.services.product_import import ImportPreferences, job_progress, start_bulk_import
from tests.browser_support import running_stack
from tests.live_standins import wait_until
from tests.support import htmx_headers

pytestmark = pytest.mark.e2e
CONNECTED = "tienda-conectada.myshopify.com"
# Every scope of shopify.app.toml except the three that may read locations.
NARROW_SCOPES = ("read_products,write_products,read_orders,write_orders,read_fulfillments,"
                 "write_fulfillments,read_customers,read_files,write_files")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("e2e"), locale="en") as running:
        running.shopify.create_shop(CONNECTED, seed=True)
        running.install(CONNECTED)
        running.connect(CONNECTED)
        yield running


PAGES = ("/app/settings/locations", "/app")


def htmx_get(stack, shop: str, path: str) -> requests.Response:
    """An htmx request from inside the admin, as static/js/app.js sends it."""
    headers = {**htmx_headers(stack.shopify.session_token(shop)), "Accept-Language": "en"}
    return stack.app.get(path, timeout=60, headers=headers)


def locations_fragment(stack, shop: str) -> requests.Response:
    """What the Settings page's Locations section loads."""
    return htmx_get(stack, shop, "/app/settings/locations")


def shop_row(stack, domain: str) -> Shop:
    db.session.expire_all()
    return db.session.scalar(select(Shop).filter_by(domain=domain))


def test_an_admin_page_loads_with_a_real_session_token_and_htmx_sends_it_as_bearer(stack):
    document = stack.app.get(stack.iframe_url(CONNECTED, "/settings"))
    fragment = locations_fragment(stack, CONNECTED)
    unsigned = stack.app.get("/app/settings/locations", headers=htmx_headers(None))

    assert document.status_code == 200
    assert 'id="settings-locations"' in document.text and "Nuevo pedido" in document.text
    assert fragment.status_code == 200
    assert "Bodega Bogotá" in fragment.text  # a Shopify location of the seeded shop
    assert geography.warehouses("CO")[0].name in fragment.text  # a Dropi warehouse
    assert unsigned.status_code == 401
    assert unsigned.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_concurrent_requests_and_a_job_with_an_expiring_token_refresh_it_exactly_once(stack):
    before = stack.token_stats(CONNECTED)["refresh_calls"]
    catalog = stack.dropi.app.extensions["dropi_stand_in"].state.catalog("CO")
    product_ids = [str(p["id"]) for p in sorted(catalog.values(), key=lambda p: p["id"])
                   if not p["_private"]][:2]
    with stack.app.app.app_context():
        shop = shop_row(stack, CONNECTED)
        old_token = shop.access_token
        shop.access_token_expires_at = utcnow() + timedelta(seconds=60)  # inside the margin
        db.session.commit()
        job = start_bulk_import(stack.app.settings, shop, product_ids, ImportPreferences(),
                                enqueue=run_import_job)
        job_id, shop_id = job.id, shop.id

    # Three Locations sections (each reads Shopify) and three home pages (the session check
    # alone), all at once, while the job imports two products.
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: htmx_get(stack, CONNECTED, PAGES[i % 2]), range(6)))

    with stack.app.app.app_context():
        progress = wait_until(lambda: (p := job_progress(shop_id, job_id)).finished and p,
                              timeout=60)
        assert (progress.succeeded, progress.failed) == (2, 0), progress.last_error
        assert shop_row(stack, CONNECTED).access_token != old_token
    assert [a.status_code for a in answers] == [200] * 6
    assert all("Bodega Bogotá" in a.text for a in answers[0::2])
    assert all("Tienda Andina" in a.text for a in answers[1::2])
    assert stack.token_stats(CONNECTED)["refresh_calls"] == before + 1


def test_a_webhook_delivered_three_times_is_stored_once_and_processed_once(stack):
    requests.post(f"{stack.shopify.url}/standin/webhooks/settings", json={"copies": 3},
                  timeout=5).raise_for_status()
    try:
        requests.post(f"{stack.shopify.url}/standin/webhooks", timeout=5, json={
            "shop": CONNECTED, "topic": "customers/data_request",
            "payload": {"shop_domain": CONNECTED, "customer": {"id": 7, "email": "a@b.co"},
                        "orders_requested": [], "data_request": {"id": 31}}}).raise_for_status()
        stack.shopify.wait_for_webhooks()
    finally:
        requests.post(f"{stack.shopify.url}/standin/webhooks/settings", json={"copies": 1},
                      timeout=5)

    copies = stack.shopify.deliveries(topic="customers/data_request", shop=CONNECTED)
    assert [a["status"] for d in copies for a in d["attempts"]] == [200, 200, 200]
    assert len({d["event_id"] for d in copies}) == 1
    with stack.app.app.app_context():
        def processed():
            db.session.expire_all()
            events = db.session.scalars(select(WebhookEvent).filter_by(
                shop_domain=CONNECTED, topic="customers/data_request")).all()
            return events if events and events[0].status == WebhookStatus.PROCESSED else None

        [event] = wait_until(processed, timeout=20)
        assert event.attempts == 1
        assert db.session.scalar(select(func.count()).select_from(ComplianceRequest).filter_by(
            shop_domain=CONNECTED, topic="customers/data_request")) == 1


def test_a_query_refused_for_a_missing_scope_shows_a_clear_message(stack):
    shop = "tienda-sin-ubicaciones.myshopify.com"
    stack.shopify.create_shop(shop, seed=True, scopes=NARROW_SCOPES)
    stack.install(shop)
    with pytest.raises(DemoConnectError) as refused:
        stack.connect(shop)  # Dropi and Ecomdrop are saved; mapping locations is refused

    fragment = locations_fragment(stack, shop)
    page = stack.app.get(stack.iframe_url(shop, "/settings"))

    assert "read_locations" in refused.value.message
    assert fragment.status_code == 200 and page.status_code == 200
    assert "Shopify could not list your locations" in fragment.text
    assert "read_locations" in fragment.text and "Try again" in fragment.text
    assert "Something went wrong" not in fragment.text
    assert "<h1>Settings</h1>" in page.text


def test_throttling_is_waited_out_and_the_page_still_shows_the_data(stack, caplog):
    shop = "tienda-ocupada.myshopify.com"
    stack.shopify.create_shop(shop, seed=True)
    stack.install(shop)
    stack.connect(shop)
    restore_rate = 200.0
    stack.shopify.faults(throttle={"shop": shop, "size": 600, "restore_rate": restore_rate})
    stack.shopify.store.bucket(shop).drain()  # another app just spent every point
    with stack.app.app.app_context():
        cache.clear()  # connecting filled the Locations lists, kept a minute: ask Shopify again

    started = time.monotonic()
    fragment = locations_fragment(stack, shop)
    elapsed = time.monotonic() - started

    assert fragment.status_code == 200
    assert "Bodega Bogotá" in fragment.text and 'role="alert"' not in fragment.text
    waits = [r.getMessage() for r in caplog.records
             if "waits" in r.getMessage() and shop in r.getMessage()]
    assert waits, "the client never waited for the bucket"
    assert elapsed >= 100 / restore_rate  # the locations query requests about 100 points
