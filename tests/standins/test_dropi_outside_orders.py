"""Orders placed in Dropi outside the Shopify integration (Dropi's panel, an Ecomdrop flow): the
stand-in places them for an account with the API's validation and stock, lists them to that
account's token by creation date, and `python -m standins dropi-order` does it from a shell."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from standins.__main__ import main as standins_main
from standins.dropi import DropiStandInConfig, create_dropi_stand_in
from tests.live_standins import running_dropi_stand_in
from tests.standins.test_dropi import auth


@pytest.fixture
def stand_in():
    return create_dropi_stand_in(DropiStandInConfig(allowed_urls=("https://shop.example",)))


@pytest.fixture
def api(stand_in):
    return stand_in.test_client()


def _simple_in_stock(stand_in) -> dict:
    catalog = stand_in.extensions["dropi_stand_in"].state.catalog("CO")
    return next(p for _id, p in sorted(catalog.items())
                if p["type"] == "SIMPLE" and not p["_private"] and p["stock"] > 5)


def _created_today(api, stand_in) -> list[dict]:
    today = datetime.now(timezone.utc).date().isoformat()
    answer = api.get("/co/integrations/orders/myorders", headers=auth(stand_in), query_string={
        "filter_date_by": "FECHA DE CREADO", "from": today, "untill": today,
        "orderDirection": "asc", "result_number": 100, "start": 0})
    assert answer.status_code == 200, answer.json
    return answer.json["objects"]


def test_a_panel_order_has_no_shop_order_id_takes_stock_and_keeps_its_prices(api, stand_in):
    product = _simple_in_stock(stand_in)
    stock = product["stock"]
    placed = api.post("/standin/orders", json={"products": [
        {"id": product["id"], "quantity": 2, "price": "45900"}]})

    assert placed.status_code == 201, placed.json
    order = placed.json
    assert order["shop_order_id"] is None and order["rate_type"] == "CON RECAUDO"
    [line] = order["orderdetails"]
    assert (line["quantity"], line["price"]) == (2, "45900.00")
    assert float(order["total_order"]) > 2 * 45900  # the lines plus shipping
    assert product["stock"] == stock - 2
    assert [o["id"] for o in _created_today(api, stand_in)] == [order["id"]]


def test_an_ecomdrop_order_keeps_the_flow_reference_and_bad_input_is_refused(api, stand_in):
    product = _simple_in_stock(stand_in)
    flow = api.post("/standin/orders", json={"origin": "ecomdrop", "shop_order_id": "ECD-77",
                                             "products": [{"id": product["id"], "quantity": 1}]})
    assert flow.status_code == 201 and flow.json["shop_order_id"] == "ECD-77"

    assert api.post("/standin/orders", json={"origin": "tienda"}).status_code == 422
    no_city = api.post("/standin/orders", json={"city": "Villa Inventada"})
    assert no_city.status_code == 422 and "Villa Inventada" in no_city.json["message"]
    assert api.post("/standin/orders", json={"country": "BR"}).status_code == 404


def test_the_cli_places_an_order_and_says_why_when_it_cannot(capsys):
    with running_dropi_stand_in() as dropi:
        assert standins_main(["dropi-order", "--dropi-url", dropi.url]) == 0
        printed = capsys.readouterr().out
        [order] = dropi.app.extensions["dropi_stand_in"].state.orders.values()
        assert printed.startswith(f"Placed Dropi order {order['id']} (panel): 1 x ")
        assert order["shop_order_id"] is None

        assert standins_main(["dropi-order", "--product", "1", "--dropi-url", dropi.url]) == 1
        assert "Producto no encontrado" in capsys.readouterr().err
    assert standins_main(["dropi-order", "--dropi-url", "http://127.0.0.1:9"]) == 1
    assert "is `make run` running?" in capsys.readouterr().err
