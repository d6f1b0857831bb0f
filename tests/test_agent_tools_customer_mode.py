"""A customer-mode key (the WhatsApp agent talking to one customer) sees only that customer's
orders: their WhatsApp phone must match the order's, or they give the order's email."""
from __future__ import annotations

import pytest

from tests.factories import agent_key
from tests.test_agent_tools_read import assert_valid

LAURA = "+573001234567"  # orders #1001
ANDRES = "+573104567890"  # orders #1002


@pytest.fixture
def customer(agent_world):
    return agent_key(agent_world.shop, "customer")


@pytest.mark.parametrize("reference", ["#1001", "1001", "gid://shopify/Order/1001"])
def test_a_customer_reads_their_own_order(agent_world, customer, reference):
    response = agent_world.call("get_order", {"orderId": reference}, key=customer, phone=LAURA)

    assert response.status_code == 200
    order = assert_valid("get_order", response.json)
    assert order["name"] == "#1001"
    assert "note" not in order and "tags" not in order and "id" not in order["customer"]


@pytest.mark.parametrize("reference", ["#1002", "1002", "gid://shopify/Order/1002"])
def test_a_customer_cannot_read_another_customers_order(agent_world, customer, reference):
    response = agent_world.call("get_order", {"orderId": reference}, key=customer, phone=LAURA)
    missing = agent_world.call("get_order", {"orderId": "#9999"}, key=customer, phone=LAURA)

    assert response.status_code == 404
    assert "andres" not in response.get_data(as_text=True).lower()
    # someone else's order reads exactly like one that does not exist
    assert response.json["error"]["message"].replace("#1002", "X").replace("1002", "X") \
        .replace("gid://shopify/Order/X", "X") == \
        missing.json["error"]["message"].replace("#9999", "X")


def test_whatsapp_phone_without_plus_still_matches(agent_world, customer):
    response = agent_world.call("get_order", {"orderId": "#1001"}, key=customer,
                                phone="573001234567")

    assert response.status_code == 200


def test_a_customer_lists_only_their_orders(agent_world, customer):
    response = agent_world.call("list_orders", {}, key=customer, phone=ANDRES)
    searched = agent_world.call("list_orders", {"query": "email:laura.gomez@example.com"},
                                key=customer, phone=ANDRES)

    assert [o["name"] for o in assert_valid("list_orders", response.json)["orders"]] == ["#1002"]
    assert response.json["totalCount"] == 1
    assert searched.json["orders"] == [] and searched.json["totalCount"] == 0


def test_listing_orders_needs_the_whatsapp_phone(agent_world, customer):
    response = agent_world.call("list_orders", {}, key=customer)

    assert response.status_code == 403
    assert "X-Customer-Phone" in response.json["error"]["message"]


def test_order_number_plus_the_orders_email_is_enough(agent_world, customer):
    right = agent_world.call("get_order", {"orderId": "#1003",
                                           "customerEmail": "Valentina.Rojas@example.com"},
                             key=customer)
    wrong = agent_world.call("get_order", {"orderId": "#1003",
                                           "customerEmail": "laura.gomez@example.com"},
                             key=customer)
    by_header = agent_world.call("get_order", {"orderId": "#1003"}, key=customer,
                                 email="valentina.rojas@example.com")

    assert right.status_code == 200 and right.json["name"] == "#1003"
    assert wrong.status_code == 404
    assert by_header.status_code == 200


def test_without_phone_or_email_no_order_is_read(agent_world, customer):
    response = agent_world.call("get_order", {"orderId": "#1001"}, key=customer)

    assert response.status_code == 403


@pytest.mark.parametrize("action_id,arguments", [
    ("get_customer", {"customerId": "1001"}),
    ("search_customers", {"query": "laura"}),
    ("fulfill_order", {"orderId": "#1001"}),
])
def test_staff_only_tools_are_refused_to_customer_keys(agent_world, customer, action_id,
                                                       arguments):
    response = agent_world.call(action_id, arguments, key=customer, phone=LAURA)

    assert response.status_code == 403


def test_customer_catalogue_hides_staff_tools(agent_world, customer):
    response = agent_world.client.get("/agent/tools",
                                      headers={"Authorization": f"Bearer {customer}"})

    names = [tool["actionId"] for tool in response.json["tools"]]
    assert names[:6] == ["get_order", "list_orders", "get_product", "list_products",
                         "check_inventory", "cancel_order"]
    assert not {"get_customer", "search_customers", "fulfill_order"} & set(names)


def test_customers_see_only_active_products(agent_world, customer):
    listed = agent_world.call("list_products", {"first": 50}, key=customer).json
    draft = next(p for p in agent_world.store_shop.products.values() if p["status"] == "DRAFT")

    assert {p["status"] for p in listed["products"]} == {"ACTIVE"}
    assert agent_world.call("get_product", {"productId": draft["id"]},
                            key=customer).status_code == 404


def test_a_staff_key_ignores_customer_headers(agent_world):
    staff = agent_key(agent_world.shop, "staff")

    response = agent_world.call("get_order", {"orderId": "#1002"}, key=staff, phone=LAURA)

    assert response.status_code == 200 and response.json["name"] == "#1002"


@pytest.mark.parametrize("query", ["x) OR (email:laura.gomez@example.com",
                                   "customer_id:1001", "NOT email:nobody@example.com"])
def test_a_customers_search_text_cannot_widen_the_list(agent_world, customer, query):
    response = agent_world.call("list_orders", {"query": query}, key=customer, phone=ANDRES)

    assert response.status_code == 200
    assert {o["name"] for o in response.json["orders"]} <= {"#1002"}
    assert response.json["totalCount"] <= 1
