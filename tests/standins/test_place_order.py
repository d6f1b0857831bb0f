"""The demo's "place a test order": the CLI and the simulated admin's button place an order in
the store, and Shopify sends the app its orders/create webhook."""
from __future__ import annotations

import pytest
import requests

from standins.__main__ import main as standins_main
from standins.shopify.demo_orders import COD_GATEWAY, PREPAID_GATEWAY
from tests.live_standins import running_shopify_stand_in

SHOP = "demo-shop.myshopify.com"


@pytest.fixture(scope="module")
def shopify():
    with running_shopify_stand_in(webhooks_enabled=True) as shopify:
        shopify.create_shop(SHOP, seed=True, installed=True)
        yield shopify


def _created(shopify, name: str) -> dict:
    # Logged as soon as the store emits it; no app listens here, so it is never delivered.
    payloads = [d["payload"] for d in shopify.deliveries(topic="orders/create", shop=SHOP)]
    return next(p for p in payloads if p["name"] == name)


def test_cli_places_a_cash_on_delivery_order_to_the_named_city(shopify, capsys):
    status = standins_main(["place-order", "--shop", "demo-shop", "--cod", "--city", "medellin",
                            "--shopify-url", shopify.url])

    printed = capsys.readouterr().out
    assert status == 0
    name = printed.split()[1]
    assert "cash on delivery" in printed and "Medellín" in printed
    order = _created(shopify, name)
    assert order["payment_gateway_names"] == [COD_GATEWAY]
    assert order["financial_status"] == "pending"
    address = order["shipping_address"]
    assert (address["city"], address["province"], address["country_code"]) == (
        "Medellín", "Antioquia", "CO")
    assert order["phone"].startswith("+573") and order["line_items"]
    assert order["shipping_lines"] and order["customer"]["phone"] == order["phone"]


def test_cli_without_cod_places_a_paid_order(shopify, capsys):
    assert standins_main(["place-order", "--shopify-url", shopify.url]) == 0

    order = _created(shopify, capsys.readouterr().out.split()[1])
    assert order["financial_status"] == "paid"
    assert order["payment_gateway_names"] == [PREPAID_GATEWAY]


def test_a_city_the_store_does_not_know_is_sent_as_typed(shopify, capsys):
    assert standins_main(["place-order", "--cod", "--city", "Villa Inventada",
                          "--shopify-url", shopify.url]) == 0

    order = _created(shopify, capsys.readouterr().out.split()[1])
    assert order["shipping_address"]["city"] == "Villa Inventada"
    assert not order["shipping_address"]["province"]


def test_cli_says_why_when_the_store_does_not_exist_or_does_not_answer(shopify, capsys):
    assert standins_main(["place-order", "--shop", "nowhere", "--shopify-url", shopify.url]) == 1
    assert "no shop nowhere.myshopify.com" in capsys.readouterr().err

    assert standins_main(["place-order", "--shopify-url", "http://127.0.0.1:9"]) == 1
    assert "is `make run` running?" in capsys.readouterr().err


def test_the_simulated_admin_has_the_button_and_it_places_an_order(shopify):
    page = requests.get(shopify.admin_url(SHOP), timeout=10).text
    assert 'data-testid="place-order"' in page and 'name="cod"' in page

    before = len(shopify.deliveries(topic="orders/create", shop=SHOP))
    answer = requests.post(f"{shopify.url}/store/demo-shop/orders",
                           data={"cod": "on", "back": "/store/demo-shop"},
                           allow_redirects=False, timeout=10)

    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/store/demo-shop?placed=%23")
    created = shopify.deliveries(topic="orders/create", shop=SHOP)
    assert len(created) == before + 1
    assert created[-1]["payload"]["payment_gateway_names"] == [COD_GATEWAY]
    shown = requests.get(shopify.url + answer.headers["Location"], timeout=10).text
    assert f"Order {created[-1]['payload']['name']} placed." in shown


def test_the_button_api_refuses_bad_input(shopify):
    answer = requests.post(f"{shopify.url}/standin/shops/{SHOP}/orders",
                           json={"cod": "yes"}, timeout=10)
    assert answer.status_code == 400 and "cod must be true or false" in answer.json()["error"]
