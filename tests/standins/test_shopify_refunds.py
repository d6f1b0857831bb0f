"""Refunds and fulfillment webhooks on the Shopify stand-in: refunds/create in Shopify's REST
shape, refundCreate refusing what Shopify refuses, fulfillments/update after a carrier event,
(the fault that loses an answer is in test_server_faults.py)."""
from __future__ import annotations

import pytest

from standins.shopify.graphql_api import execute_admin_graphql
from tests.standins.test_shopify_orders import SCOPES, SHOP, create_order, gql

REFUND = """mutation($input: RefundInput!, $key: String!) { refundCreate(input: $input)
  @idempotent(key: $key) { refund { id } userErrors { field message } } }"""
STATE = """query($id: ID!) { order(id: $id) { transactions(first: 5) { id kind status gateway
  amountSet { shopMoney { amount } } } lineItems(first: 1) { nodes { id } } } }"""


def _paid_order(store, quantity=2):
    order = create_order(store, quantity=quantity)["order"]
    state = gql(store, STATE, {"id": order["id"]})["order"]
    return order, state["transactions"], state["lineItems"]["nodes"][0]


def _refund(store, order, line, transactions, key="k1", quantity=1):
    return gql(store, REFUND, {"key": key, "input": {
        "orderId": order["id"], "note": "damaged",
        "refundLineItems": [{"lineItemId": line["id"], "quantity": quantity}],
        "transactions": transactions}})["refundCreate"]


def test_refunds_create_carries_lines_subtotals_and_the_refund_transaction(store, events):
    order, [sale], line = _paid_order(store)
    assert (sale["kind"], sale["status"]) == ("SALE", "SUCCESS")

    made = _refund(store, order, line, [{"orderId": order["id"], "kind": "REFUND",
                                         "gateway": sale["gateway"], "parentId": sale["id"],
                                         "amount": "34950"}])

    assert made["userErrors"] == []
    payload = next(p for _shop, topic, p in events if topic == "refunds/create")
    assert payload["note"] == "damaged" and payload["order_id"] == int(order["id"].rsplit("/")[-1])
    [entry] = payload["refund_line_items"]
    assert entry["quantity"] == 1 and entry["restock_type"] == "no_restock"
    assert entry["line_item"]["sku"] == "LAM-LED" and entry["subtotal"] == entry["line_item"][
        "price"]
    assert entry["subtotal_set"]["shop_money"]["amount"] == entry["subtotal"]
    [transaction] = payload["transactions"]
    assert (transaction["kind"], transaction["status"], transaction["amount"]) == (
        "refund", "success", "34950.00")
    assert transaction["parent_id"] == int(sale["id"].rsplit("/")[-1])


@pytest.mark.parametrize("change, field", [
    ({"kind": "SALE"}, "kind"),
    ({"gateway": "stripe"}, "gateway"),
    ({"parentId": "gid://shopify/OrderTransaction/999999"}, "parentId"),
    ({"amount": "99999999"}, "transactions"),
])
def test_refund_create_refuses_transactions_shopify_refuses(store, change, field):
    order, [sale], line = _paid_order(store)
    transaction = {"orderId": order["id"], "kind": "REFUND", "gateway": sale["gateway"],
                   "parentId": sale["id"], "amount": "100", **change}

    refused = _refund(store, order, line, [transaction])

    assert refused["refund"] is None
    assert field in refused["userErrors"][0]["field"]
    assert store.shop(SHOP).orders[order["id"]]["_refunds"] == []


def test_a_carrier_event_sends_fulfillments_update_with_the_shipment_status(store, events):
    from standins.shopify.fulfillment import create_event, fulfil_everything

    order = create_order(store)["order"]
    with store.transaction():
        state = store.shop(SHOP)
        fulfil_everything(state, state.orders[order["id"]])
        [fulfillment_id] = state.orders[order["id"]]["_fulfillments"]
        create_event(state, {"fulfillmentId": fulfillment_id, "status": "IN_TRANSIT"})

    updates = [p for _shop, topic, p in events if topic == "fulfillments/update"]
    assert [u["shipment_status"] for u in updates] == ["in_transit"]
    created = [p for _shop, topic, p in events if topic == "fulfillments/create"]
    assert [c["shipment_status"] for c in created] == [None]


def test_refund_create_without_the_directive_is_refused(store):
    order, [sale], line = _paid_order(store)
    status, body = execute_admin_graphql(
        store, SHOP, {"query": REFUND.replace("@idempotent(key: $key)", "").replace(
            ", $key: String!", ""), "variables": {"input": {
                "orderId": order["id"],
                "refundLineItems": [{"lineItemId": line["id"], "quantity": 1}]}}},
        granted_scopes=SCOPES, api_version="2026-10")
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
