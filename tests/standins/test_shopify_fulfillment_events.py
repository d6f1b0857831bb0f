"""Fulfillments after they are made, on the Shopify stand-in: fulfillmentTrackingInfoUpdate
replaces the tracking, fulfillmentEventCreate records carrier events (delivered sets
deliveredAt), and both refuse an unknown fulfillment with userErrors, as Shopify does."""
from __future__ import annotations

from standins.shopify.graphql_api import execute_admin_graphql
from tests.standins.test_shopify_orders import FULFILL, SCOPES, SHOP, create_order

GRANTED = SCOPES | {"read_fulfillments", "write_fulfillments"}


def gql(store, query, variables=None):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=GRANTED, api_version="2026-10")
    assert status == 200 and "errors" not in body, body
    return body["data"]

UPDATE = """
mutation($id: ID!, $tracking: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking,
                                notifyCustomer: true) {
    fulfillment { trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""
EVENT = """
mutation($event: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $event) {
    fulfillmentEvent { status message }
    userErrors { field message }
  }
}
"""
READ = """
query($id: ID!) {
  fulfillment(id: $id) { displayStatus deliveredAt events(first: 5) { nodes { status } } }
}
"""


def _fulfilled(store):
    order = create_order(store, quantity=1)["order"]
    fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
    result = gql(store, FULFILL.replace("fulfillment { status", "fulfillment { id status"), {
        "fulfillment": {"lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fulfillment_order["id"]}],
            "trackingInfo": {"company": "ENVIA", "number": "111"}}})
    return result["fulfillmentCreate"]["fulfillment"]["id"]


def test_tracking_is_replaced_and_events_recorded(store, events):
    fulfillment_id = _fulfilled(store)

    updated = gql(store, UPDATE, {"id": fulfillment_id, "tracking": {
        "company": "TCC", "number": "222", "url": "https://tcc.example/222"}})
    assert updated["fulfillmentTrackingInfoUpdate"]["fulfillment"]["trackingInfo"] == [
        {"company": "TCC", "number": "222", "url": "https://tcc.example/222"}]
    event = gql(store, EVENT, {"event": {"fulfillmentId": fulfillment_id,
                                         "status": "DELIVERED", "message": "Dropi: ENTREGADO"}})
    assert event["fulfillmentEventCreate"]["fulfillmentEvent"]["status"] == "DELIVERED"
    read = gql(store, READ, {"id": fulfillment_id})["fulfillment"]
    assert read["displayStatus"] == "DELIVERED" and read["deliveredAt"]
    assert [n["status"] for n in read["events"]["nodes"]] == ["DELIVERED"]
    topics = [topic for _shop, topic, _payload in events]
    assert "fulfillments/update" in topics and "fulfillment_events/create" in topics


def test_an_unknown_fulfillment_is_refused_with_user_errors(store):
    missing = "gid://shopify/Fulfillment/999999"
    update = gql(store, UPDATE, {"id": missing, "tracking": {"number": "1"}})
    event = gql(store, EVENT, {"event": {"fulfillmentId": missing, "status": "DELIVERED"}})
    assert update["fulfillmentTrackingInfoUpdate"]["userErrors"][0]["message"] == (
        "Fulfillment does not exist.")
    assert event["fulfillmentEventCreate"]["userErrors"][0]["message"] == (
        "Fulfillment does not exist.")
