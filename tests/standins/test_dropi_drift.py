"""The Dropi stand-in's knob for sync demos and tests: stock and prices that move, the same way
for the same seed, and products that disappear from the integrations API."""
from __future__ import annotations

from decimal import Decimal

import pytest

from standins.__main__ import main as standins_main
from standins.dropi import DropiStandInConfig, create_dropi_stand_in
from tests.live_standins import dropi_test_config, running_dropi_stand_in


def _stand_in():
    return create_dropi_stand_in(DropiStandInConfig(allowed_urls=("https://shop.example",)))


def _detail(api, stand_in, product_id):
    dropi = stand_in.extensions["dropi_stand_in"]
    token = dropi.token_for("CO")
    return api.get(f"/co/integrations/products/v2/{product_id}", headers={
        "dropi-integration-key": token, "Origin": "https://shop.example"})


def _snapshot(stand_in) -> dict:
    catalog = stand_in.extensions["dropi_stand_in"].state.catalog("CO")
    return {pid: (p["stock"], p["sale_price"]) for pid, p in catalog.items()}


def test_drift_changes_a_share_of_stock_and_prices_the_same_way_for_the_same_seed():
    first, second = _stand_in(), _stand_in()
    before = _snapshot(first)
    answers = [app.test_client().post("/standin/drift", json={
        "country": "co", "stock": 0.1, "prices": 0.05, "seed": 3}).json for app in (first, second)]
    assert answers[0] == answers[1]
    after = _snapshot(first)
    assert after == _snapshot(second)
    moved = {pid for pid in after if after[pid][0] != before[pid][0]}
    repriced = {pid for pid in after if after[pid][1] != before[pid][1]}
    assert moved and moved <= set(answers[0]["stock"])
    assert repriced == set(answers[0]["prices"])
    assert len(moved) < len(after) / 4


def test_a_drifted_price_stays_an_amount_in_cents():
    stand_in = _stand_in()
    changed = stand_in.test_client().post("/standin/drift", json={"prices": 1.0}).json["prices"]
    product = stand_in.extensions["dropi_stand_in"].state.catalog("CO")[changed[0]]
    assert Decimal(product["sale_price"]).as_tuple().exponent == -2


def test_drift_refuses_a_share_outside_zero_to_one():
    response = _stand_in().test_client().post("/standin/drift", json={"stock": 2})
    assert response.status_code == 422


@pytest.mark.parametrize("reason", ["deleted", "private"])
def test_a_withdrawn_product_answers_404_and_leaves_the_list(reason):
    stand_in = _stand_in()
    api = stand_in.test_client()
    product_id = min(stand_in.extensions["dropi_stand_in"].state.catalog("CO"))
    assert _detail(api, stand_in, product_id).status_code == 200
    answer = api.post(f"/standin/products/co/{product_id}/withdraw", json={"reason": reason})
    assert answer.status_code == 200
    assert _detail(api, stand_in, product_id).status_code == 404


def test_the_cli_moves_stock_in_a_running_stand_in(capsys):
    with running_dropi_stand_in(dropi_test_config()) as dropi:
        state = dropi.app.extensions["dropi_stand_in"].state
        before = {pid: p["stock"] for pid, p in state.catalog("CO").items()}
        assert standins_main(["dropi-drift", "--url", dropi.url, "--stock", "0.2"]) == 0
        after = {pid: p["stock"] for pid, p in state.catalog("CO").items()}
    assert before != after
    assert "stock changed on" in capsys.readouterr().out
