"""DropiClient against the Dropi stand-in over real HTTP."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import requests
from werkzeug.serving import make_server

from app.clients.dropi import (
    DropiAuthError,
    DropiClient,
    DropiNotFound,
    NewOrder,
    OrderLine,
    RequestBudget,
)
from app.config import Settings
from standins.dropi import DropiStandInConfig, create_dropi_stand_in

APP_URL = "https://connector.example.test"


class Clock:
    """Shared by the stand-in's throttle and the client's sleep, so waits take no time."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def dropi_stand_in(clock):
    app = create_dropi_stand_in(DropiStandInConfig(allowed_urls=(APP_URL,), clock=clock))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


def client_for(dropi_stand_in, clock, country: str = "CO", **kwargs) -> DropiClient:
    base = dropi_stand_in.config["BASE_URL"]
    settings = Settings(dropi_url_template=base + "/{country}/integrations",
                        dropi_image_base_url=base + "/", shopify_app_url=APP_URL,
                        http_timeout_seconds=5)
    token = (kwargs.pop("token", None)
             or dropi_stand_in.extensions["dropi_stand_in"].token_for(country))
    kwargs.setdefault("budget", RequestBudget(6000, burst=1000))
    return DropiClient.for_settings(settings, token, country, sleep=clock.sleep, **kwargs)


def stand_in_calls(dropi_stand_in) -> list[dict]:
    calls = requests.get(dropi_stand_in.config["BASE_URL"] + "/standin/calls", timeout=5)
    return calls.json()["calls"]


def test_pages_filters_and_detail_over_http(dropi_stand_in, clock):
    client = client_for(dropi_stand_in, clock)
    first, second = client.list_products(page_size=20), client.list_products(start=20,
                                                                             page_size=20)
    assert first.total >= 200 and len(first.items) == len(second.items) == 20
    assert not {p.id for p in first.items} & {p.id for p in second.items}
    in_stock = client.list_products(page_size=100, in_stock=True, favorites=True)
    assert in_stock.items and all(p.stock > 0 for p in in_stock.items)
    private = client.list_products(page_size=100, private=True)
    assert private.items and private.total < first.total
    variable = next(p for p in first.items + second.items if p.is_variable)
    detail = client.get_product(variable.id)
    assert detail == variable and isinstance(detail.sale_price, Decimal)
    assert detail.variations[0].attributes and detail.variations[0].warehouse_stocks
    image = requests.get(detail.images[0], timeout=5)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    sent = stand_in_calls(dropi_stand_in)[0]
    assert sent["headers"]["origin"] == APP_URL and sent["json"]["get_stock"] is False
    with pytest.raises(DropiNotFound):
        client.get_product(1)


def test_array_envelope_from_the_stand_in_reads_the_same(dropi_stand_in, clock):
    client = client_for(dropi_stand_in, clock)
    objects = client.list_products(page_size=5)
    requests.post(dropi_stand_in.config["BASE_URL"] + "/standin/config",
                  json={"list_envelope": "array"}, timeout=5)
    assert client.list_products(page_size=5) == objects


def test_order_is_created_then_followed_to_its_guide(dropi_stand_in, clock):
    client = client_for(dropi_stand_in, clock, "MX")
    product = next(p for p in client.list_products(page_size=100, in_stock=True).items
                   if p.is_variable)
    variation = next(v for v in product.variations if v.stock > 0)
    order = NewOrder(
        shop_order_id="5001", total_order=variation.suggested_price, name="Luis",
        surname="Gómez", phone="+525511112222", address="Calle 5 #10", state="Jalisco",
        city="Guadalajara", zip_code="44100",
        lines=(OrderLine(product.id, product.name, 1, variation.sale_price,
                         supplier_id=product.supplier_id, variation_id=variation.id),))

    created = client.create_order(order)

    assert created.status == "PENDIENTE CONFIRMACION" and created.shipping_guide is None
    assert created.lines[0].variation_id == variation.id
    base = dropi_stand_in.config["BASE_URL"]
    for _ in range(2):
        requests.post(f"{base}/standin/orders/{created.id}/advance", timeout=5)
    followed = client.get_order(created.id)
    assert followed.status == "GUIA_GENERADA" and followed.shipping_guide
    assert followed.shipping_company and followed.sticker
    listed = client.list_orders(status="GUIA_GENERADA")
    assert [o.id for o in listed.items] == [created.id] and listed.total == 1
    after = client.get_product(product.id)
    assert next(v for v in after.variations if v.id == variation.id).stock == variation.stock - 1


def test_stand_in_throttle_is_absorbed_by_the_client(dropi_stand_in, clock):
    requests.post(dropi_stand_in.config["BASE_URL"] + "/standin/config",
                  json={"requests_per_minute": 3}, timeout=5)
    client = client_for(dropi_stand_in, clock)

    for _ in range(5):
        assert client.departments()

    statuses = [c["status"] for c in stand_in_calls(dropi_stand_in)]
    assert statuses.count(429) == 1 and statuses.count(200) == 5
    assert len(clock.slept) == 1 and 60 <= clock.slept[0] <= 66


def test_token_of_another_country_is_rejected(dropi_stand_in, clock):
    colombian_token = dropi_stand_in.extensions["dropi_stand_in"].token_for("CO")
    client = client_for(dropi_stand_in, clock, "PE", token=colombian_token)
    with pytest.raises(DropiAuthError, match="Perú \\(PE\\)"):
        client.validate_token()


def test_shipping_quotes_and_cities_over_http(dropi_stand_in, clock):
    client = client_for(dropi_stand_in, clock)
    antioquia = next(d for d in client.departments() if d.name == "Antioquia")
    medellin = next(c for c in client.cities(antioquia.id) if c.cod_dane == "5001000")
    bogota = next(c for d in client.departments() for c in client.cities(d.id)
                  if c.name == "Bogotá")
    quotes = client.quote_shipping(medellin, [{"id": 10001, "quantity": 1,
                                               "price": Decimal("45000")}], origin=bogota)
    assert len(quotes) == len(client.carriers()) and any(q.available for q in quotes)
    assert all(q.price % 100 == 0 for q in quotes if q.available)
