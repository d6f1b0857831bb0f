"""Orders on the Shopify stand-in: storefront orders and checkouts reach listeners as REST-shaped
webhook payloads; orderCreate, fulfillmentCreate, orderCancel, refundCreate and tagsAdd move
inventory and statuses the way Shopify does."""
from __future__ import annotations

from standins.shopify.graphql_api import execute_admin_graphql

SHOP = "orders-shop.myshopify.com"
SCOPES = {"write_orders", "read_products", "read_customers", "read_inventory",
          "write_merchant_managed_fulfillment_orders"}
ADDRESS = {"firstName": "Laura", "lastName": "Gómez", "address1": "Calle 45 # 12-34",
           "city": "Bogotá", "provinceCode": "DC", "countryCode": "CO", "zip": "110311",
           "phone": "+573001234567"}


def gql(store, query, variables=None):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=SCOPES, api_version="2026-10")
    assert status == 200 and "errors" not in body, body
    return body["data"]


def quantities(store, sku):
    return store.inventory_quantities(SHOP, sku)["Bodega Bogotá"]


def test_a_storefront_order_reaches_listeners_as_orders_create(store, events):
    order = store.create_order(SHOP, line_items=[{"sku": "CAR-USB", "quantity": 2}],
                               customer={"email": "nuevo@example.com", "firstName": "Nuevo"},
                               shipping_address=ADDRESS, shipping="9000", phone="+573001112233")
    topics = [topic for _shop, topic, _p in events]
    assert "orders/create" in topics and "orders/paid" in topics
    shop, _topic, payload = next(e for e in events if e[1] == "orders/create")
    assert shop == SHOP
    assert payload["id"] == order["_number"]
    assert payload["admin_graphql_api_id"] == order["id"]
    assert payload["name"] == order["name"] and payload["currency"] == "COP"
    assert payload["total_price"] == "78800.00"  # 2 x 34 900 + 9 000 shipping
    assert payload["financial_status"] == "paid" and payload["fulfillment_status"] is None
    assert payload["customer"]["email"] == "nuevo@example.com"
    assert payload["shipping_address"]["city"] == "Bogotá"
    assert payload["line_items"][0]["sku"] == "CAR-USB"
    assert payload["line_items"][0]["quantity"] == 2 and payload["line_items"][0]["price"] == (
        "34900.00")
    assert quantities(store, "CAR-USB")["committed"] == 4  # 2 from the seed + these 2


def test_an_abandoned_checkout_reaches_listeners(store, events):
    checkout = store.create_checkout(SHOP, line_items=[{"sku": "LAM-LED", "quantity": 1}],
                                     email="duda@example.com", phone="+573009998877")
    _shop, topic, payload = events[-1]
    assert topic == "checkouts/create"
    assert payload["email"] == "duda@example.com" and payload["phone"] == "+573009998877"
    assert payload["abandoned_checkout_url"].startswith(f"https://{SHOP}/")
    assert payload["line_items"][0]["sku"] == "LAM-LED"
    store.update_checkout(SHOP, checkout["id"], email="otro@example.com")
    assert events[-1][1] == "checkouts/update" and events[-1][2]["email"] == "otro@example.com"
    data = gql(store, '{ abandonedCheckouts(first: 5, query: "email:otro@example.com") { '
                      'nodes { id totalPriceSet { shopMoney { amount } } } } }')
    assert data["abandonedCheckouts"]["nodes"] == [
        {"id": checkout["id"], "totalPriceSet": {"shopMoney": {"amount": "69900.0"}}}]


ORDER_CREATE = """
mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name displayFinancialStatus
      fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 5) {
        nodes { id remainingQuantity } } } } }
    userErrors { field message code }
  }
}
"""


def create_order(store, behaviour="DECREMENT_OBEYING_POLICY", quantity=1, sku="LAM-LED"):
    variant = next(v for v in store.shop(SHOP).variants.values() if v["sku"] == sku)
    return gql(store, ORDER_CREATE, {
        "order": {"lineItems": [{"variantId": variant["id"], "quantity": quantity}],
                  "email": "laura.gomez@example.com", "shippingAddress": ADDRESS,
                  "financialStatus": "PAID"},
        "options": {"inventoryBehaviour": behaviour}})["orderCreate"]


def test_order_create_claims_stock_and_refuses_what_is_not_there(store):
    created = create_order(store, quantity=3)
    assert created["userErrors"] == [] and created["order"]["displayFinancialStatus"] == "PAID"
    lamp = quantities(store, "LAM-LED")
    assert (lamp["available"], lamp["committed"], lamp["on_hand"]) == (15, 3, 18)
    refused = create_order(store, quantity=500)
    assert refused["order"] is None
    assert refused["userErrors"][0]["code"] == "INVENTORY_CLAIM_FAILED"
    assert quantities(store, "LAM-LED")["available"] == 15
    bypass = create_order(store, behaviour="BYPASS", quantity=500)
    assert bypass["userErrors"] == [] and quantities(store, "LAM-LED")["available"] == 15


FULFILL = """
mutation($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { status trackingInfo { company number url } order { displayFulfillmentStatus } }
    userErrors { field message }
  }
}
"""


def test_fulfillment_with_tracking_ships_the_committed_units(store, events):
    order = create_order(store, quantity=2)["order"]
    fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
    line = fulfillment_order["lineItems"]["nodes"][0]
    result = gql(store, FULFILL, {"fulfillment": {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"],
                                         "fulfillmentOrderLineItems": [
                                             {"id": line["id"], "quantity": 2}]}],
        "trackingInfo": {"company": "Servientrega", "number": "2045718899",
                         "url": "https://www.servientrega.com/rastreo/2045718899"}}})
    created = result["fulfillmentCreate"]
    assert created["userErrors"] == []
    assert created["fulfillment"]["trackingInfo"] == [
        {"company": "Servientrega", "number": "2045718899",
         "url": "https://www.servientrega.com/rastreo/2045718899"}]
    assert created["fulfillment"]["order"]["displayFulfillmentStatus"] == "FULFILLED"
    assert quantities(store, "LAM-LED")["on_hand"] == 16
    assert quantities(store, "LAM-LED")["committed"] == 0
    payload = next(p for _s, topic, p in events if topic == "fulfillments/create")
    assert payload["tracking_number"] == "2045718899"
    again = gql(store, FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [
        {"fulfillmentOrderId": fulfillment_order["id"]}]}})["fulfillmentCreate"]
    assert "unfulfillable status= closed" in again["userErrors"][0]["message"]


def test_cancel_with_restock_returns_the_units(store, events):
    order = create_order(store, quantity=2)["order"]
    cancel = """mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true,
      refundMethod: {originalPaymentMethodsRefund: true}, notifyCustomer: false) {
      job { id done } orderCancelUserErrors { field message code } } }"""
    result = gql(store, cancel, {"id": order["id"]})["orderCancel"]
    assert result["job"]["done"] is True and result["orderCancelUserErrors"] == []
    assert quantities(store, "LAM-LED")["available"] == 18
    assert "orders/cancelled" in [topic for _s, topic, _p in events]
    again = gql(store, cancel, {"id": order["id"]})["orderCancel"]
    assert again["job"] is None and again["orderCancelUserErrors"][0]["code"] == "INVALID"
    state = gql(store, "query($id: ID!) { order(id: $id) { cancelledAt cancelReason "
                       "displayFinancialStatus } }", {"id": order["id"]})["order"]
    assert state["cancelReason"] == "CUSTOMER" and state["cancelledAt"]
    assert state["displayFinancialStatus"] == "REFUNDED"


def test_refund_create_is_idempotent_and_needs_the_directive(store):
    order = create_order(store, quantity=2)["order"]
    line = gql(store, "query($id: ID!) { order(id: $id) { lineItems(first: 1) { nodes { id } }"
                      " } }", {"id": order["id"]})["order"]["lineItems"]["nodes"][0]
    refund = """mutation($input: RefundInput!) { refundCreate(input: $input)
      @idempotent(key: "refund-1") { refund { totalRefundedSet { shopMoney { amount } } }
      order { displayFinancialStatus } userErrors { field message } } }"""
    variables = {"input": {"orderId": order["id"], "refundLineItems": [
        {"lineItemId": line["id"], "quantity": 1, "restockType": "CANCEL"}],
        "transactions": [{"orderId": order["id"], "amount": "69900", "gateway": "manual",
                          "kind": "REFUND"}]}}
    first = gql(store, refund, variables)["refundCreate"]
    second = gql(store, refund, variables)["refundCreate"]
    assert first == second and first["userErrors"] == []
    assert first["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "69900.0"
    assert first["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert len(store.shop(SHOP).orders[order["id"]]["_refunds"]) == 1
    assert quantities(store, "LAM-LED")["available"] == 17  # one unit back on the shelf
    status, body = execute_admin_graphql(
        store, SHOP, {"query": refund.replace(' @idempotent(key: "refund-1")', ""),
                      "variables": variables}, granted_scopes=SCOPES, api_version="2026-10")
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_tags_add_on_an_order_emits_orders_updated(store, events):
    order = create_order(store)["order"]
    result = gql(store, """mutation($id: ID!) { tagsAdd(id: $id, tags: ["dropi", "Dropi", "cod"])
      { node { ... on Order { tags } } userErrors { message } } }""", {"id": order["id"]})
    assert result["tagsAdd"] == {"node": {"tags": ["dropi", "cod"]}, "userErrors": []}
    assert events[-1][1] == "orders/updated" and events[-1][2]["tags"] == "dropi, cod"


def test_orders_search_by_financial_status_and_name(store):
    data = gql(store, '{ pending: orders(first: 10, query: "financial_status:pending") '
                      '{ nodes { name } } one: orders(first: 1, query: "name:#1003") '
                      '{ nodes { name customer { email } } } }')
    assert data["pending"]["nodes"] == [{"name": "#1002"}]
    assert data["one"]["nodes"] == [{"name": "#1003",
                                     "customer": {"email": "valentina.rojas@example.com"}}]
