"""The Dropi stand-in after an order is made: the carrier's statuses over time, incidents and
the pending-incident list, new guides, guide PDFs for the token's own orders, and the unsigned
status webhook POSTed to the platform's URL."""
from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading

import pytest

from standins.dropi import DropiStandInConfig, create_dropi_stand_in
from standins.dropi.shipping import incident_fate
from tests.standins.test_dropi import all_products, auth, order_body


@pytest.fixture
def receiver():
    """A platform URL recording what Dropi POSTs to it (body and headers)."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"body": json.loads(body), "headers": dict(self.headers)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def _setup(receiver_url=None):
    app = create_dropi_stand_in(DropiStandInConfig(allowed_urls=("https://shop.example",),
                                                   status_webhook_url=receiver_url))
    return app, app.test_client(), auth(app)


def _order(api, headers, index=0):
    products = [p for p in all_products(api, headers, stockmayor=1) if p["type"] == "SIMPLE"]
    return api.post("/co/integrations/orders/myorders", json=order_body(products[index]),
                    headers=headers).json["objects"]


def test_the_carrier_takes_an_order_to_delivery_or_through_an_incident(receiver):
    app, api, headers = _setup()
    orders = [_order(api, headers, i) for i in range(6)]
    for _ in range(12):
        api.post("/standin/carrier/step")
    listed = {o["id"]: o for o in api.get(
        "/co/integrations/orders/myorders?filter_date_by=FECHA DE CAMBIO DE ESTATUS",
        headers=headers).json["objects"]}
    for order in orders:
        final = listed[order["id"]]
        fate = incident_fate(order["id"])
        assert final["status"] == ("DEVOLUCION" if fate == "return" else "ENTREGADO")
        assert final["shipping_guide"] and final["sticker"]
    with_incident = [o for o in orders if incident_fate(o["id"])]
    assert with_incident, "the seeded ids include an order that meets an incident"


def test_pending_incidents_are_listed_with_the_carriers_text_until_solved():
    app, api, headers = _setup()
    order = _order(api, headers)
    api.post(f"/standin/orders/{order['id']}/status", json={"status": "NOVEDAD"})
    url = ("/co/integrations/orders/myorders?filter_date_by=FECHA DE CREADO"
           "&haveIncidenceProcesamiento=true&issue_solved_by_parent_order=false")
    [pending] = api.get(url, headers=headers).json["objects"]
    assert pending["id"] == order["id"] and pending["novedad_servientrega"]
    api.post(f"/standin/orders/{order['id']}/status", json={"status": "NOVEDAD SOLUCIONADA"})
    assert api.get(url, headers=headers).json["objects"] == []


def test_any_carrier_status_is_accepted_and_a_new_guide_replaces_the_old(receiver):
    app, api, headers = _setup()
    order = _order(api, headers)
    odd = api.post(f"/standin/orders/{order['id']}/status", json={"status": "EN TERMINAL ORIGEN"})
    assert odd.status_code == 200 and odd.json["shipping_guide"]
    assert api.post(f"/standin/orders/{order['id']}/status",
                    json={"status": "no-such"}).status_code == 422
    changed = api.post(f"/standin/orders/{order['id']}/guide").json
    assert changed["shipping_guide"] != odd.json["shipping_guide"]


def test_guide_pdfs_are_served_only_to_the_orders_token():
    app, api, headers = _setup()
    order = _order(api, headers)
    guided = api.post(f"/standin/orders/{order['id']}/status",
                      json={"status": "GUIA_GENERADA"}).json
    folder = "servientrega" if guided["shipping_company"] in ("SERVIENTREGA", "ENVIA") else \
        guided["shipping_company"].lower()
    url = f"/co/guias/{folder}/{guided['sticker']}"
    pdf = api.get(url, headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf"
    other = {"dropi-integration-key": api.post("/standin/tokens", json={"country": "CO"})
             .json["token"], "Origin": "https://shop.example"}
    assert api.get(url, headers=other).status_code == 404
    assert api.get(url).status_code == 401


def test_every_status_change_is_posted_unsigned_to_the_platform(receiver):
    url, received = receiver
    app, api, headers = _setup(url)
    order = _order(api, headers)
    api.post(f"/standin/orders/{order['id']}/status", json={"status": "GUIA_GENERADA"})
    deliveries = api.get("/standin/status-webhooks").json["deliveries"]
    assert [d["status"] for d in deliveries] == ["GUIA_GENERADA"]
    [call] = received
    body = call["body"]
    assert body["id"] == order["id"] and body["status"] == "GUIA_GENERADA"
    assert body["shipping_guide"] and body["shop_order_id"] == order["shop_order_id"]
    assert body["country"] == "COLOMBIA" and body["orderdetails"][0]["quantity"].endswith(".00")
    assert not any("signature" in k.lower() or "hmac" in k.lower() for k in call["headers"])


def test_with_a_speed_the_carrier_moves_orders_on_its_own():
    from tests.live_standins import wait_until

    app, api, headers = _setup()
    order = _order(api, headers)
    api.post("/standin/config", json={"seconds_per_step": 0.05})
    try:
        wait_until(lambda: api.get(f"/co/integrations/orders/myorders/{order['id']}",
                                   headers=headers).json["objects"]["shipping_guide"])
    finally:
        api.post("/standin/config", json={"seconds_per_step": 0})
