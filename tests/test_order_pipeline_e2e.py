"""Orders end to end: the real app (HTTP, worker threads) against the Shopify, Dropi and
Ecomdrop stand-ins. A buyer checks out in the simulated store; the order webhooks reach the
app; each order gets its WhatsApp flow, its confirmation and its Dropi order once."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from app.extensions import db
from app.models import OrderEvent, OrderStep, ShopConfiguration, StepName, StepState
from app.models.types import utcnow
from app.services.order_pipeline import (
    callback_url,
    city_options,
    pick_city,
    resume_due_orders,
    send_now,
)
from app.services.order_pipeline.dropi_order import dropi_for, new_order
from app.services.order_pipeline.geography import resolve
from tests.live_standins import wait_until
from tests.order_pipeline_support import (
    MEDELLIN,
    callback_secret,
    contacts_for,
    customers_answer,
    dropi_orders_for,
    dropi_skus,
    flow_runs_for,
    new_merchant,
    new_phone,
    number,
    place_order,
    record,
    redeliver,
    running_order_stack,
    shop,
    step_states,
    stop_customer_answers,
    wait_for_step,
)

pytestmark = pytest.mark.e2e
DONE = StepState.DONE.value


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # Fast retries; Dropi answers "late" after 1.5 s while the app waits 1 s.
    with running_order_stack(tmp_path_factory.mktemp("orders"), order_retry_seconds="0.2",
                             http_timeout_seconds="1") as running:
        yield running


@pytest.fixture
def no_faults(stack):
    yield
    requests.post(f"{stack.dropi.url}/standin/faults", json={}, timeout=5)
    requests.post(f"{stack.ecomdrop.url}/standin/faults", timeout=5,
                  json={"failure_rate": 0, "fail_next": 0, "failure_kinds": []})
    stack.shopify.faults(rate_429=0, rate_5xx=0, rate_timeout=0)
    requests.post(f"{stack.shopify.url}/standin/webhooks/settings", timeout=5,
                  json={"copies": 1, "out_of_order": False})


@pytest.fixture(scope="module")
def merchant(stack):
    return new_merchant(stack)


def _set_config(stack, domain, **values):
    with stack.app.app.app_context():
        db.session.execute(update(ShopConfiguration).where(
            ShopConfiguration.shop_id == shop(domain).id).values(**values))
        db.session.commit()


def _events(stack, domain, order) -> list[str]:
    found = record(stack, domain, order)
    with stack.app.app.app_context():
        return list(db.session.execute(select(OrderEvent.kind).where(
            OrderEvent.order_id == found.id).order_by(OrderEvent.id)).scalars())


def test_an_order_goes_to_whatsapp_and_dropi_with_dropi_names_and_amounts(stack, merchant):
    sku = dropi_skus(stack, merchant)[0]
    phone = new_phone()
    order = place_order(stack, merchant, [sku], phone=phone, quantity=2)

    states = wait_for_step(stack, merchant, order, "dropi", DONE)

    [made] = dropi_orders_for(stack, order)
    found = record(stack, merchant, order)
    assert states == {"whatsapp": DONE, "confirmation": "skipped", "dropi": DONE}
    assert (made["state"], made["city"]) == ("Antioquia", "Medellín")
    assert made["rate_type"] == "CON RECAUDO"
    sent = [c["json"] for c in stack.dropi.app.extensions["dropi_stand_in"].state.calls
            if c["method"] == "POST" and c["path"].endswith("/orders/myorders")
            and c["json"]["shop_order_id"] == number(order)]
    assert [body["total_order"] for body in sent] == [int(order["_totals"]["total"])]
    assert found.dropi_order_id == made["id"] and found.phone == phone
    assert found.cash_on_delivery and found.total == order["_totals"]["total"]
    [run] = flow_runs_for(stack, phone)
    assert run["fields"]["pedido_nombre"] == order["name"]
    assert run["fields"]["pedido_contra_entrega"] == "si"


def test_three_concurrent_out_of_order_deliveries_make_one_contact_flow_run_and_dropi_order(
        stack, merchant, no_faults):
    requests.post(f"{stack.shopify.url}/standin/webhooks/settings", timeout=5,
                  json={"copies": 3, "out_of_order": True}).raise_for_status()
    phone = new_phone()
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1], phone=phone)
    redeliver(stack, merchant, order)  # orders/updated, held and sent before orders/create
    stack.shopify.wait_for_webhooks(timeout=30)

    wait_for_step(stack, merchant, order, "dropi", DONE)

    assert len(contacts_for(stack, phone)) == 1
    assert len(flow_runs_for(stack, phone)) == 1
    assert len(dropi_orders_for(stack, order)) == 1


def test_a_dropi_timeout_after_it_made_the_order_does_not_make_a_second(
        stack, merchant, no_faults):
    requests.post(f"{stack.dropi.url}/standin/faults", timeout=5,
                  json={"slow_creates_next": 1, "delay_seconds": 1.5}).raise_for_status()
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1])

    wait_for_step(stack, merchant, order, "dropi", DONE)

    assert len(dropi_orders_for(stack, order)) == 1
    assert "dropi_found" in _events(stack, merchant, order)


def test_with_a_fifth_of_all_calls_failing_fifty_orders_each_reach_dropi_once(stack, no_faults):
    domain = new_merchant(stack)
    skus = dropi_skus(stack, domain)
    faults = {"failure_rate": 0.2, "failure_kinds": [429, 500, 503, "timeout"],
              "delay_seconds": 1.5}
    requests.post(f"{stack.dropi.url}/standin/faults", json=faults, timeout=5)
    requests.post(f"{stack.ecomdrop.url}/standin/faults", json=faults, timeout=5)
    stack.shopify.faults(rate_429=0.07, rate_5xx=0.07, rate_timeout=0.06)
    phones = [new_phone() for _ in range(50)]
    orders = [place_order(stack, domain, [skus[i % len(skus)]], phone=phones[i])
              for i in range(50)]

    for order in orders:
        wait_for_step(stack, domain, order, "dropi", DONE, "failed", timeout=240)

    assert [len(dropi_orders_for(stack, o)) for o in orders] == [1] * 50
    assert all(step_states(stack, domain, o)["dropi"] == DONE for o in orders)
    assert all(len(flow_runs_for(stack, p)) <= 1 for p in phones)


def test_the_customer_confirms_on_whatsapp_and_the_answer_is_tagged_in_shopify(stack, no_faults):
    domain = new_merchant(stack)
    customers_answer(stack, domain, "si")
    try:
        order = place_order(stack, domain, dropi_skus(stack, domain)[:1])
        wait_for_step(stack, domain, order, "dropi", DONE)
    finally:
        stop_customer_answers(stack, domain)

    found = record(stack, domain, order)
    tags = stack.shopify.store.shop(domain).orders[order["id"]]["tags"]
    assert (found.confirmation_answer, found.confirmation_source) == ("confirmed", "customer")
    assert "whatsapp-confirmado" in tags
    assert len(dropi_orders_for(stack, order)) == 1


def test_callbacks_with_a_wrong_secret_another_shops_order_or_a_replay_change_nothing(stack):
    domain = new_merchant(stack, confirmation="hold_cod", timeout_minutes=60)
    other = new_merchant(stack, products=1, confirmation="hold_cod", timeout_minutes=60)
    secret, other_secret = callback_secret(stack, domain), callback_secret(stack, other)
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1])
    wait_for_step(stack, domain, order, "confirmation", "waiting")
    code = record(stack, domain, order).confirmation_code
    url = callback_url(stack.app.settings)

    def answer(secret_used, body):
        return requests.post(url, json=body, headers={"X-Connector-Secret": secret_used},
                             timeout=10)

    wrong = answer("not-the-secret", {"code": code, "answer": "si"})
    foreign = answer(other_secret, {"code": code, "answer": "si"})
    unchanged = step_states(stack, domain, order)
    accepted = answer(secret, {"code": code, "answer": "no"})
    replay = answer(secret, {"code": code, "answer": "si"})

    assert (wrong.status_code, foreign.status_code) == (401, 404)
    assert unchanged["confirmation"] == "waiting"
    assert accepted.status_code == 200 and replay.status_code == 409
    found = record(stack, domain, order)
    assert (found.confirmation_answer, found.confirmation_source) == ("cancelled", "customer")
    assert step_states(stack, domain, order)["dropi"] == "skipped"
    assert dropi_orders_for(stack, order) == []


def test_an_unknown_city_waits_for_the_merchant_and_goes_through_after_the_pick(
        stack, merchant):
    place = {"city": "Medellin Antioquia", "province": "Antioquia", "provinceCode": "ANT"}
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1], place=place)
    wait_for_step(stack, merchant, order, "dropi", "waiting")
    found = record(stack, merchant, order)
    assert found.needs_attention and dropi_orders_for(stack, order) == []

    with stack.app.app.app_context():
        options = city_options(stack.app.settings, shop(merchant), found.id)
        antioquia = next(d for d in options if d.name == "Antioquia")
        medellin = next(c for c in antioquia.cities if c.name == "Medellín")
        pick_city(stack.app.settings, shop(merchant), found.id, antioquia.id, medellin.id)
    wait_for_step(stack, merchant, order, "dropi", DONE)
    again = place_order(stack, merchant, dropi_skus(stack, merchant)[:1], place=place)
    wait_for_step(stack, merchant, again, "dropi", DONE)  # the pick is remembered

    assert [o["city"] for o in dropi_orders_for(stack, order) + dropi_orders_for(stack, again)] \
        == ["Medellín", "Medellín"]
    assert not record(stack, merchant, order).needs_attention


def test_with_the_connector_off_nothing_is_sent_until_the_merchant_sends_it(stack, merchant):
    _set_config(stack, merchant, active=False)
    phone = new_phone()
    try:
        order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1], phone=phone)
        states = wait_for_step(stack, merchant, order, "dropi", "held")
        stack.shopify.wait_for_webhooks()
        assert set(states.values()) == {"held"}
        assert flow_runs_for(stack, phone) == [] and contacts_for(stack, phone) == []
        assert dropi_orders_for(stack, order) == []
    finally:
        _set_config(stack, merchant, active=True)

    with stack.app.app.app_context():
        send_now(shop(merchant), record(stack, merchant, order).id)
    wait_for_step(stack, merchant, order, "dropi", DONE)
    assert len(dropi_orders_for(stack, order)) == 1 and len(flow_runs_for(stack, phone)) == 1


def _cancel_in_shopify(stack, domain, order):
    from standins.shopify import fulfillment

    store = stack.shopify.store
    with store.transaction():
        fulfillment.cancel_order(store.shop(domain), order["id"], reason="CUSTOMER",
                                 restock=True, refund=False)


def test_a_shopify_cancellation_before_the_guide_cancels_the_dropi_order(stack, merchant):
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1])
    wait_for_step(stack, merchant, order, "dropi", DONE)

    _cancel_in_shopify(stack, merchant, order)
    wait_for_step(stack, merchant, order, "cancellation", DONE)

    [made] = dropi_orders_for(stack, order)
    assert made["status"] == "CANCELADO"
    assert record(stack, merchant, order).dropi_status == "CANCELADO"


def test_a_shopify_cancellation_after_the_guide_is_left_to_the_merchant(stack, merchant):
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1])
    wait_for_step(stack, merchant, order, "dropi", DONE)
    [made] = dropi_orders_for(stack, order)
    requests.post(f"{stack.dropi.url}/standin/orders/{made['id']}/status", timeout=5,
                  json={"status": "GUIA_GENERADA"}).raise_for_status()

    _cancel_in_shopify(stack, merchant, order)
    wait_for_step(stack, merchant, order, "cancellation", "waiting")

    found = record(stack, merchant, order)
    assert dropi_orders_for(stack, order)[0]["status"] == "GUIA_GENERADA"
    assert found.needs_attention
    assert [s.reason for s in found.steps if s.name == StepName.CANCELLATION] == ["guide_exists"]


def test_a_worker_killed_after_sending_the_dropi_order_does_not_make_a_second(
        stack, merchant):
    _set_config(stack, merchant, active=False)
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1])
    wait_for_step(stack, merchant, order, "dropi", "held")
    found = record(stack, merchant, order)
    with stack.app.app.app_context():
        # What the worker did before it died: it held the Dropi step's lease, noted that the
        # create request was going out, and Dropi made the order; its answer never arrived.
        config = db.session.execute(select(ShopConfiguration).where(
            ShopConfiguration.shop_id == shop(merchant).id)).scalar_one()
        client = dropi_for(stack.app.settings, config)
        from app.models import OrderRecord

        live = db.session.get(OrderRecord, found.id)
        client.create_order(new_order(live, resolve(client, live), None))
        db.session.execute(update(OrderStep).where(OrderStep.order_id == found.id).values(
            state=StepState.SKIPPED))
        db.session.execute(update(OrderStep).where(
            OrderStep.order_id == found.id, OrderStep.name == StepName.DROPI).values(
            state=StepState.RUNNING, lease_token="dead-worker", progress={"create_sent": True},
            lease_until=utcnow() - timedelta(seconds=1)))
        config.active = True
        db.session.commit()
        resume_due_orders()

    wait_for_step(stack, merchant, order, "dropi", DONE)
    assert len(dropi_orders_for(stack, order)) == 1
    assert record(stack, merchant, order).dropi_order_id == dropi_orders_for(stack, order)[0]["id"]


def test_a_mixed_order_sends_only_its_dropi_lines_and_says_so(stack, merchant):
    with stack.app.app.app_context():
        shop_record = stack.shopify.store.shop(merchant)
        own = next(v["sku"] for v in shop_record.variants.values()
                   if v["sku"] and v["sku"] not in dropi_skus(stack, merchant))
    order = place_order(stack, merchant, dropi_skus(stack, merchant)[:1] + [own])
    wait_for_step(stack, merchant, order, "dropi", DONE)

    [made] = dropi_orders_for(stack, order)
    assert len(made["orderdetails"]) == 1
    assert "mixed_order" in _events(stack, merchant, order)
    assert MEDELLIN["city"] == made["city"]


def _time_passes(stack, domain, order):
    """The confirmation deadline passes (as if the timeout minutes had gone by). Applied again
    until the order moves: a pipeline job still finishing when the test back-dates the deadline
    can write back the one it read."""
    found = record(stack, domain, order)

    def moved():
        current = record(stack, domain, order)
        return (step_states(stack, domain, order).get("confirmation") != "waiting"
                or current.needs_attention)

    for _attempt in range(10):
        past = utcnow() - timedelta(seconds=1)
        with stack.app.app.app_context():
            from app.models import OrderRecord

            db.session.execute(update(OrderRecord).where(OrderRecord.id == found.id)
                               .values(confirmation_deadline=past))
            db.session.execute(update(OrderStep).where(
                OrderStep.order_id == found.id, OrderStep.name == StepName.CONFIRMATION)
                .values(next_attempt_at=past))
            db.session.commit()
            resume_due_orders()
        try:
            wait_until(moved, timeout=3)
            return
        except AssertionError:
            continue


@pytest.mark.parametrize("action, dropi_state, orders_in_dropi", [
    ("cancel", "skipped", 0), ("send", DONE, 1), ("merchant", "pending", 0)])
def test_when_the_customer_does_not_answer_the_timeout_rule_applies(
        stack, action, dropi_state, orders_in_dropi):
    domain = new_merchant(stack, products=1, confirmation="hold_cod", timeout_minutes=30,
                          timeout_action=action)
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1])
    wait_for_step(stack, domain, order, "confirmation", "waiting")

    _time_passes(stack, domain, order)

    if action == "merchant":
        wait_until(lambda: record(stack, domain, order).needs_attention, timeout=30)
    states = wait_for_step(stack, domain, order, "dropi", dropi_state)
    assert len(dropi_orders_for(stack, order)) == orders_in_dropi
    assert states["confirmation"] == ("waiting" if action == "merchant" else DONE)


def test_a_cod_order_the_customer_could_not_be_asked_about_waits_for_the_merchant(stack):
    from app.services.order_pipeline import confirm_order

    domain = new_merchant(stack, products=1, confirmation="hold_cod", timeout_minutes=30)
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1], phone="12")
    states = wait_for_step(stack, domain, order, "confirmation", "waiting")
    found = record(stack, domain, order)
    assert states["whatsapp"] == "skipped" and found.needs_attention
    assert dropi_orders_for(stack, order) == []

    with stack.app.app.app_context():
        confirm_order(shop(domain), found.id)
    wait_for_step(stack, domain, order, "dropi", DONE)
    assert record(stack, domain, order).confirmation_source == "merchant"
    assert "whatsapp-confirmado" in stack.shopify.store.shop(domain).orders[order["id"]]["tags"]


def test_with_cheapest_carrier_preferred_the_order_asks_dropi_for_the_cheapest_quote(stack):
    domain = new_merchant(stack, products=1, preferred_carrier="cheapest")
    order = place_order(stack, domain, dropi_skus(stack, domain)[:1])
    wait_for_step(stack, domain, order, "dropi", DONE)

    calls = stack.dropi.app.extensions["dropi_stand_in"].state.calls
    quote = next(c for c in reversed(calls) if c["path"].endswith("cotizaEnvioTransportadoraV2"))
    [made] = dropi_orders_for(stack, order)
    found = record(stack, domain, order)
    assert quote["json"]["ciudad_remitente"]["cod_dane"]  # the warehouse's city
    from decimal import Decimal

    from standins.dropi import orders as dropi_orders

    offers = [q for q in dropi_orders.quote("CO", quote["json"]) if "objects" in q]
    cheapest = min(offers, key=lambda q: Decimal(q["objects"]["precioEnvio"]))
    assert made["distribution_company_id"] == found.dropi_carrier_id
    assert found.dropi_carrier_id == cheapest["transportadora_id"]
    assert "carrier_chosen" in _events(stack, domain, order)
