"""The Dropi stand-in speaks Dropi's integrations API: catalog, filters, envelopes, auth,
orders and their life cycle, throttling and the call record."""
from __future__ import annotations

import re
from decimal import Decimal

import jwt
import pytest

from standins.dropi import DropiStandInConfig, create_dropi_stand_in


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stand_in():
    return create_dropi_stand_in(DropiStandInConfig(allowed_urls=("https://shop.example",)))


@pytest.fixture
def api(stand_in):
    return stand_in.test_client()


def auth(stand_in, country: str = "CO") -> dict:
    """The token header and the Origin of the app the token was registered for."""
    dropi = stand_in.extensions["dropi_stand_in"]
    token = dropi.token_for(country)
    return {"dropi-integration-key": token, "Origin": dropi.state.accounts[token].allowed_urls[0]}


def products(api, headers, country="co", **body) -> dict:
    response = api.post(f"/{country}/integrations/products/index", json=body, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def all_products(api, headers, country="co", **body) -> list[dict]:
    return products(api, headers, country, pageSize=100, startData=0, **body)["objects"] + \
        products(api, headers, country, pageSize=100, startData=100, **body)["objects"] + \
        products(api, headers, country, pageSize=100, startData=200, **body)["objects"]


def test_colombian_catalog_is_large_seeded_and_priced_in_whole_hundreds(api, stand_in):
    headers = auth(stand_in)
    first = products(api, headers, pageSize=100)
    catalog = all_products(api, headers)
    assert first["count"] >= 200 and len(catalog) == first["count"]
    again = create_dropi_stand_in().test_client()
    assert products(again, auth(again.application), pageSize=100)["objects"] == first["objects"]
    for product in catalog:
        cost, suggested = Decimal(product["sale_price"]), Decimal(product["suggested_price"])
        assert 18000 <= cost <= 180000 and cost % 100 == 0 and suggested % 100 == 0
        assert Decimal("1.55") <= suggested / cost <= Decimal("2.25")
    kinds = {p["type"] for p in catalog}
    assert kinds == {"SIMPLE", "VARIABLE"}
    assert any(p["stock"] == 0 for p in catalog) and any(p["stock"] > 0 for p in catalog)
    assert any("<script" in (p["description"] or "") for p in catalog)
    assert any("onerror=" in (p["description"] or "") for p in catalog)


def test_mexican_catalog_is_priced_in_pesos_with_cents(api, stand_in):
    catalog = all_products(api, auth(stand_in, "MX"), "mx")
    assert len(catalog) >= 200
    assert all(Decimal("89") <= Decimal(p["sale_price"]) <= Decimal("1499") for p in catalog)
    assert any(Decimal(p["sale_price"]) != int(Decimal(p["sale_price"])) for p in catalog)


def test_variable_products_carry_attributes_and_per_warehouse_stock(api, stand_in):
    catalog = all_products(api, auth(stand_in))
    variable = next(p for p in catalog if p["type"] == "VARIABLE"
                    and len(p["variations"][0]["attribute_values"]) == 2)
    names = {a["attribute_name"] for a in variable["variations"][0]["attribute_values"]}
    assert names in ({"Talla", "Color"}, {"Tamaño", "Color"})
    assert variable["stock"] == sum(v["stock"] for v in variable["variations"])
    rows = variable["variations"][0]["warehouse_product_variation"]
    assert variable["variations"][0]["stock"] == sum(r["stock"] for r in rows)
    assert all(r["warehouse"]["name"].startswith("Bodega") for r in rows)


def test_paging_and_every_filter(api, stand_in):
    headers = auth(stand_in)
    page_two = products(api, headers, startData=10, pageSize=10)["objects"]
    first_twenty = products(api, headers, startData=0, pageSize=20)["objects"]
    assert page_two == first_twenty[10:]
    favourites = all_products(api, headers, favorite=True)
    private = all_products(api, headers, privated_product=True)
    public = all_products(api, headers)
    assert favourites and private and not {p["id"] for p in private} & {p["id"] for p in public}
    assert all(p["stock"] > 0 for p in all_products(api, headers, stockmayor=1))
    in_kitchen = all_products(api, headers, category=[2])
    assert in_kitchen and all(p["categories"][0]["name"] == "Cocina" for p in in_kitchen)
    kitchen_or_home = all_products(api, headers, category=[1, 2])
    assert {p["categories"][0]["name"] for p in kitchen_or_home} == {"Hogar", "Cocina"}
    in_cali = all_products(api, headers, warehouse_id=1103)
    assert in_cali and all(any(r["warehouse_id"] == 1103 for r in p["warehouse_product"])
                           for p in in_cali)
    found = products(api, headers, keywords="LAMPARA led")["objects"]
    assert found and all("Lámpara LED" in p["name"] for p in found)


def test_list_answers_in_either_envelope(api, stand_in):
    headers = auth(stand_in)
    array = api.post("/co/integrations/products/index", json={"pageSize": 3},
                     headers={**headers, "X-Standin-Envelope": "array"}).json
    assert isinstance(array, list) and len(array[0]["objects"]) == 3 and array[0]["count"] >= 200
    api.post("/standin/config", json={"list_envelope": "array"})
    assert isinstance(products(api, headers, pageSize=1), list)


def test_images_are_local_pngs_and_some_urls_are_absolute(api, stand_in):
    catalog = all_products(api, auth(stand_in))
    relative = catalog[0]["gallery"][0]["urlS3"]
    assert re.fullmatch(r"images/co/\d+-1\.png", relative)
    image = api.get("/" + relative)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG") and len(image.data) < 8000
    absolute = [e["url"] for p in catalog for e in p["gallery"]
                if (e.get("url") or "").startswith("http")]
    assert absolute and all(url.startswith("http://localhost/images/co/") for url in absolute)


def test_tokens_are_dropi_shaped_jwts_bound_to_country(api, stand_in):
    token = auth(stand_in)["dropi-integration-key"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == claims["integration_type"] == "SHOPIFY"
    assert claims["token_type"] == "INTEGRATIONS" and claims["iss"] == "http://app.dropi.co:80"
    assert claims["ip_url"] == [{"url": "https://shop.example", "ip": "127.0.0.1"}]
    assert api.get("/co/integrations/helpers/validateToken").status_code == 401
    wrong_country = api.get("/mx/integrations/helpers/validateToken", headers=auth(stand_in))
    assert wrong_country.status_code == 401 and wrong_country.json["isSuccess"] is False
    issued = api.post("/standin/tokens", json={"country": "pe", "store_name": "Tienda Lima"}).json
    check = api.get("/pe/integrations/helpers/validateToken",
                    headers={"dropi-integration-key": issued["token"],
                             "Origin": "https://shop.example"})
    assert check.json["objects"]["store_name"] == "Tienda Lima"


URL = "/co/integrations/helpers/validateToken"


def test_a_caller_outside_the_tokens_allow_list_is_denied_access_with_its_ip(api, stand_in):
    outside = api.get(URL, headers=auth(stand_in), environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 401
    assert outside.json == {"isSuccess": False, "message": "Access denied", "status": 401,
                            "ip": "203.0.113.9"}
    assert api.get(URL, headers=auth(stand_in)).status_code == 200  # 127.0.0.1 is registered


@pytest.mark.parametrize("origin", [None, "https://other.example", "https://shop.example.evil.io"])
def test_a_call_without_the_registered_domain_is_denied_access(api, stand_in, origin):
    headers = {k: v for k, v in auth(stand_in).items() if k != "Origin"}
    if origin:
        headers["Origin"] = origin
    denied = api.get(URL, headers=headers)
    assert denied.status_code == 401 and denied.json["message"] == "Access denied"
    assert denied.json["ip"] == "127.0.0.1"


def test_the_referer_names_the_domain_when_there_is_no_origin(api, stand_in):
    headers = {k: v for k, v in auth(stand_in).items() if k != "Origin"}
    answer = api.get(URL, headers={**headers, "Referer": "https://shop.example/app/settings"})
    assert answer.status_code == 200


def test_a_token_registered_for_another_ip_is_denied_even_with_the_right_domain(api):
    issued = api.post("/standin/tokens", json={"country": "co", "allowed_urls": [
        "https://shop.example"], "allowed_ips": ["198.51.100.4"]}).json
    assert issued["ip_url"] == [{"url": "https://shop.example", "ip": "198.51.100.4"}]
    denied = api.get(URL, headers={"dropi-integration-key": issued["token"],
                                   "Origin": "https://shop.example"})
    assert denied.status_code == 401 and denied.json["ip"] == "127.0.0.1"


def test_the_allow_list_can_be_turned_off_for_a_test_of_something_else(api, stand_in):
    api.post("/standin/config", json={"enforce_allow_list": False})
    headers = {k: v for k, v in auth(stand_in).items() if k != "Origin"}
    assert api.get(URL, headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


def test_spain_refuses_the_integration_flag(api, stand_in):
    response = api.post("/es/integrations/products/index", json={"integration": True},
                        headers=auth(stand_in, "ES"))
    assert response.status_code == 400 and "integration" in response.json["message"]


def test_colombian_cities_carry_dane_codes(api, stand_in):
    headers = auth(stand_in)
    antioquia = next(d for d in api.get("/co/integrations/department", headers=headers).json[
        "objects"] if d["name"] == "Antioquia")
    cities = api.post("/co/integrations/trajectory/bycity", headers=headers,
                      json={"department_id": antioquia["id"]}).json["objects"]["cities"]
    assert {"name": "Medellín", "cod_dane": "5001000"}.items() <= cities[0].items()
    assert all(len(c["cod_dane"]) in (7, 8) for c in cities)


def order_body(product: dict, **changes) -> dict:
    line = {"id": product["id"], "quantity": 1, "price": product["sale_price"]}
    if product["type"] == "VARIABLE":
        line["variation_id"] = product["variations"][0]["id"]
    body = {"name": "Ana", "surname": "Pérez", "phone": "3001234567", "dir": "Cra 1 # 2-3",
            "city": "Medellín", "state": "Antioquia", "total_order": 99000,
            "rate_type": "CON RECAUDO", "shop_order_id": "1001", "products": [line]}
    return {**body, **changes}


def test_order_life_cycle_assigns_a_guide_and_takes_stock(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    created = api.post("/co/integrations/orders/myorders", json=order_body(product),
                       headers=headers).json["objects"]
    assert created["status"] == "PENDIENTE CONFIRMACION" and created["shipping_guide"] is None
    detail = api.get(f"/co/integrations/products/v2/{product['id']}", headers=headers).json
    assert detail["objects"]["stock"] == product["stock"] - 1
    statuses = [api.post(f"/standin/orders/{created['id']}/advance").json for _ in range(2)]
    assert [s["status"] for s in statuses] == ["PENDIENTE", "GUIA_GENERADA"]
    assert statuses[1]["shipping_guide"] and statuses[1]["shipping_company"]
    fetched = api.get(f"/co/integrations/orders/myorders/{created['id']}", headers=headers).json
    assert fetched["objects"]["shipping_guide"] == statuses[1]["shipping_guide"]
    delivered = api.post(f"/standin/orders/{created['id']}/status", json={"status": "ENTREGADO"})
    assert delivered.json["status"] == "ENTREGADO"
    assert api.post(f"/standin/orders/{created['id']}/advance").status_code == 409
    listed = api.get("/co/integrations/orders/myorders?status=ENTREGADO&filter_date_by="
                     "FECHA DE CREADO", headers=headers).json
    assert [o["id"] for o in listed["objects"]] == [created["id"]] and listed["count"] == 1
    other_store = {"dropi-integration-key": api.post("/standin/tokens", json={
        "country": "CO"}).json["token"],
                   "Origin": "https://shop.example"}
    assert api.get(f"/co/integrations/orders/myorders/{created['id']}",
                   headers=other_store).status_code == 404


def test_orders_are_validated_like_dropi(api, stand_in):
    headers = auth(stand_in)
    catalog = all_products(api, headers)
    variable = next(p for p in catalog if p["type"] == "VARIABLE")
    empty = next(p for p in catalog if p["stock"] == 0 and p["type"] == "SIMPLE")
    url = "/co/integrations/orders/myorders"
    missing_variation = order_body(variable)
    del missing_variation["products"][0]["variation_id"]
    assert "variation_id" in api.post(url, json=missing_variation, headers=headers).json["message"]
    no_stock = api.post(url, json=order_body(empty), headers=headers)
    assert no_stock.status_code == 422 and "Stock insuficiente" in no_stock.json["message"]
    mexican = next(p for p in all_products(api, auth(stand_in, "MX"), "mx")
                   if p["type"] == "SIMPLE" and p["stock"] > 0)
    no_zip = api.post("/mx/integrations/orders/myorders", json=order_body(mexican),
                      headers=auth(stand_in, "MX"))
    assert no_zip.status_code == 422 and "zip_code" in no_zip.json["message"]


def test_cancelling_gives_the_stock_back(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    order = api.post("/co/integrations/orders/myorders", json=order_body(product),
                     headers=headers).json["objects"]
    api.post(f"/standin/orders/{order['id']}/status", json={"status": "CANCELADO"})
    after = api.get(f"/co/integrations/products/v2/{product['id']}", headers=headers).json
    assert after["objects"]["stock"] == product["stock"]


def test_throttle_answers_429_like_laravel_until_the_window_passes():
    clock = Clock()
    app = create_dropi_stand_in(DropiStandInConfig(requests_per_minute=2, clock=clock))
    api, headers = app.test_client(), auth(app)
    url = "/co/integrations/helpers/validateToken"
    assert [api.get(url, headers=headers).status_code for _ in range(2)] == [200, 200]
    clock.now += 15
    limited = api.get(url, headers=headers)
    assert limited.status_code == 429 and limited.json == {"message": "Too Many Attempts."}
    assert limited.headers["Retry-After"] == "45"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    clock.now += 45
    assert api.get(url, headers=headers).status_code == 200


def test_calls_are_recorded_without_the_token(api, stand_in):
    headers = auth(stand_in)
    products(api, headers, pageSize=2, keywords="faja")
    call = api.get("/standin/calls").json["calls"][-1]
    assert call["path"] == "/co/integrations/products/index" and call["country"] == "CO"
    assert call["json"]["keywords"] == "faja" and call["status"] == 200
    assert call["headers"]["dropi-integration-key"] == "<present>"
    assert headers["dropi-integration-key"] not in str(api.get("/standin/calls").json)
    assert api.delete("/standin/calls").status_code == 204
    assert api.get("/standin/calls").json["calls"] == []


def test_demo_tokens_allow_list_the_app_url_from_settings():
    from app.config import Settings

    config = DropiStandInConfig.from_settings(Settings(shopify_app_url="https://app.example"))
    app = create_dropi_stand_in(config)
    claims = jwt.decode(auth(app, "MX")["dropi-integration-key"],
                        options={"verify_signature": False})
    assert claims["ip_url"] == [{"url": "https://app.example", "ip": "127.0.0.1"}]
    assert claims["iss"] == "http://app.dropi.mx:80"


def test_category_is_an_array_and_an_empty_one_yields_nothing(api, stand_in):
    headers = auth(stand_in)
    assert products(api, headers, category=[])["objects"] == []
    bare = api.post("/co/integrations/products/index", json={"category": 2}, headers=headers)
    assert bare.status_code == 422 and bare.json["errors"] == {"category": ["array"]}


def test_the_detail_sends_warehouses_as_arrays_and_some_galleries_with_relative_urls(
        api, stand_in):
    headers = auth(stand_in)
    catalog = all_products(api, headers)
    simple = next(p for p in catalog if p["type"] == "SIMPLE")
    detail = api.get(f"/co/integrations/products/v2/{simple['id']}", headers=headers).json
    rows = detail["objects"]["warehouse_product"]
    assert rows and all(isinstance(r["warehouse"], list) and r["warehouse"][0]["id"]
                        for r in rows)
    assert all(isinstance(r["warehouse"], dict) for r in simple.get("warehouse_product") or [])
    relative = [e["url"] for p in catalog for e in p["gallery"]
                if e.get("url") and not e["url"].startswith("http")]
    assert relative and all(re.fullmatch(r"images/co/\d+-\d\.png", url) for url in relative)


def test_an_order_must_name_a_department_and_city_as_dropi_lists_them(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    url = "/co/integrations/orders/myorders"
    raw_city = api.post(url, json=order_body(product, city="Medellin"), headers=headers)
    wrong_state = api.post(url, json=order_body(product, state="ANTIOQUIA DEPTO"),
                           headers=headers)
    assert raw_city.status_code == 422 and "Medellin" in raw_city.json["message"]
    assert wrong_state.status_code == 422 and "departamento" in wrong_state.json["message"]


def test_the_order_list_requires_filter_date_by_and_filters_by_order_id(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    created = api.post("/co/integrations/orders/myorders", json=order_body(product),
                       headers=headers).json["objects"]
    url = "/co/integrations/orders/myorders"
    without = api.get(url, headers=headers)
    by_id = api.get(f"{url}?filter_date_by=FECHA DE CREADO&filter_by=ORDEN ID"
                    f"&value_filter_by={created['id']}", headers=headers).json
    assert without.status_code == 422 and "filter_date_by" in without.json["message"]
    assert [o["id"] for o in by_id["objects"]] == [created["id"]]


def test_an_order_is_cancelled_by_put_only_before_its_guide(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    url = "/co/integrations/orders/myorders"
    first = api.post(url, json=order_body(product), headers=headers).json["objects"]
    second = api.post(url, json=order_body(product), headers=headers).json["objects"]
    api.put(f"{url}/{second['id']}", json={"status": "GUIA_GENERADA"}, headers=headers)
    cancelled = api.put(f"{url}/{first['id']}", json={"status": "CANCELADO"}, headers=headers)
    too_late = api.put(f"{url}/{second['id']}", json={"status": "CANCELADO"}, headers=headers)
    assert cancelled.json["objects"]["status"] == "CANCELADO"
    assert too_late.status_code == 422 and "guía" in too_late.json["message"]


def test_random_faults_include_answers_lost_after_the_order_was_made(api, stand_in):
    headers = auth(stand_in)
    product = next(p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE")
    api.post("/standin/faults", json={"slow_creates_next": 1, "delay_seconds": 0.01})
    answered = api.post("/co/integrations/orders/myorders", json=order_body(product),
                        headers=headers)
    assert answered.status_code == 200  # late, but carried out: the order exists
    assert len(api.get("/standin/orders").json["orders"]) == 1
