"""orderCreate on the Shopify stand-in, the way the connector uses it for Dropi orders: the
inventory behaviour moves stock as Shopify does, receipts go out only when asked, the source
identifier is kept and searchable but (as in Shopify) not unique, and what Shopify refuses is
refused with nothing created."""
from __future__ import annotations

import pytest

from standins.shopify.graphql_api import execute_admin_graphql

SHOP = "order-create.myshopify.com"
SCOPES = {"write_orders", "read_orders", "read_products", "read_customers", "read_inventory"}
ADDRESS = {"firstName": "Carlos", "lastName": "Pérez", "address1": "Carrera 43A # 1-50",
           "city": "Medellín", "province": "Antioquia", "countryCode": "CO",
           "phone": "+573104567890"}
ORDER_CREATE = """
mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name sourceIdentifier displayFinancialStatus paymentGatewayNames taxesIncluded
      totalPriceSet { shopMoney { amount } } }
    userErrors { field message code }
  }
}
"""


def gql(store, query, variables=None):
    status, body = execute_admin_graphql(store, SHOP, {"query": query,
                                                       "variables": variables or {}},
                                         granted_scopes=SCOPES, api_version="2026-10")
    assert status == 200 and "errors" not in body, body
    return body["data"]


def variant(store, sku):
    return next(v for v in store.shop(SHOP).variants.values() if v["sku"] == sku)


def available(store, sku):
    return store.inventory_quantities(SHOP, sku)["Bodega Bogotá"]["available"]


def cop(amount):
    return {"shopMoney": {"amount": str(amount), "currencyCode": "COP"}}


def create(store, lines, options=None, **order):
    return gql(store, ORDER_CREATE, {
        "order": {"lineItems": lines, "email": "carlos.perez@example.co",
                  "shippingAddress": ADDRESS, **order},
        "options": options})["orderCreate"]


def deny_overselling(store, sku):
    with store.transaction():
        variant(store, sku)["inventoryPolicy"] = "DENY"


def test_each_inventory_behaviour_moves_stock_as_shopify_does(store):
    deny_overselling(store, "LAM-LED")
    start = available(store, "LAM-LED")
    line = [{"variantId": variant(store, "LAM-LED")["id"], "quantity": 2}]

    assert create(store, line, {"inventoryBehaviour": "BYPASS"})["userErrors"] == []
    assert available(store, "LAM-LED") == start
    assert create(store, line, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"})[
        "userErrors"] == []
    assert available(store, "LAM-LED") == start - 2

    too_many = [{"variantId": variant(store, "LAM-LED")["id"], "quantity": start}]
    refused = create(store, too_many, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"})
    assert refused["order"] is None
    assert refused["userErrors"][0]["code"] == "INVENTORY_CLAIM_FAILED"
    assert available(store, "LAM-LED") == start - 2
    ignoring = create(store, too_many, {"inventoryBehaviour": "DECREMENT_IGNORING_POLICY"})
    assert ignoring["userErrors"] == [] and available(store, "LAM-LED") == -2


def test_receipts_go_out_only_when_asked(store):
    line = [{"variantId": variant(store, "LAM-LED")["id"], "quantity": 1}]
    quiet = create(store, line, {"sendReceipt": False, "sendFulfillmentReceipt": True})
    told = create(store, line, {"sendReceipt": True})
    shipped = create(store, line, {"sendFulfillmentReceipt": True}, fulfillmentStatus="FULFILLED")

    orders = store.shop(SHOP).orders
    assert orders[quiet["order"]["id"]]["_notifications"] == []
    assert orders[told["order"]["id"]]["_notifications"] == [
        {"kind": "order_confirmation", "to": "carlos.perez@example.co"}]
    assert orders[shipped["order"]["id"]]["_notifications"] == [
        {"kind": "shipping_confirmation", "to": "carlos.perez@example.co"}]


def test_the_source_identifier_is_kept_searchable_and_not_unique(store, events):
    line = [{"title": "Reloj Dropi", "quantity": 1, "priceSet": cop(59900)}]
    first = create(store, line, sourceIdentifier="dropi-70001")
    second = create(store, line, sourceIdentifier="dropi-70001")
    create(store, line, sourceIdentifier="dropi-70002")

    assert first["order"]["sourceIdentifier"] == "dropi-70001"
    assert second["userErrors"] == [] and second["order"]["id"] != first["order"]["id"]
    found = gql(store, '{ orders(first: 5, query: "source_identifier:\\"dropi-70001\\"") '
                       '{ nodes { id } } }')["orders"]["nodes"]
    assert {n["id"] for n in found} == {first["order"]["id"], second["order"]["id"]}
    created = [p for _shop, topic, p in events if topic == "orders/create"]
    assert created[0]["source_identifier"] == "dropi-70001"

    store.search_lag_seconds = 3600  # the search index trails writes: new orders not found yet
    late = create(store, line, sourceIdentifier="dropi-70003")["order"]
    searched = gql(store, '{ orders(first: 5, query: "source_identifier:dropi-70003") '
                          '{ nodes { id } } }')["orders"]["nodes"]
    fetched = gql(store, '{ order(id: "%s") { id } }' % late["id"])["order"]
    assert searched == [] and fetched == {"id": late["id"]}


def test_cash_on_delivery_is_a_pending_sale_and_a_fixed_discount_lowers_the_total(store):
    created = create(store, [{"title": "Reloj Dropi", "quantity": 2, "priceSet": cop(50000)}],
                     financialStatus="PENDING", taxesIncluded=True,
                     transactions=[{"kind": "SALE", "status": "PENDING", "amountSet": cop(95000),
                                    "gateway": "Cash on Delivery (COD)"}],
                     discountCode={"itemFixedDiscountCode": {"code": "DROPI",
                                                             "amountSet": cop(5000)}})
    order = created["order"]
    assert order["displayFinancialStatus"] == "PENDING" and order["taxesIncluded"] is True
    assert order["paymentGatewayNames"] == ["Cash on Delivery (COD)"]
    assert order["totalPriceSet"]["shopMoney"]["amount"] == "95000.0"


@pytest.mark.parametrize(("line", "order", "field", "code"), [
    ({"quantity": 1, "priceSet": cop(100)}, {}, "title", "INVALID"),
    ({"title": "Sin precio", "quantity": 1}, {}, "priceSet", "INVALID"),
    ({"title": "Dólares", "quantity": 1,
      "priceSet": {"shopMoney": {"amount": "10", "currencyCode": "USD"}}}, {},
     "currencyCode", "INVALID"),
    ({"title": "Reloj", "quantity": 1, "priceSet": cop(100)},
     {"customerId": "gid://shopify/Customer/1",
      "customer": {"toUpsert": {"email": "x@example.co"}}}, "customerId",
     "REDUNDANT_CUSTOMER_FIELDS"),
    ({"title": "Reloj", "quantity": 1, "priceSet": cop(100)}, {"currency": "USD"}, "currency",
     "INVALID"),
])
def test_what_shopify_refuses_is_refused_and_nothing_is_created(store, line, order, field, code):
    before = len(store.shop(SHOP).orders)
    refused = create(store, [line], **order)
    assert refused["order"] is None
    [error] = refused["userErrors"]
    assert error["field"][-1] == field and error["code"] == code
    assert len(store.shop(SHOP).orders) == before


def test_a_phone_another_customer_has_is_refused_and_the_email_finds_the_customer(store):
    store.create_customer(SHOP, email="ana@example.co", phone="+573001112233", firstName="Ana")
    line = [{"title": "Reloj", "quantity": 1, "priceSet": cop(100)}]

    taken = create(store, line, email="otra@example.co", phone="+573001112233")
    assert taken["order"] is None
    assert taken["userErrors"][0]["message"] == "Phone has already been taken"

    by_email = create(store, line, email="ana@example.co", phone="+573001112233")
    by_phone = create(store, line, email=None, phone="+573001112233")
    orders = store.shop(SHOP).orders
    ana = [c for c in store.shop(SHOP).customers.values() if c["email"] == "ana@example.co"]
    assert [orders[o["order"]["id"]]["_customer"] for o in (by_email, by_phone)] == [
        ana[0]["id"]] * 2
