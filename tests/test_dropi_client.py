"""DropiClient requests and parsing, checked at the HTTP boundary with `responses`."""
from __future__ import annotations

import json
from decimal import Decimal

import jwt
import pytest
import responses

from app.clients.dropi import (
    DROPI_HOSTS,
    City,
    DropiClient,
    DropiError,
    NewOrder,
    OrderLine,
    RequestBudget,
)
from app.config import Settings

APP_URL = "https://connector.example.test"
SIGNING_KEY = "dropi-test-signing-key-of-32-bytes!!"


def make_token(**claims) -> str:
    payload = {"iss": "http://app.dropi.co:80", "aud": "SHOPIFY", "token_type": "INTEGRATIONS",
               "ip_url": [{"url": APP_URL, "ip": "203.0.113.7"}], **claims}
    return jwt.encode(payload, SIGNING_KEY, algorithm="HS256")


TOKEN = make_token(sub="17")


def make_client(country: str = "CO", **kwargs) -> DropiClient:
    kwargs.setdefault("budget", RequestBudget(6000, burst=1000))
    kwargs.setdefault("allowed_url", APP_URL)
    return DropiClient(TOKEN, country, **kwargs)


def sent_json(call) -> dict:
    return json.loads(call.request.body)


PRODUCT = {
    "id": 4501, "name": "Camiseta deportiva", "sku": "CAM-01", "type": "VARIABLE",
    "description": "<p>Tela fresca</p>", "sale_price": "32500.00", "suggested_price": 64900,
    "user_id": 88, "weight": "0.3",
    "categories": [{"id": 3, "name": "Moda"}],
    "gallery": [{"urlS3": "products/4501/front.png"}, {"url": "https://cdn.example/4501.png"}],
    "warehouse_product": [{"warehouse_id": 11, "stock": 7, "warehouse": {"name": "Bogotá"}}],
    "variations": [
        {"id": 90, "sku": "CAM-01-R-M", "sale_price": 32500.5, "suggested_price": "64900",
         "warehouse_product_variation": [{"warehouse_id": 11, "stock": 4,
                                          "warehouse": {"name": "Bogotá"}},
                                         {"warehouse_id": 12, "stock": 1}],
         "attribute_values": [{"value": "Rojo", "attribute_name": "Color"},
                              {"value": "M", "attribute": {"description": "Talla"}}]},
        {"id": 91, "sku": "CAM-01-R-L", "sale_price": "32500", "stock": 2,
         "attribute_values": [{"value": "L", "attribute_name": "Talla"}]},
    ],
}


@responses.activate
def test_product_list_goes_to_the_country_host_with_the_token_and_app_origin():
    url = "https://api.dropi.co/integrations/products/index"
    responses.post(url, json={"isSuccess": True, "status": 200, "objects": [PRODUCT],
                              "count": 321})

    page = make_client().list_products(start=50, page_size=25, keywords=" faja ", favorites=True,
                                       in_stock=True, category=3, warehouse=11)

    request = responses.calls[0].request
    assert request.headers["dropi-integration-key"] == TOKEN
    assert request.headers["Origin"] == APP_URL
    assert request.headers["Referer"] == APP_URL + "/"
    body = sent_json(responses.calls[0])
    assert body["startData"] == 50 and body["pageSize"] == 25 and body["keywords"] == "faja"
    assert body["favorite"] is True and "privated_product" not in body
    assert body["stockmayor"] == 1 and body["category"] == [3] and body["warehouse_id"] == 11
    assert body["integration"] is True and body["get_stock"] is False
    assert (page.total, page.start, page.page_size, len(page.items)) == (321, 50, 25, 1)
    assert page.has_more


@pytest.mark.parametrize(
    ("country", "host", "get_stock", "integration"),
    [("MX", "https://api.dropi.mx", True, True), ("PY", "https://api.dropi.com.py", False, True),
     ("PE", "https://api.dropi.pe", False, True), ("PA", "https://api.dropi.pa", False, True),
     ("CL", "https://api.dropi.cl", True, True), ("ES", "https://api.dropi.com.es", True, None)],
)
@responses.activate
def test_product_list_follows_each_country_quirks(country, host, get_stock, integration):
    responses.post(f"{host}/integrations/products/index", json={"objects": [], "count": 0})

    make_client(country).list_products(private=True)

    body = sent_json(responses.calls[0])
    assert body["get_stock"] is get_stock
    assert body.get("integration") is integration
    assert body["privated_product"] is True and "favorite" not in body


def test_every_country_host_ends_with_integrations():
    assert set(DROPI_HOSTS) == {"CO", "MX", "CL", "PE", "EC", "PA", "PY", "GT", "AR", "ES"}
    assert all(url.startswith("https://api.dropi.") and url.endswith("/integrations")
               for url in DROPI_HOSTS.values())


def test_settings_template_points_every_country_at_the_stand_in():
    settings = Settings(dropi_url_template="http://127.0.0.1:5002/{country}/integrations",
                        shopify_app_url=APP_URL, dropi_image_base_url="http://127.0.0.1:5002/")
    client = DropiClient.for_settings(settings, TOKEN, "mx")
    assert client.base_url == "http://127.0.0.1:5002/mx/integrations"
    assert client.image_base_url == "http://127.0.0.1:5002/"


def test_unknown_country_is_refused_with_the_choices():
    with pytest.raises(DropiError, match="Dropi does not operate in “BR”.*CO, MX"):
        DropiClient(TOKEN, "BR")


@responses.activate
def test_products_parse_with_exact_decimal_prices_stock_variations_and_images():
    responses.post("https://api.dropi.co/integrations/products/index",
                   json={"isSuccess": True, "objects": [PRODUCT], "count": 1})

    product = make_client(image_base_url="https://img.example/").list_products().items[0]

    assert product.sale_price == Decimal("32500.00") and product.suggested_price == 64900
    assert isinstance(product.sale_price, Decimal) and product.weight == Decimal("0.3")
    assert product.is_variable and product.stock == 7  # 5 + 2 over the variations
    red_m, red_l = product.variations
    assert red_m.sale_price == Decimal("32500.5") and red_m.stock == 5
    assert red_m.attributes == {"Color": "Rojo", "Talla": "M"}
    assert [(w.warehouse_id, w.name, w.stock) for w in red_m.warehouse_stocks] == [
        (11, "Bogotá", 4), (12, "", 1)]
    assert red_l.stock == 2 and red_l.suggested_price is None
    assert product.images == ("https://img.example/products/4501/front.png",
                              "https://cdn.example/4501.png")
    assert product.categories == ("Moda",) and product.supplier_id == 88
    assert product.description == "<p>Tela fresca</p>"


@responses.activate
def test_array_envelope_of_the_product_list_is_understood():
    simple = {"id": 7, "name": "Lámpara", "type": "SIMPLE", "sale_price": 18000,
              "warehouse_product": [{"warehouse_id": 1, "stock": 3}, {"warehouse_id": 2,
                                                                       "stock": 4}]}
    responses.post("https://api.dropi.co/integrations/products/index",
                   json=[{"objects": [simple], "count": 40}])

    page = make_client().list_products()

    assert page.total == 40 and page.items[0].stock == 7
    assert page.items[0].sale_price == Decimal("18000")


@responses.activate
def test_product_detail_uses_v2_path():
    responses.get("https://api.dropi.mx/integrations/products/v2/4501",
                  json={"isSuccess": True, "objects": PRODUCT})
    assert make_client("MX").get_product(4501).name == "Camiseta deportiva"


def mexican_order(**changes) -> NewOrder:
    values = dict(
        shop_order_id="1001", total_order=Decimal("1648.50"), name="Ana", surname="Pérez",
        phone="+525512345678", address="Av. Reforma 222", state="Ciudad de México",
        city="Cuauhtémoc", zip_code="06600", client_email="ana@example.com", notes="#1001",
        lines=(OrderLine(product_id=4501, name="Camiseta", quantity=2, price=Decimal("824.25"),
                         supplier_id=88, variation_id=90, stock=5),),
    )
    values.update(changes)
    return NewOrder(**values)


@responses.activate
def test_order_payload_follows_the_plugin_and_adds_zip_code_in_mexico():
    responses.post("https://api.dropi.mx/integrations/orders/myorders",
                   json={"isSuccess": True, "objects": {"id": 555, "status":
                         "PENDIENTE CONFIRMACION", "shop_order_id": "1001"}})

    order = make_client("MX").create_order(mexican_order())

    body = sent_json(responses.calls[0])
    assert body["total_order"] == 1648.5 and body["zip_code"] == "06600"
    assert body["rate_type"] == "CON RECAUDO" and body["payment_method_id"] == 1
    assert body["status"] == "PENDIENTE CONFIRMACION" and body["type"] == "FINAL_ORDER"
    assert body["calculate_costs_and_shiping"] is True and body["supplier_id"] == 88
    assert body["dir"] == "Av. Reforma 222" and body["country"] == "México"
    assert body["products"] == [{"id": 4501, "name": "Camiseta", "quantity": 2, "price": 824.25,
                                 "stock": 5, "user_id": 88, "variation_id": 90}]
    assert (order.id, order.status, order.shop_order_id) == (555, "PENDIENTE CONFIRMACION",
                                                              "1001")


@responses.activate
def test_colombian_prepaid_order_has_no_zip_code_and_whole_pesos():
    responses.post("https://api.dropi.co/integrations/orders/myorders",
                   json={"isSuccess": True, "objects": {"id": 9, "status": "PENDIENTE"}})
    make_client("CO").create_order(mexican_order(total_order=Decimal("129900.00"),
                                                 cash_on_delivery=False, zip_code=None))
    body = sent_json(responses.calls[0])
    assert "zip_code" not in body and body["total_order"] == 129900
    assert body["rate_type"] == "SIN RECAUDO" and body["country"] == "Colombia"


@responses.activate
def test_mexican_order_without_postal_code_is_refused_before_calling_dropi():
    with pytest.raises(DropiError, match="needs the customer's postal code"):
        make_client("MX").create_order(mexican_order(zip_code=" "))
    assert len(responses.calls) == 0


def test_order_mixing_suppliers_must_be_split():
    lines = (OrderLine(1, "A", 1, Decimal(10), supplier_id=1),
             OrderLine(2, "B", 1, Decimal(10), supplier_id=2))
    with pytest.raises(DropiError, match="several Dropi suppliers"):
        make_client("CO").order_payload(mexican_order(lines=lines))


@responses.activate
def test_order_reads_carrier_guide_and_lines():
    responses.get("https://api.dropi.co/integrations/orders/myorders/555", json={
        "isSuccess": True, "objects": {
            "id": 555, "shop_order_id": 1001, "status": "GUIA_GENERADA",
            "shipping_company": "SERVIENTREGA", "shipping_guide": "2400012345", "sticker":
            "555-guia.pdf", "distribution_company_id": 3, "shipping_amount": "12500.00",
            "created_at": "2026-03-01T10:00:00.000000Z", "orderdetails": [
                {"product": {"id": 4501, "name": "Camiseta", "sku": "CAM-01",
                             "sale_price": "32500.00"}, "quantity": 2, "variation_id": 90}]}})

    order = make_client().get_order(555)

    assert order.shipping_guide == "2400012345" and order.shipping_company == "SERVIENTREGA"
    assert order.shop_order_id == "1001" and order.shipping_amount == Decimal("12500.00")
    assert order.created_at.tzinfo is not None
    assert order.lines[0].price == Decimal("32500.00") and order.lines[0].variation_id == 90


@responses.activate
def test_order_list_sends_paging_and_filters_in_the_query_string():
    responses.get("https://api.dropi.co/integrations/orders/myorders",
                  json={"isSuccess": True, "objects": [{"id": 3, "status": "ENTREGADO"}],
                        "count": 61})

    page = make_client().list_orders(start=20, page_size=500, status="ENTREGADO",
                                     date_from="2026-01-01")

    params = responses.calls[0].request.params
    assert params["result_number"] == "100" and params["start"] == "20"
    assert params["status"] == "ENTREGADO" and params["from"] == "2026-01-01"
    assert params["filter_date_by"] == "FECHA DE CREADO"
    assert page.total == 61 and page.items[0].status == "ENTREGADO"


@responses.activate
def test_orders_created_between_two_dates_come_oldest_first_with_their_customer():
    responses.get("https://api.dropi.co/integrations/orders/myorders", json={
        "isSuccess": True, "count": 1, "objects": [{
            "id": 70010, "status": "PENDIENTE", "shop_order_id": None, "rate_type": "CON RECAUDO",
            "total_order": "99800", "name": "Carlos ", "surname": "Pérez", "phone": "3104567890",
            "dir": "Carrera 43A # 1-50", "state": "Antioquia", "city": "Medellín",
            "client_email": "carlos@example.co", "notes": "Tocar el timbre"}]})

    page = make_client().created_orders("2026-03-01", "2026-03-02", start=100)

    params = responses.calls[0].request.params
    assert params["filter_date_by"] == "FECHA DE CREADO" and params["orderDirection"] == "asc"
    assert (params["from"], params["untill"], params["start"]) == (
        "2026-03-01", "2026-03-02", "100")
    [order] = page.items
    assert order.cash_on_delivery and order.total_order == Decimal("99800")
    customer = order.customer
    assert (customer.name, customer.surname, customer.phone, customer.email) == (
        "Carlos", "Pérez", "3104567890", "carlos@example.co")
    assert (customer.address, customer.state, customer.city) == (
        "Carrera 43A # 1-50", "Antioquia", "Medellín")
    assert order.notes == "Tocar el timbre"


@responses.activate
def test_geography_warehouses_and_shipping_quotes():
    base = "https://api.dropi.co/integrations"
    responses.get(f"{base}/department", json={"objects": [{"id": 1, "name": "Antioquia"}]})
    responses.post(f"{base}/trajectory/bycity", json={"isSuccess": True, "objects": {"cities": [
        {"id": 10, "name": "Medellín", "department_id": 1, "cod_dane": "5001000"}]}})
    responses.get(f"{base}/warehouses/", json={"objects": [
        {"id": 11, "name": "Bodega Bogotá", "city": {"name": "Bogotá"}}]})
    responses.post(f"{base}/orders/cotizaEnvioTransportadoraV2", json={"objects": [
        {"transportadora": "ENVIA", "transportadora_id": 2,
         "objects": {"precioEnvio": 11900, "seguroEnvio": "450.5"}},
        {"transportadora": "TCC", "transportadora_id": 4, "error": "Sin cobertura"}]})
    client = make_client()

    assert client.departments()[0].name == "Antioquia"
    medellin = client.cities(1)[0]
    assert medellin == City(id=10, name="Medellín", department_id=1, cod_dane="5001000")
    assert client.warehouses()[0].city == "Bogotá"
    envia, tcc = client.quote_shipping(medellin, [{"id": 7, "quantity": 2,
                                                   "price": Decimal("45000")}])

    assert envia.price == Decimal("11900") and envia.insurance == Decimal("450.5")
    assert envia.available and not tcc.available and tcc.error == "Sin cobertura"
    quote_body = sent_json(responses.calls[3])
    assert quote_body["amount"] == 90000 and quote_body["EnvioConCobro"] is True
    assert quote_body["ciudad_destino"] == {"id": 10, "cod_dane": "5001000", "name": "Medellín"}
    assert sent_json(responses.calls[1]) == {"department_id": 1, "rate_type": "CON RECAUDO"}


@pytest.mark.parametrize("answer", [
    [{"id": 12, "name": "Bogotá", "department_id": 3, "cod_dane": 11001000}],
    {"isSuccess": True, "objects": [{"id": 12, "name": "Bogotá", "department_id": 3,
                                     "cod_dane": "11001000"}]},
])
@responses.activate
def test_cities_also_arrive_as_a_bare_list(answer):
    responses.post("https://api.dropi.co/integrations/trajectory/bycity", json=answer)
    assert make_client().cities(3) == [City(id=12, name="Bogotá", department_id=3,
                                            cod_dane="11001000")]


@responses.activate
def test_no_category_filter_sends_no_category_at_all():
    responses.post("https://api.dropi.co/integrations/products/index", json={"objects": []})
    make_client().list_products()
    assert "category" not in sent_json(responses.calls[0])


@responses.activate
def test_product_detail_reads_a_warehouse_sent_as_an_array_and_makes_image_urls_absolute():
    detail = {**PRODUCT, "type": "SIMPLE", "variations": [],
              "warehouse_product": [
                  {"warehouse_id": 11, "stock": 7, "warehouse": [{"id": 11, "name": "Bogotá"}]},
                  {"stock": 2, "warehouse": [{"id": 12, "name": "Medellín"}]},
                  {"warehouse_id": 13, "stock": 1, "warehouse": {"id": 13, "name": "Cali"}}],
              "gallery": [{"url": "products/4501/side.png", "urlS3": None, "main": True},
                          {"url": "/products/4501/back.png"},
                          {"url": "https://img.example/abs.png", "urlS3": ""},
                          {"url": "", "urlS3": "products/4501/s3.png"},
                          {"url": None, "urlS3": None}]}
    responses.get("https://api.dropi.co/integrations/products/v2/4501",
                  json={"isSuccess": True, "objects": detail})

    product = make_client(image_base_url="https://img.example/").get_product(4501)

    assert [(w.warehouse_id, w.name, w.stock) for w in product.warehouse_stocks] == [
        (11, "Bogotá", 7), (12, "Medellín", 2), (13, "Cali", 1)]
    assert product.stock == 10
    assert product.images == ("https://img.example/products/4501/side.png",
                              "https://img.example/products/4501/back.png",
                              "https://img.example/abs.png",
                              "https://img.example/products/4501/s3.png")
