"""Shipments end to end: the real app and its worker over HTTP with the Shopify, Dropi and
Ecomdrop stand-ins. Dropi's stand-in POSTs its unsigned status webhook to the app, the app
confirms each with Dropi on the shop's token, polls, and writes fulfillments to Shopify."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import OrderRecord, Shipment, ShopConfiguration
from app.models.types import utcnow
from app.services.shipments import confirm_hint, poll_shop
from app.services.shipments.fulfillment import take_lease
from app.services.shipments.statuses import tracking_url
from tests.live_standins import wait_until
from tests.order_pipeline_support import (
    dropi_orders_for,
    dropi_skus,
    new_merchant,
    place_order,
    record,
    running_order_stack,
    shop,
    wait_for_step,
)
from tests.support import embedded_query, mint_session_token

pytestmark = pytest.mark.e2e
STATUS_HOOK = "/webhooks/dropi/status"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_order_stack(tmp_path_factory.mktemp("shipments"),
                             order_retry_seconds="0.2") as running:
        requests.post(f"{running.dropi.url}/standin/config", timeout=5,
                      json={"status_webhook_url": running.app.url + STATUS_HOOK})
        yield running


@pytest.fixture(scope="module")
def merchant(stack):
    domain = new_merchant(stack)
    with stack.app.app.app_context():
        db.session.execute(db.update(ShopConfiguration)
                           .where(ShopConfiguration.shop_id == shop(domain).id)
                           .values(get_shipments=True, send_shipping_confirmation=True))
        db.session.commit()
    return domain


def _order_in_dropi(stack, domain, phone=None):
    """A COD order placed in the store that the pipeline has sent to Dropi."""
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1], phone=phone)
    wait_for_step(stack, domain, order, "dropi", "done")
    [dropi_order] = dropi_orders_for(stack, order)
    return order, dropi_order


def _set_status(stack, dropi_id, status):
    response = requests.post(f"{stack.dropi.url}/standin/orders/{dropi_id}/status",
                             json={"status": status}, timeout=5)
    response.raise_for_status()
    return response.json()


def _shipment(stack, domain, order) -> Shipment | None:
    found = record(stack, domain, order)
    with stack.app.app.app_context():
        db.session.expire_all()
        shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == found.id))
        if shipment is not None:
            _ = list(shipment.history)
            db.session.expunge_all()
        return shipment


def _store_order(stack, domain, order):
    return stack.shopify.store.shop(domain).orders[order["id"]]


def _fulfillments(stack, domain, order) -> list[dict]:
    store_shop = stack.shopify.store.shop(domain)
    return [store_shop.fulfillments[f] for f in _store_order(stack, domain, order)["_fulfillments"]]


def _wait_status(stack, domain, order, status, timeout=25.0):
    return wait_until(lambda: (s := _shipment(stack, domain, order)) and s.status == status and s,
                      timeout=timeout)


def _in_app(stack, func, *args):
    with stack.app.app.app_context():
        try:
            return func(stack.app.settings, *args)
        finally:
            db.session.remove()


def test_a_guide_arriving_by_webhook_and_by_poll_at_once_makes_one_fulfillment(stack, merchant):
    order, dropi_order = _order_in_dropi(stack, merchant)
    record_id = record(stack, merchant, order).id
    guided = _set_status(stack, dropi_order["id"], "GUIA_GENERADA")  # the webhook goes out now
    domain_shop = lambda: db.session.scalar(select(type(shop(merchant))).where(  # noqa: E731
        type(shop(merchant)).domain == merchant))

    def poll(settings):
        return poll_shop(settings, domain_shop())

    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(_in_app, stack, confirm_hint, record_id) for _ in range(2)]
        jobs += [pool.submit(_in_app, stack, poll) for _ in range(2)]
        for job in jobs:
            job.result()
    shipment = wait_until(lambda: (s := _shipment(stack, merchant, order))
                          and s.shopify_fulfillment_id and s)

    [fulfillment] = _fulfillments(stack, merchant, order)
    [tracking] = fulfillment["_tracking"]
    assert tracking["number"] == guided["shipping_guide"] == shipment.guide
    assert tracking["company"] == guided["shipping_company"]
    # The carrier's public tracking page when it is one we know (DOMINA has none).
    assert tracking["url"] == tracking_url(guided["shipping_company"], guided["shipping_guide"])
    assert _store_order(stack, merchant, order)["displayFulfillmentStatus"] == "FULFILLED"
    # Later deliveries of the same status change nothing.
    _in_app(stack, confirm_hint, record_id)
    assert len(_fulfillments(stack, merchant, order)) == 1


def test_a_new_guide_updates_the_tracking_and_delivery_is_recorded_on_shopify(stack, merchant):
    order, dropi_order = _order_in_dropi(stack, merchant)
    _set_status(stack, dropi_order["id"], "GUIA_GENERADA")
    wait_until(lambda: (s := _shipment(stack, merchant, order)) and s.shopify_fulfillment_id)
    changed = requests.post(f"{stack.dropi.url}/standin/orders/{dropi_order['id']}/guide",
                            timeout=5).json()
    # A notice moments after the last one is confirmed when the quiet time (5 s) ends.
    wait_until(lambda: _fulfillments(stack, merchant, order)[0]["_tracking"][0]["number"]
               == changed["shipping_guide"], timeout=20)

    _set_status(stack, dropi_order["id"], "ENTREGADO")
    wait_until(lambda: "dropi-entregado" in _store_order(stack, merchant, order)["tags"],
               timeout=20)
    [fulfillment] = _fulfillments(stack, merchant, order)
    assert [e["status"] for e in fulfillment["_events"]] == ["DELIVERED"]
    assert _shipment(stack, merchant, order).phase == "delivered"


def test_forged_webhooks_change_nothing(stack, merchant):
    order, dropi_order = _order_in_dropi(stack, merchant)
    other = new_merchant(stack)
    other_order, other_dropi = _order_in_dropi(stack, other)
    hook = stack.app.url + STATUS_HOOK
    forged = [
        {"id": 99_999_999, "status": "ENTREGADO", "shop_order_id": "1"},  # no such order
        # Another shop's Dropi order named with this shop's order id.
        {"id": other_dropi["id"], "status": "ENTREGADO",
         "shop_order_id": dropi_order["shop_order_id"]},
        # The right order, a status Dropi does not confirm.
        {"id": dropi_order["id"], "status": "ENTREGADO", "shipping_guide": "FAKE1",
         "shipping_company": "FAKE", "shop_order_id": dropi_order["shop_order_id"]},
        "not json at all",
    ]
    answers = [requests.post(hook, json=body, timeout=5).status_code for body in forged[:3]]
    answers.append(requests.post(hook, data=forged[3], timeout=5).status_code)
    assert answers == [200, 200, 200, 400]

    # The notice about the right order was confirmed with Dropi, which says otherwise.
    shipment = wait_until(lambda: (s := _shipment(stack, merchant, order)) and s.history and s)
    assert [h.status for h in shipment.history] == [dropi_order["status"]]
    assert shipment.status == dropi_order["status"] and shipment.guide is None
    assert _fulfillments(stack, merchant, order) == []
    assert "dropi-entregado" not in _store_order(stack, merchant, order)["tags"]
    other_shipment = _shipment(stack, other, other_order)
    assert other_shipment is None or other_shipment.status != "ENTREGADO"


def test_a_status_never_seen_before_is_stored_and_shown_as_in_progress(stack, merchant):
    order, dropi_order = _order_in_dropi(stack, merchant)
    _set_status(stack, dropi_order["id"], "RETENIDO EN ADUANA")
    shipment = _wait_status(stack, merchant, order, "RETENIDO EN ADUANA")

    assert shipment.phase == "in_progress"
    assert [h.status for h in shipment.history][-1] == "RETENIDO EN ADUANA"
    found = record(stack, merchant, order)
    query = embedded_query(merchant, id_token=mint_session_token(merchant), locale="en")
    page = stack.app.get(f"/app/orders/{found.id}/shipment?{query}").text
    assert "RETENIDO EN ADUANA (in progress)" in page


def test_an_incident_runs_the_flow_once_and_clears_when_solved(stack, merchant):
    from tests.order_pipeline_support import flow_runs_for, new_phone

    phone = new_phone()
    order, dropi_order = _order_in_dropi(stack, merchant, phone=phone)
    with stack.app.app.app_context():
        incident_flow = db.session.scalar(select(ShopConfiguration.ecomdrop_incident_flow_id)
                                          .where(ShopConfiguration.shop_id
                                                 == shop(merchant).id))
    _set_status(stack, dropi_order["id"], "GUIA_GENERADA")
    _set_status(stack, dropi_order["id"], "EN REPARTO")
    _set_status(stack, dropi_order["id"], "NOVEDAD")
    shipment = wait_until(lambda: (s := _shipment(stack, merchant, order))
                          and s.incident_flow_state == "sent" and s, timeout=25)
    record_id = record(stack, merchant, order).id
    for _ in range(3):  # the webhook again and again, and the poll
        _in_app(stack, confirm_hint, record_id)
    _in_app(stack, lambda settings: poll_shop(settings, shop(merchant)))

    runs = [r for r in flow_runs_for(stack, phone) if str(r["flow_id"]) == incident_flow]
    assert len(runs) == 1
    assert runs[0]["fields"]["novedad_texto"] == shipment.incident_text
    assert shipment.incident_open and record(stack, merchant, order).needs_attention

    _set_status(stack, dropi_order["id"], "NOVEDAD SOLUCIONADA")
    solved = _wait_status(stack, merchant, order, "NOVEDAD SOLUCIONADA")
    assert not solved.incident_open and not record(stack, merchant, order).needs_attention
    assert len([r for r in flow_runs_for(stack, phone)
                if str(r["flow_id"]) == incident_flow]) == 1


def test_a_worker_killed_mid_way_loses_nothing_and_makes_no_second_fulfillment(stack, merchant):
    # Dropi's webhook is not registered for this part: only the poll brings statuses.
    requests.post(f"{stack.dropi.url}/standin/config", json={"status_webhook_url": None},
                  timeout=5)
    try:
        order, dropi_order = _order_in_dropi(stack, merchant)
        _set_status(stack, dropi_order["id"], "GUIA_GENERADA")
        found = record(stack, merchant, order)
        with stack.app.app.app_context():
            from app.services.shipments.updates import shipment_for

            shipment_id = shipment_for(db.session.get(OrderRecord, found.id)).id
            # A worker took the Shopify lease and died before writing anything.
            assert take_lease(shipment_id, utcnow() - timedelta(minutes=5))
        assert _fulfillments(stack, merchant, order) == []
        later = utcnow() + timedelta(minutes=1)
        _in_app(stack, lambda settings: poll_shop(settings, shop(merchant), now=later))
        wait_until(lambda: (s := _shipment(stack, merchant, order)) and s.shopify_fulfillment_id)
        assert len(_fulfillments(stack, merchant, order)) == 1
        with stack.app.app.app_context():
            # Another worker died after Shopify made the fulfillment but before recording it.
            db.session.execute(db.update(Shipment).where(Shipment.id == shipment_id)
                               .values(shopify_fulfillment_id=None, fulfilled_guide=None))
            db.session.commit()
        _in_app(stack, lambda settings: poll_shop(settings, shop(merchant),
                                                  now=later + timedelta(minutes=20)))
        assert len(_fulfillments(stack, merchant, order)) == 1
        assert _shipment(stack, merchant, order).shopify_fulfillment_id
    finally:
        requests.post(f"{stack.dropi.url}/standin/config", timeout=5,
                      json={"status_webhook_url": stack.app.url + STATUS_HOOK})


def test_the_guide_pdf_comes_through_the_app_and_only_to_its_shop(stack, merchant):
    order, dropi_order = _order_in_dropi(stack, merchant)
    _set_status(stack, dropi_order["id"], "GUIA_GENERADA")
    wait_until(lambda: (s := _shipment(stack, merchant, order)) and s.sticker)
    found = record(stack, merchant, order)

    def guide_as(domain):
        query = embedded_query(domain, id_token=mint_session_token(domain), locale="en")
        return stack.app.get(f"/app/orders/{found.id}/guide.pdf?{query}")

    pdf = guide_as(merchant)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    with stack.app.app.app_context():
        token = db.session.scalar(select(ShopConfiguration.dropi_token).where(
            ShopConfiguration.shop_id == shop(merchant).id))
    assert token.encode() not in pdf.content and token not in str(pdf.headers)
    panel = stack.app.get(f"/app/orders/{found.id}/shipment?"
                          + embedded_query(merchant, id_token=mint_session_token(merchant)))
    assert f"/app/orders/{found.id}/guide.pdf" in panel.text and token not in panel.text
    other = new_merchant(stack)
    refused = guide_as(other)
    assert refused.status_code == 404 and b"%PDF" not in refused.content
