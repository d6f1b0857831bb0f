"""The demo end to end: `demo-connect` (with the stand-in customer answering on WhatsApp), then
`python -m standins place-order --cod`; the order goes through every step (WhatsApp flow,
the customer's confirmation through the callback, the Dropi order) and the Orders page shows
it, over HTTP against the three stand-ins and the app with its worker."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OrderRecord, StepName, StepState
from standins.__main__ import main as standins_main
from standins.demo import register as register_demo_commands
from standins.ecomdrop import DEMO_API_KEY
from tests.browser_support import running_stack
from tests.live_standins import wait_until
from tests.support import htmx_headers, mint_session_token

pytestmark = pytest.mark.e2e
SHOP = "demo-shop.myshopify.com"


@pytest.fixture
def stack(tmp_path):
    with running_stack(tmp_path, worker=True) as running:
        running.shopify.create_shop(SHOP, seed=True)
        yield running


def settled_order(stack) -> OrderRecord | None:
    with stack.app.app.app_context():
        db.session.expire_all()
        order = db.session.scalar(select(OrderRecord).order_by(OrderRecord.id.desc()))
        if order is None or order.step(StepName.DROPI).state != StepState.DONE:
            return None
        _ = [step.state for step in order.steps]
        db.session.expunge_all()
        return order


def test_a_placed_cash_on_delivery_order_goes_through_every_step(stack, capsys):
    stack.install(SHOP)
    connect = stack.app.app.test_cli_runner()
    register_demo_commands(stack.app.app)
    connected = connect.invoke(args=[
        "demo-connect", "--shop", SHOP, "--dropi-token", stack.dropi_token("CO"),
        "--ecomdrop-key", DEMO_API_KEY, "--import-products", "1", "--answer-after", "0.3"])
    assert connected.exit_code == 0, connected.output
    assert "Cash-on-delivery orders wait for the customer's WhatsApp answer" in connected.output

    assert standins_main(["place-order", "--cod", "--city", "Medellín",
                          "--shopify-url", stack.shopify.url]) == 0
    name = capsys.readouterr().out.split()[1]

    order = wait_until(lambda: settled_order(stack), timeout=60, interval=0.2)
    assert order.name == name and order.cash_on_delivery
    states = {step.name.value: step.state for step in order.steps}
    assert states == {"whatsapp": StepState.DONE, "confirmation": StepState.DONE,
                      "dropi": StepState.DONE}
    assert (order.confirmation_answer, order.confirmation_source) == ("confirmed", "customer")
    assert order.dropi_order_id

    with stack.app.app.app_context():
        listing = stack.app.app.test_client().get(
            f"/app/orders?shop={SHOP}&embedded=1&locale=en",
            headers=htmx_headers(mint_session_token(SHOP)))
        detail = stack.app.app.test_client().get(
            f"/app/orders/{order.id}?shop={SHOP}&embedded=1&locale=en",
            headers=htmx_headers(mint_session_token(SHOP)))
    body = re.sub(r"\s+", " ", html.unescape(detail.get_data(as_text=True)))
    assert f"No. {order.dropi_order_id}" in listing.get_data(as_text=True)
    assert "Confirmed by the customer on WhatsApp." in body
    assert f"Dropi order {order.dropi_order_id} created" in body

