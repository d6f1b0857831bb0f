"""Refunds and Shopify fulfillments end to end: the real app and its worker over HTTP with the
Shopify, Dropi and Ecomdrop stand-ins. The merchant refunds and fulfils in the simulated Shopify
admin (its webhooks reach the app, several times and out of order when the switches say so);
Dropi returns an order and the app refunds it in Shopify when the merchant allows it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import (
    OrderEvent,
    OrderFulfillment,
    Refund,
    Shipment,
    ShopConfiguration,
    WebhookEvent,
    WebhookStatus,
)
from app.models.sync import SyncLogEntry, SyncRun
from app.services.order_pipeline import event_text
from app.services.sync import run_option
from app.services.shipments import confirm_hint
from standins.shopify.payloads import refund_payload
from tests.live_standins import wait_until
from tests.order_pipeline_support import (
    dropi_orders_for,
    dropi_skus,
    new_merchant,
    number,
    place_order,
    record,
    running_order_stack,
    shop,
    wait_for_step,
)
from tests.support import embedded_query, htmx_headers, mint_session_token

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # No Dropi status webhook here: each test applies Dropi's answer itself, as the job does.
    with running_order_stack(tmp_path_factory.mktemp("refunds"),
                             order_retry_seconds="0.2") as running:
        yield running


@pytest.fixture
def webhooks(stack):
    """The stand-in's delivery switches, back to one in-order copy after the test."""
    settings = f"{stack.shopify.url}/standin/webhooks/settings"

    def switch(**values):
        requests.post(settings, json=values, timeout=5).raise_for_status()

    yield switch
    switch(copies=1, out_of_order=False, enabled=True)


def _merchant(stack, **options) -> str:
    domain = new_merchant(stack)
    with stack.app.app.app_context():
        db.session.execute(db.update(ShopConfiguration)
                           .where(ShopConfiguration.shop_id == shop(domain).id)
                           .values(**options))
        db.session.commit()
    return domain


def shop_id(stack, domain) -> int:
    with stack.app.app.app_context():
        return shop(domain).id


def _order_in_dropi(stack, domain, *, cod=True, quantity=1):
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1], cod=cod,
                        quantity=quantity)
    wait_for_step(stack, domain, order, "dropi", "done")
    [dropi_order] = dropi_orders_for(stack, order)
    return order, dropi_order


def _store_order(stack, domain, order) -> dict:
    return stack.shopify.store.shop(domain).orders[order["id"]]


def _refunds_in_shopify(stack, domain, order) -> list[dict]:
    store_shop = stack.shopify.store.shop(domain)
    return [store_shop.refunds[r] for r in _store_order(stack, domain, order)["_refunds"]]


def _admin(stack, path: str, body: dict) -> requests.Response:
    return requests.post(f"{stack.shopify.url}/standin/shops/{path}", json=body, timeout=10)


def _read(stack, model, *conditions):
    with stack.app.app.app_context():
        db.session.expire_all()
        rows = list(db.session.scalars(select(model).where(*conditions)))
        db.session.expunge_all()
        return rows


def _events_done(stack, domain, topic) -> bool:
    waiting = _read(stack, WebhookEvent, WebhookEvent.shop_domain == domain,
                    WebhookEvent.topic == topic,
                    WebhookEvent.status != WebhookStatus.PROCESSED)
    return not waiting


def _timeline(stack, order_record_id) -> list[str]:
    with stack.app.app.app_context(), stack.app.app.test_request_context("/?locale=en"):
        events = db.session.scalars(select(OrderEvent).where(
            OrderEvent.order_id == order_record_id).order_by(OrderEvent.id))
        return [event_text(e) for e in events]


def _page(stack, domain, path) -> str:
    query = embedded_query(domain, id_token=mint_session_token(domain), locale="en")
    return stack.app.get(f"{path}?{query}").text


# --- refunds made in Shopify ------------------------------------------------------------------

def test_a_refund_delivered_three_times_is_one_row_and_flags_its_dropi_line(stack, webhooks):
    domain = _merchant(stack, get_refunds=True)
    order, _dropi = _order_in_dropi(stack, domain, cod=False, quantity=2)
    line = _store_order(stack, domain, order)["_lines"][0]
    webhooks(copies=3)

    made = _admin(stack, f"{domain}/orders/{number(order)}/refunds",
                  {"lines": [{"sku": line["sku"], "quantity": 2}],
                   "amount": str(line["_price"] * 2)})
    assert made.status_code == 201, made.text
    stack.shopify.wait_for_webhooks()
    # The same refund again as a new event (Shopify may send an event twice under two ids).
    store_shop = stack.shopify.store.shop(domain)
    stack.shopify.stand_in.webhooks.emit(domain, "refunds/create",
                                         refund_payload(store_shop, store_shop.refunds[
                                             made.json()["id"]]))
    stack.shopify.wait_for_webhooks()
    wait_until(lambda: _events_done(stack, domain, "refunds/create"), timeout=20)

    [refund] = _read(stack, Refund, Refund.shop_id == shop_id(stack, domain))
    assert refund.shopify_order_id == number(order)
    assert refund.amount == refund.lines_amount == line["_price"] * 2
    assert isinstance(refund.amount, Decimal) and refund.direction == "from_shopify"
    assert [(entry["quantity"], entry["dropi"]) for entry in refund.lines] == [(2, True)]
    found = record(stack, domain, order)
    assert found.refund_to_settle and found.needs_attention
    expected = f"Refunded in Shopify: 2 × {line['name']} — settle it with Dropi."
    assert _timeline(stack, found.id).count(expected) == 1
    listing = _page(stack, domain, "/app/orders")
    assert "Dropi products were refunded in Shopify: settle them with Dropi." in listing


def test_the_merchant_marks_a_refunded_dropi_line_as_settled(stack):
    domain = _merchant(stack, get_refunds=True)
    order, _dropi = _order_in_dropi(stack, domain, cod=False)
    line = _store_order(stack, domain, order)["_lines"][0]
    _admin(stack, f"{domain}/orders/{number(order)}/refunds",
           {"lines": [{"sku": line["sku"], "quantity": 1}]}).raise_for_status()
    wait_until(lambda: record(stack, domain, order).refund_to_settle, timeout=20)
    found = record(stack, domain, order)

    answer = stack.app.post(f"/app/orders/{found.id}/settle_refund?shop={domain}&embedded=1"
                            "&locale=en", headers=htmx_headers(mint_session_token(domain)))
    assert answer.status_code == 200
    assert "Marked as settled with Dropi." in answer.headers.get("HX-Trigger", "") + answer.text
    settled = record(stack, domain, order)
    assert not settled.refund_to_settle and not settled.needs_attention


def test_refunds_are_not_recorded_while_get_refunds_is_off(stack):
    domain = _merchant(stack, get_refunds=False)
    order, _dropi = _order_in_dropi(stack, domain, cod=False)
    line = _store_order(stack, domain, order)["_lines"][0]
    _admin(stack, f"{domain}/orders/{number(order)}/refunds",
           {"lines": [{"sku": line["sku"], "quantity": 1}]}).raise_for_status()
    stack.shopify.wait_for_webhooks()
    wait_until(lambda: _events_done(stack, domain, "refunds/create"), timeout=20)

    assert _read(stack, Refund, Refund.shop_id == shop_id(stack, domain)) == []
    assert not record(stack, domain, order).refund_to_settle


def test_shopify_refuses_refunds_beyond_what_was_paid_or_of_unknown_lines(stack):
    domain = _merchant(stack, get_refunds=True)
    order, _dropi = _order_in_dropi(stack, domain, cod=True)
    line = _store_order(stack, domain, order)["_lines"][0]
    path = f"{domain}/orders/{number(order)}/refunds"

    unpaid = _admin(stack, path, {"lines": [{"sku": line["sku"], "quantity": 1}],
                                  "amount": "1000"})
    too_many = _admin(stack, path, {"lines": [{"sku": line["sku"], "quantity": 5}]})
    unknown = _admin(stack, path, {"lines": [{"sku": "NOT-IN-ORDER", "quantity": 1}]})

    assert (unpaid.status_code, too_many.status_code, unknown.status_code) == (422, 422, 422)
    assert "exceeds the refundable amount" in unpaid.json()["error"]
    assert "more items than were purchased" in too_many.json()["error"]
    assert "does not belong to the order" in unknown.json()["error"]
    assert _refunds_in_shopify(stack, domain, order) == []


def test_the_backfill_records_refunds_the_webhook_missed_and_twice_adds_nothing(stack,
                                                                               webhooks):
    domain = _merchant(stack, get_refunds=True)
    order, _dropi = _order_in_dropi(stack, domain, cod=False)
    other, _other_dropi = _order_in_dropi(stack, domain, cod=False)
    line = _store_order(stack, domain, order)["_lines"][0]
    webhooks(enabled=False)  # Shopify never delivered these refunds/create
    for placed in (order, other):
        _admin(stack, f"{domain}/orders/{number(placed)}/refunds",
               {"lines": [{"sku": line["sku"], "quantity": 1}],
                "amount": str(line["_price"])}).raise_for_status()
    webhooks(enabled=True)

    first, second = _run(stack, domain, "refunds"), _run(stack, domain, "refunds")

    rows = _read(stack, Refund, Refund.shop_id == shop_id(stack, domain))
    assert sorted(r.shopify_order_id for r in rows) == sorted([number(order), number(other)])
    assert all(r.amount == line["_price"] and r.lines[0]["dropi"] for r in rows)
    assert (first.status, first.flagged, first.failed) == ("succeeded", 2, 0)
    assert first.checked >= 2 and first.shopify_cost_points > 0
    assert (second.status, second.changed, second.flagged) == ("succeeded", 0, 0)
    assert record(stack, domain, order).refund_to_settle
    # Both runs read the orders with one bulk query each, filtered by update date.
    operations = list(stack.shopify.store.shop(domain).bulk_operations.values())
    assert [o["status"] for o in operations] == ["COMPLETED", "COMPLETED"]
    assert all('orders(query: "updated_at:>=' in o["query"] and o["rootObjectCount"] >= 2
               for o in operations)
    entries = _read(stack, SyncLogEntry, SyncLogEntry.shop_id == shop_id(stack, domain),
                    SyncLogEntry.option == "refunds")
    assert len(entries) == 2 and {e.outcome for e in entries} == {"flagged"}


def _run(stack, domain, option) -> SyncRun:
    with stack.app.app.app_context():
        try:
            run = run_option(stack.app.settings, domain, option, force=True)
            db.session.expunge(run)
            return run
        finally:
            db.session.remove()


# --- a Dropi return refunded in Shopify -------------------------------------------------------

def _returned(stack, dropi_order) -> None:
    requests.post(f"{stack.dropi.url}/standin/orders/{dropi_order['id']}/status",
                  json={"status": "DEVOLUCION"}, timeout=5).raise_for_status()


def _apply_dropi(stack, order_record_id: int):
    """What the status job does for an order: ask Dropi, apply its answer."""
    with stack.app.app.app_context():
        try:
            return confirm_hint(stack.app.settings, order_record_id)
        finally:
            db.session.remove()


def _shipment(stack, order_record_id) -> Shipment:
    [found] = _read(stack, Shipment, Shipment.order_id == order_record_id)
    return found


def test_a_dropi_return_of_a_paid_order_is_refunded_once_when_the_job_runs_three_times(stack):
    domain = _merchant(stack, get_refunds=True, refund_dropi_returns=True)
    order, dropi_order = _order_in_dropi(stack, domain, cod=False, quantity=2)
    found = record(stack, domain, order)
    line = _store_order(stack, domain, order)["_lines"][0]
    _returned(stack, dropi_order)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _n: _apply_dropi(stack, found.id), range(3)))
    _apply_dropi(stack, found.id)

    [refund] = _refunds_in_shopify(stack, domain, order)
    assert refund["_amount"] == line["_price"] * 2
    assert [(e["quantity"], e["restockType"]) for e in refund["_lines"]] == [(2, "NO_RESTOCK")]
    assert refund["note"].startswith(f"Dropi return {dropi_order['id']} ")
    assert _store_order(stack, domain, order)["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    shipment = _shipment(stack, found.id)
    assert (shipment.return_refund_state, shipment.return_refund_id) == ("done", refund["id"])
    [row] = wait_until(lambda: _read(stack, Refund, Refund.shop_id == shop_id(stack, domain)))
    assert (row.direction, row.amount) == ("to_shopify", line["_price"] * 2)
    wait_until(lambda: _events_done(stack, domain, "refunds/create"), timeout=20)
    assert len(_read(stack, Refund, Refund.shop_id == shop_id(stack, domain))) == 1
    assert not record(stack, domain, order).refund_to_settle  # the connector's own refund
    panel = _page(stack, domain, f"/app/orders/{found.id}/shipment")
    assert "The return was refunded in Shopify." in panel


def test_a_lost_refund_answer_is_found_on_shopify_and_never_refunded_twice(stack):
    domain = _merchant(stack, refund_dropi_returns=True)
    order, dropi_order = _order_in_dropi(stack, domain, cod=False)
    found = record(stack, domain, order)
    _returned(stack, dropi_order)
    # refundCreate runs and every answer to it (the client's retries included) is lost on the
    # way back.
    stack.shopify.faults(sequence=["lost"] * 5, operations=["refundCreate"])
    try:
        _apply_dropi(stack, found.id)
    finally:
        stack.shopify.faults()
    assert _shipment(stack, found.id).return_refund_state == "requested"
    assert len(_refunds_in_shopify(stack, domain, order)) == 1  # it did run

    retried = _run(stack, domain, "returns")  # the hourly retry of returns still to refund
    _apply_dropi(stack, found.id)

    assert (retried.checked, retried.changed, retried.failed) == (1, 1, 0)
    assert len(_refunds_in_shopify(stack, domain, order)) == 1
    shipment = _shipment(stack, found.id)
    assert shipment.return_refund_state == "done"
    assert shipment.return_refund_id == _refunds_in_shopify(stack, domain, order)[0]["id"]


def test_a_returned_cash_on_delivery_order_is_refunded_without_money(stack):
    domain = _merchant(stack, refund_dropi_returns=True)
    order, dropi_order = _order_in_dropi(stack, domain, cod=True)
    found = record(stack, domain, order)
    _returned(stack, dropi_order)

    _apply_dropi(stack, found.id)

    [refund] = _refunds_in_shopify(stack, domain, order)
    assert refund["_amount"] == 0 and refund["_transactions"] == []
    assert [e["quantity"] for e in refund["_lines"]] == [1]
    assert _store_order(stack, domain, order)["_lines"][0]["refundableQuantity"] == 0
    assert any(text.startswith("Refunded in Shopify after the Dropi return")
               for text in _timeline(stack, found.id))


def test_a_dropi_return_is_not_refunded_when_the_setting_is_off(stack):
    domain = _merchant(stack, get_refunds=True, refund_dropi_returns=False)
    order, dropi_order = _order_in_dropi(stack, domain, cod=False)
    found = record(stack, domain, order)
    _returned(stack, dropi_order)

    _apply_dropi(stack, found.id)

    assert _shipment(stack, found.id).phase == "returned"
    assert _refunds_in_shopify(stack, domain, order) == []
    assert _shipment(stack, found.id).return_refund_state is None


# --- fulfillments made in Shopify -------------------------------------------------------------

@pytest.mark.parametrize("out_of_order", [True, False], ids=["newest first", "in order"])
def test_an_outside_fulfillment_created_and_updated_is_recorded_once_with_the_newest_data(
        stack, webhooks, out_of_order):
    domain = _merchant(stack, get_shipments=True)
    order, _dropi = _order_in_dropi(stack, domain)
    # Both happen within one second: Shopify's updated_at is the same for the two states.
    webhooks(copies=3, out_of_order=out_of_order)

    made = _admin(stack, f"{domain}/orders/{number(order)}/fulfillments",
                  {"company": "Coordinadora", "number": "OLD-111"})
    assert made.status_code == 201, made.text
    _admin(stack, f"{domain}/fulfillments/{made.json()['number']}/tracking",
           {"company": "Servientrega", "number": "NEW-222",
            "url": "https://example.com/track/NEW-222"}).raise_for_status()
    requests.post(f"{stack.shopify.url}/standin/webhooks/flush", timeout=5)
    stack.shopify.wait_for_webhooks()
    wait_until(lambda: _events_done(stack, domain, "fulfillments/create")
               and _events_done(stack, domain, "fulfillments/update"), timeout=20)

    [row] = _read(stack, OrderFulfillment, OrderFulfillment.shop_id == shop_id(stack, domain))
    assert (row.carrier, row.tracking_number, row.ours) == ("Servientrega", "NEW-222", False)
    assert row.tracking_url == "https://example.com/track/NEW-222"
    found = record(stack, domain, order)
    assert any(text.startswith("Fulfilled in Shopify outside the app")
               for text in _timeline(stack, found.id))
    listing = _page(stack, domain, "/app/orders")
    assert "Shipped outside the app: Servientrega NEW-222" in listing
    panel = _page(stack, domain, f"/app/orders/{found.id}/shipment")
    assert "NEW-222" in panel and "Made outside the app" in panel


def test_the_apps_own_fulfillment_is_recognised_not_duplicated(stack, webhooks):
    domain = _merchant(stack, get_shipments=True)
    order, dropi_order = _order_in_dropi(stack, domain)
    found = record(stack, domain, order)
    webhooks(copies=3)
    requests.post(f"{stack.dropi.url}/standin/orders/{dropi_order['id']}/status",
                  json={"status": "GUIA_GENERADA"}, timeout=5).raise_for_status()

    _apply_dropi(stack, found.id)
    stack.shopify.wait_for_webhooks()
    wait_until(lambda: _events_done(stack, domain, "fulfillments/create"), timeout=20)

    [ours] = [f for f in stack.shopify.store.shop(domain).fulfillments.values()
              if f["_order"] == order["id"]]
    [row] = _read(stack, OrderFulfillment, OrderFulfillment.shop_id == shop_id(stack, domain))
    assert row.ours and row.shopify_fulfillment_id == str(ours["_number"])
    assert not any("outside the app" in text for text in _timeline(stack, found.id))
    assert "Shipped outside the app" not in _page(stack, domain, "/app/orders")

