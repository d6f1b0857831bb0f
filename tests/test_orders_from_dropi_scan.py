"""The scan for Dropi orders placed outside the store, at Dropi's HTTP boundary (`responses`):
orders by creation date from the day before the last complete scan, oldest first, a scan cut
short by the page cap going on from where it stopped, the cursor moving only once a scan's
orders were handled, and the shop's own orders left out."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from app.clients.dropi import DROPI_HOSTS, DropiClient
from app.extensions import db
from app.models import DropiOrderImport, DropiOrderScan, OrderRecord, ShopConfiguration
from app.models.types import utcnow
from app.services.orders_from_dropi import new_dropi_orders
from tests.test_settings_dropi import dropi_token

LIST = f"{DROPI_HOSTS['CO']}/orders/myorders"


@pytest.fixture
def dropi(app, shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, dropi_token=dropi_token(),
                                     dropi_country="CO", active=True, create_orders=True))
    db.session.commit()
    return DropiClient.for_settings(app.config["SETTINGS"], dropi_token(), "CO",
                                    sleep=lambda seconds: None)


def _page(ids, total, **fields):
    return {"isSuccess": True, "status": 200, "count": total,
            "objects": [{"id": i, "status": "PENDIENTE", **fields} for i in ids]}


def _queries(mock):
    return [{k: v[0] for k, v in parse_qs(urlsplit(c.request.url).query).items()}
            for c in mock.calls]


def test_a_scan_cut_short_goes_on_and_the_cursor_moves_once_it_is_handled(shop, dropi):
    now = utcnow()
    with responses.RequestsMock() as mock:
        mock.get(LIST, json=_page(range(1, 101), 150))
        cut = new_dropi_orders(shop, dropi, now=now, max_pages=1)
        cut.finish()
        mock.get(LIST, json=_page(range(101, 151), 150))
        rest = new_dropi_orders(shop, dropi, now=now + timedelta(minutes=10), max_pages=1)
        mock.get(LIST, json=_page([], 0))
        unfinished = new_dropi_orders(shop, dropi, now=now + timedelta(minutes=20))
        rest.finish()
        mock.get(LIST, json=_page([], 0))
        new_dropi_orders(shop, dropi, now=now + timedelta(minutes=30))
        first, second, third, fourth = _queries(mock)

    assert not cut.complete and len(cut.orders) == 100
    assert rest.complete and [o.id for o in rest.orders] == list(range(101, 151))
    assert first["filter_date_by"] == "FECHA DE CREADO" and first["orderDirection"] == "asc"
    assert first["from"] == (now - timedelta(days=2)).date().isoformat()
    assert (second["from"], second["start"]) == (first["from"], "100")
    assert third["start"] == "100"  # `rest` was not finished yet: read again
    assert (fourth["from"], fourth["start"]) == ((now - timedelta(days=1)).date().isoformat(),
                                                 "0")
    assert db.session.scalar(db.select(DropiOrderScan.last_started_at)) == rest.started_at


def test_the_shops_own_created_and_cancelled_orders_are_left_out(shop, dropi):
    db.session.add(OrderRecord(shop_id=shop.id, shopify_order_id="5001", name="#1001",
                               confirmation_code="A1", dropi_order_id=11, lines=[]))
    db.session.add(OrderRecord(shop_id=shop.id, shopify_order_id="5002", name="#1002",
                               confirmation_code="A2", lines=[]))  # its Dropi answer was lost
    db.session.add_all([DropiOrderImport(shop_id=shop.id, dropi_order_id=14, state="created"),
                        DropiOrderImport(shop_id=shop.id, dropi_order_id=15, state="sending"),
                        DropiOrderImport(shop_id=shop.id, dropi_order_id=16, state="refused")])
    db.session.commit()
    listed = _page([11, 13, 14, 15, 16, 17], 8)["objects"] + [
        {"id": 12, "status": "PENDIENTE", "shop_order_id": "5002"},
        {"id": 18, "status": "CANCELADO"}]
    with responses.RequestsMock() as mock:
        mock.get(LIST, json={"isSuccess": True, "count": 8, "objects": listed})
        scan = new_dropi_orders(shop, dropi)

    assert [o.id for o in scan.orders] == [13, 15, 17] and scan.seen == 8
