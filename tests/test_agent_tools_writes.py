"""fulfill_order and cancel_order never act on the first call: it previews and hands out a
token bound to the shop, the key and the arguments; the confirmed call acts once."""
from __future__ import annotations

import threading

import pytest
import requests

from app.services.agent_tools.tool_settings import save_tool_settings
from tests.factories import agent_headers, agent_key, install_seeded_shop
from tests.live_standins import running_app, running_shopify_stand_in, stand_in_settings
from tests.test_agent_tools_read import assert_valid

LAURA = "+573001234567"
SHIP = {"orderId": "#1001", "trackingNumber": "789456123", "trackingCompany": "FedEx"}


@pytest.fixture
def staff(agent_world):
    return agent_key(agent_world.shop, "staff")


def fulfillments_of(world, name: str) -> list:
    return world.order(name)["_fulfillments"]


def test_the_first_call_previews_and_does_nothing(agent_world, staff):
    response = agent_world.call("fulfill_order", SHIP, key=staff)

    preview = assert_valid("fulfill_order", response.json)
    assert response.status_code == 200
    assert preview["success"] is False and preview["status"] == "CONFIRMATION_REQUIRED"
    assert preview["preview"]["order"] == "#1001"
    assert preview["preview"]["trackingInfo"] == {"number": "789456123", "company": "FedEx"}
    assert {line["name"] for line in preview["preview"]["lineItems"]} == {
        "Audífonos Bluetooth TWS Pro", "Cargador Rápido USB-C 20W"}
    assert fulfillments_of(agent_world, "#1001") == []


def test_the_confirmed_call_fulfils_once_and_a_replay_returns_the_same(agent_world, staff):
    token = agent_world.call("fulfill_order", SHIP, key=staff).json["confirmationToken"]

    done = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": token}, key=staff)
    replay = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": token}, key=staff)

    assert done.status_code == 200
    result = assert_valid("fulfill_order", done.json)
    assert result["success"] is True and result["trackingInfo"]["number"] == "789456123"
    assert replay.json == done.json
    assert len(fulfillments_of(agent_world, "#1001")) == 1
    assert agent_world.order("#1001")["displayFulfillmentStatus"] == "FULFILLED"


def test_changed_arguments_with_a_token_do_nothing(agent_world, staff):
    token = agent_world.call("fulfill_order", SHIP, key=staff).json["confirmationToken"]

    response = agent_world.call("fulfill_order", {**SHIP, "trackingNumber": "000",
                                                  "confirmationToken": token}, key=staff)

    assert response.status_code == 409
    assert "differ" in response.json["error"]["message"]
    assert fulfillments_of(agent_world, "#1001") == []


def test_another_calls_token_does_nothing(agent_world, staff):
    cancel_token = agent_world.call("cancel_order", {"orderId": "#1002"},
                                    key=staff).json["confirmationToken"]
    other_key = agent_key(agent_world.shop, "staff")
    ship_token = agent_world.call("fulfill_order", SHIP, key=other_key).json["confirmationToken"]

    wrong_tool = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": cancel_token},
                                  key=staff)
    wrong_key = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": ship_token},
                                 key=staff)
    made_up = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": "cfm_guess"},
                               key=staff)

    assert {wrong_tool.status_code, wrong_key.status_code, made_up.status_code} == {409}
    assert fulfillments_of(agent_world, "#1001") == []
    assert agent_world.order("#1002")["cancelledAt"] is None


def test_a_fulfilled_order_has_nothing_to_preview(agent_world, staff):
    response = agent_world.call("fulfill_order", {"orderId": "#1003"}, key=staff)

    assert response.status_code == 409
    assert "nothing left to fulfill" in response.json["error"]["message"]


def test_staff_cancels_with_restock_after_confirming(agent_world, staff):
    arguments = {"orderId": "#1002", "reason": "CUSTOMER", "restock": True,
                 "staffNote": "Pidió cancelar"}
    preview = agent_world.call("cancel_order", arguments, key=staff).json
    assert agent_world.order("#1002")["cancelledAt"] is None

    done = agent_world.call("cancel_order", {**arguments,
                                             "confirmationToken": preview["confirmationToken"]},
                            key=staff)

    result = assert_valid("cancel_order", done.json)
    assert preview["preview"]["restock"] is True and preview["preview"]["refund"] is False
    assert result["success"] is True and result["cancelledAt"].endswith("Z")
    assert agent_world.order("#1002")["cancelledAt"] is not None


def test_customers_may_not_cancel_unless_the_store_allows_it(agent_world):
    customer = agent_key(agent_world.shop, "customer")

    refused = agent_world.call("cancel_order", {"orderId": "#1001"}, key=customer, phone=LAURA)

    assert refused.status_code == 403
    assert "does not let customers cancel" in refused.json["error"]["message"]


def test_a_customer_cancels_only_their_own_unfulfilled_order(agent_world):
    save_tool_settings(agent_world.shop, customers_may_cancel=True)
    customer = agent_key(agent_world.shop, "customer")
    valentina = "+573157778899"  # #1003 is already shipped

    someone_else = agent_world.call("cancel_order", {"orderId": "#1002"}, key=customer,
                                    phone=LAURA)
    shipped = agent_world.call("cancel_order", {"orderId": "#1003"}, key=customer,
                               phone=valentina)
    preview = agent_world.call("cancel_order", {"orderId": "#1001", "refund": True},
                               key=customer, phone=LAURA)
    done = agent_world.call("cancel_order", {"orderId": "#1001", "refund": True,
                                             "confirmationToken":
                                                 preview.json["confirmationToken"]},
                            key=customer, phone=LAURA)

    assert someone_else.status_code == 404
    assert shipped.status_code == 403
    assert preview.json["preview"]["refund"] is False  # refunds stay the merchant's decision
    assert done.status_code == 200 and done.json["refunded"] is False
    assert agent_world.order("#1001")["cancelledAt"] is not None
    assert agent_world.order("#1002")["cancelledAt"] is None


def test_three_concurrent_confirmations_fulfil_once(tmp_path):
    with running_shopify_stand_in() as shopify:
        settings = stand_in_settings(tmp_path, shopify=shopify)
        with running_app(settings, shopify=shopify) as app:
            with app.app.app_context():
                shop = install_seeded_shop(shopify, "race.myshopify.com")
                key = agent_key(shop, "staff")
            url = f"{app.url}/agent/tools/fulfill_order"
            headers = agent_headers(key)
            token = requests.post(url, json=SHIP, headers=headers,
                                  timeout=15).json()["confirmationToken"]
            answers, barrier = [], threading.Barrier(3)

            def confirm():
                barrier.wait()
                answers.append(requests.post(url, json={**SHIP, "confirmationToken": token},
                                             headers=headers, timeout=30))

            threads = [threading.Thread(target=confirm) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            order = next(o for o in shopify.store.shop("race.myshopify.com").orders.values()
                         if o["name"] == "#1001")
            assert [a.status_code for a in answers] == [200, 200, 200]
            assert len({a.json()["fulfillmentId"] for a in answers}) == 1
            assert len(order["_fulfillments"]) == 1


def test_a_confirmation_left_running_by_a_dead_process_never_fulfils_twice(agent_world, staff):
    from datetime import timedelta

    from app.extensions import db
    from app.models import AgentConfirmation
    from app.models.types import utcnow
    from standins.shopify import fulfillment

    token = agent_world.call("fulfill_order", SHIP, key=staff).json["confirmationToken"]
    # A process claimed the token, created the fulfillment in Shopify and died before saving.
    confirmation = db.session.query(AgentConfirmation).one()
    confirmation.status, confirmation.acted_at = "running", utcnow() - timedelta(minutes=5)
    db.session.commit()
    store_shop = agent_world.store_shop
    with agent_world.shopify.store.transaction():
        fulfillment.fulfil_everything(store_shop, agent_world.order("#1001"))

    retry = agent_world.call("fulfill_order", {**SHIP, "confirmationToken": token}, key=staff)

    assert retry.status_code == 409
    assert "nothing left to fulfill" in retry.json["error"]["message"]
    assert len(fulfillments_of(agent_world, "#1001")) == 1


def test_an_order_stocked_in_two_warehouses_ships_in_one_fulfillment_per_location(agent_world,
                                                                                 staff):
    from standins.shopify import storefront

    with agent_world.shopify.store.transaction():
        order = storefront.storefront_order(agent_world.store_shop, [
            {"sku": "LAM-LED", "quantity": 1}, {"sku": "ORG-COC", "quantity": 1}],
            {"financial_status": "PAID", "email": "laura.gomez@example.com"})
    arguments = {"orderId": order["name"], "trackingNumber": "ABC123",
                 "trackingCompany": "Servientrega"}

    token = agent_world.call("fulfill_order", arguments, key=staff).json["confirmationToken"]
    done = agent_world.call("fulfill_order", {**arguments, "confirmationToken": token},
                            key=staff)

    assert done.status_code == 200, done.json
    assert len(done.json["fulfillmentIds"]) == 2
    assert len(agent_world.order(order["name"])["_fulfillments"]) == 2
    assert agent_world.order(order["name"])["displayFulfillmentStatus"] == "FULFILLED"
