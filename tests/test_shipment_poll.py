"""The shipment poll at Dropi's HTTP boundary (`responses`): pages of 100 orders changed since
the day before the last cycle, oldest id first; a cycle cut short by the page cap goes on from
where it stopped; only the shop's own open orders are touched."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from app.clients.dropi import DROPI_HOSTS
from app.extensions import db
from app.models import OrderRecord, Shipment, ShipmentPoll, ShopConfiguration
from app.models.types import utcnow
from app.services.shipments import poll_shop
from tests.test_settings_dropi import dropi_token

LIST = f"{DROPI_HOSTS['CO']}/orders/myorders"


@pytest.fixture
def polled_shop(app, shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=dropi_token(),
                                     dropi_country="CO", active=True))
    for number in range(3):
        db.session.add(OrderRecord(shop_id=shop.id, shopify_order_id=str(500 + number),
                                   name=f"#{1000 + number}", confirmation_code=f"C{number}",
                                   dropi_order_id=700 + number, lines=[],
                                   shopify_created_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    return shop


def _page(items, total):
    return {"isSuccess": True, "status": 200, "objects": items, "count": total}


def _order(number, status="EN TRANSITO"):
    return {"id": 700 + number, "status": status, "shop_order_id": str(500 + number),
            "updated_at": utcnow().isoformat()}


def _queries(mock):
    return [parse_qs(urlsplit(call.request.url).query) for call in mock.calls]


def test_a_cycle_reads_changed_orders_oldest_first_and_updates_only_its_own(app, polled_shop):
    with responses.RequestsMock() as mock:
        mock.get(LIST, json=_page([_order(0), _order(1, "NOVEDAD"),
                                   {"id": 999, "status": "ENTREGADO", "shop_order_id": "1"}], 3))
        mock.get(LIST, json=_page([], 0))  # the pending incidents
        result = poll_shop(app.config["SETTINGS"], polled_shop)
        first, incidents = _queries(mock)
    assert (result.requests, result.orders_updated) == (2, 2)
    assert first["filter_date_by"] == ["FECHA DE CAMBIO DE ESTATUS"]
    assert first["orderDirection"] == ["asc"] and first["result_number"] == ["100"]
    assert first["from"] == [(utcnow() - timedelta(days=4)).date().isoformat()]
    assert incidents["haveIncidenceProcesamiento"] == ["true"]
    statuses = dict(db.session.execute(db.select(Shipment.dropi_order_id, Shipment.status)).all())
    assert statuses == {700: "EN TRANSITO", 701: "NOVEDAD"}


def test_a_cycle_cut_short_by_the_page_cap_goes_on_from_there(app, polled_shop):
    settings = app.config["SETTINGS"]
    with responses.RequestsMock() as mock:
        mock.get(LIST, json=_page([_order(0)] * 100, 250))
        mock.get(LIST, json=_page([_order(1)] * 100, 250))
        first = poll_shop(settings, polled_shop, max_pages=2)
        mock.get(LIST, json=_page([_order(2)] * 50, 250))
        mock.get(LIST, json=_page([], 0))  # the pending incidents
        later = poll_shop(settings, polled_shop, now=utcnow(), max_pages=2)
        starts = [q["start"][0] for q in _queries(mock) if "haveIncidenceProcesamiento" not in q]
    assert not first.complete and later.complete
    assert starts == ["0", "100", "200"]
    assert db.session.scalar(db.select(ShipmentPoll.resume_start)) == 0
