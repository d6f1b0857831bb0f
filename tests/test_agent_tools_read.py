"""The nine tools read live Shopify data (the stand-in's demo shop) and every output validates
against its seed schema."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from app.services.agent_tools.registry import load_definition
from tests.factories import agent_key

LAURA = "+573001234567"


def assert_valid(action_id: str, output: dict) -> dict:
    schema = load_definition(action_id)["outputSchema"]
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(output)
    return output


@pytest.fixture
def staff(agent_world):
    return agent_key(agent_world.shop, "staff")


@pytest.mark.parametrize("reference", ["#1001", "1001", "gid://shopify/Order/1001"])
def test_get_order_by_name_number_or_gid(agent_world, staff, reference):
    response = agent_world.call("get_order", {"orderId": reference}, key=staff)

    assert response.status_code == 200, response.json
    order = assert_valid("get_order", response.json)
    assert order["name"] == "#1001"
    assert order["id"] == "gid://shopify/Order/1001"
    assert order["displayFinancialStatus"] == "PAID"
    assert order["totalPriceSet"]["shopMoney"]["currencyCode"] == "COP"
    assert order["totalPriceSet"]["shopMoney"]["amount"].endswith(".00")
    assert order["createdAt"].endswith("Z")
    assert {line["sku"] for line in order["lineItems"]} == {"AUD-TWS", "CAR-USB"}
    assert order["customer"]["email"] == "laura.gomez@example.com"


def test_get_order_shows_tracking_of_a_shipped_order(agent_world, staff):
    order = assert_valid("get_order", agent_world.call(
        "get_order", {"orderId": "#1003"}, key=staff).json)

    assert order["displayFulfillmentStatus"] == "FULFILLED"
    assert order["fulfillments"][0]["trackingInfo"][0] == {
        "number": "2045718833", "company": "Servientrega",
        "url": "https://www.servientrega.com/wps/portal/rastreo-envio"}


def test_get_order_of_a_missing_order_is_404(agent_world, staff):
    response = agent_world.call("get_order", {"orderId": "#9999"}, key=staff)

    assert response.status_code == 404
    assert "#9999" in response.json["error"]["message"]


def test_list_orders_filters_and_counts(agent_world, staff):
    everything = assert_valid("list_orders", agent_world.call("list_orders", {}, key=staff).json)
    paid = assert_valid("list_orders", agent_world.call(
        "list_orders", {"financialStatus": "PAID", "fulfillmentStatus": "UNFULFILLED"},
        key=staff).json)

    assert everything["totalCount"] == 4 and len(everything["orders"]) == 4
    assert [o["name"] for o in paid["orders"]] == ["#1001"]
    assert paid["orders"][0]["customerEmail"] == "laura.gomez@example.com"
    assert paid["orders"][0]["lineItemCount"] == 3


def test_list_orders_pages_with_a_cursor(agent_world, staff):
    first = agent_world.call("list_orders", {"first": 2}, key=staff).json
    second = agent_world.call("list_orders", {"first": 2, "after": first["pageInfo"]["endCursor"]},
                              key=staff).json

    assert first["pageInfo"]["hasNextPage"] is True
    names = [o["name"] for o in first["orders"] + second["orders"]]
    assert sorted(names) == ["#1001", "#1002", "#1003", "#1004"]


def test_get_product_with_variants_prices_and_images(agent_world, staff):
    product = next(p for p in agent_world.store_shop.products.values()
                   if p["title"] == "Reloj Inteligente Deportivo")
    number = product["id"].rsplit("/", 1)[1]

    output = assert_valid("get_product", agent_world.call(
        "get_product", {"productId": number}, key=staff).json)

    assert output["title"] == "Reloj Inteligente Deportivo"
    assert output["priceRangeV2"]["minVariantPrice"] == {"amount": "149900.00",
                                                         "currencyCode": "COP"}
    assert {v["title"] for v in output["variants"]} == {"Negro", "Rosa", "Azul"}
    assert output["variants"][0]["price"] == "149900.00"
    assert output["variants"][0]["compareAtPrice"] == "199900.00"
    assert output["options"] == [{"id": output["options"][0]["id"], "name": "Color",
                                  "values": ["Negro", "Rosa", "Azul"]}]
    assert output["totalInventory"] == 74  # 3 colours x (15 + 10), one sold to Andrés


def test_list_products_searches_the_catalogue(agent_world, staff):
    output = assert_valid("list_products", agent_world.call(
        "list_products", {"query": "title:camiseta* status:active"}, key=staff).json)

    assert [p["title"] for p in output["products"]] == ["Camiseta Algodón Básica"]
    assert output["products"][0]["variantsCount"] == 6
    assert output["products"][0]["priceRange"] == "39900.00 COP"


def test_check_inventory_across_locations(agent_world, staff):
    product = next(p for p in agent_world.store_shop.products.values()
                   if p["title"] == "Lámpara LED de Escritorio")
    variant = agent_world.store_shop.variants[product["_variants"][0]]

    output = assert_valid("check_inventory", agent_world.call(
        "check_inventory", {"inventoryItemId": variant["_inventory_item"]}, key=staff).json)
    one = agent_world.call("check_inventory", {
        "inventoryItemId": variant["_inventory_item"],
        "locationId": output["inventoryLevels"][0]["locationId"]}, key=staff).json

    assert output["sku"] == "LAM-LED"
    assert {level["locationName"]: level["available"] for level in output["inventoryLevels"]} \
        == {"Bodega Bogotá": 18, "Bodega Medellín": 0}
    assert output["totalAvailable"] == 18
    assert len(one["inventoryLevels"]) == 1 and one["totalAvailable"] == 18


def test_get_customer_and_search_customers(agent_world, staff):
    found = assert_valid("search_customers", agent_world.call(
        "search_customers", {"query": "email:laura.gomez@example.com"}, key=staff).json)
    customer_id = found["customers"][0]["id"]
    customer = assert_valid("get_customer", agent_world.call(
        "get_customer", {"customerId": customer_id}, key=staff).json)

    assert len(found["customers"]) == 1
    assert customer["email"] == "laura.gomez@example.com"
    assert customer["phone"] == LAURA
    assert customer["defaultAddress"]["city"] == "Bogotá"
    assert customer["totalSpentV2"]["currencyCode"] == "COP"


SEED_INPUT_EXAMPLES = [
    # the seed's conversations and the examples in its schema descriptions
    ("get_order", {"orderId": "#1001"}),
    ("get_order", {"orderId": "1001"}),
    ("get_order", {"orderId": "gid://shopify/Order/1001"}),
    ("list_orders", {"query": "financial_status:paid fulfillment_status:unfulfilled"}),
    ("list_orders", {"financialStatus": "PAID", "fulfillmentStatus": "UNFULFILLED",
                     "createdAtMin": "2020-01-01T00:00:00Z", "createdAtMax": "2100-01-01T00:00:00Z",
                     "first": 50, "sortKey": "CREATED_AT", "reverse": True}),
    ("list_orders", {"sortKey": "TOTAL_PRICE", "reverse": False, "first": 250}),
    ("get_product", {"productId": "gid://shopify/Product/1001"}),
    ("get_product", {"productId": "1001"}),
    ("list_products", {"query": "title:*shirt* status:active"}),
    ("list_products", {"first": 50, "sortKey": "INVENTORY_TOTAL", "reverse": False}),
    ("get_customer", {"customerId": "gid://shopify/Customer/1001"}),
    ("get_customer", {"customerId": "1001"}),
    ("check_inventory", {"inventoryItemId": "1001"}),
    ("check_inventory", {"inventoryItemId": "gid://shopify/InventoryItem/1001",
                         "locationId": "gid://shopify/Location/1001"}),
    ("search_customers", {"query": "john@example.com"}),
    ("fulfill_order", {"orderId": "#1001", "trackingNumber": "789456123",
                       "trackingCompany": "FedEx", "notifyCustomer": True}),
    ("fulfill_order", {"orderId": "1001", "trackingNumber": "1Z999AA10123456784",
                       "trackingCompany": "UPS",
                       "trackingUrl": "https://ups.com/track?tracknum=1Z999AA10123456784",
                       "lineItemIds": []}),
    ("cancel_order", {"orderId": "#1002", "reason": "CUSTOMER", "restock": True}),
]


@pytest.mark.parametrize("action_id,arguments", SEED_INPUT_EXAMPLES)
def test_every_seed_input_example_is_accepted(agent_world, staff, action_id, arguments):
    response = agent_world.call(action_id, arguments, key=staff)

    assert response.status_code == 200, response.json
    assert_valid(action_id, response.json)


@pytest.mark.parametrize("action_id,arguments,where", [
    ("get_order", {}, "'orderId' is a required property"),
    ("get_order", {"orderId": 1001}, "is not of type 'string'"),
    ("list_orders", {"first": 500}, "500 is greater than the maximum of 250"),
    ("list_orders", {"financialStatus": "paid"}, "is not one of"),
    ("list_orders", {"createdAtMin": "yesterday"}, "is not a 'date-time'"),
    ("fulfill_order", {"orderId": "#1001", "trackingUrl": "not a url"}, "is not a 'uri'"),
    ("check_inventory", {"inventoryItemId": "lamp"}, "not a InventoryItem ID"),
])
def test_bad_input_is_a_400_with_the_schema_error(agent_world, staff, action_id, arguments,
                                                  where):
    response = agent_world.call(action_id, arguments, key=staff)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert where in response.json["error"]["message"]


def test_a_body_that_is_not_json_is_a_400(agent_world, staff):
    response = agent_world.client.post("/agent/tools/get_order", data="orderId=1",
                                       headers={"Authorization": f"Bearer {staff}",
                                                "Content-Type": "application/json"})

    assert response.status_code == 400


def test_an_unknown_tool_is_a_404(agent_world, staff):
    assert agent_world.call("delete_everything", {}, key=staff).status_code == 404
