"""The Orders page: each order's pipeline at a glance, filters, search, cursor paging, the
detail with its timeline, the buttons of failed or waiting steps and what they change, the
small poll that runs only while an order moves, other shops' orders unreachable, bad input
answered 422 in words, Spanish and English."""
from __future__ import annotations

import html
import json
import re

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import OrderEvent, OrderRecord, ShopConfiguration, StepState
from tests.factories import recorded_order
from tests.support import embedded_query, htmx_headers, mint_session_token

SHOP = "test-shop.myshopify.com"
FAILED, WAITING, DONE, PENDING = (StepState.FAILED, StepState.WAITING, StepState.DONE,
                                  StepState.PENDING)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def set_active(shop, active: bool = True) -> None:
    config = db.session.query(ShopConfiguration).filter_by(shop_id=shop.id).one_or_none()
    if config is None:
        config = ShopConfiguration(shop_id=shop.id)
        db.session.add(config)
    config.active = active
    db.session.commit()


@pytest.fixture
def active(shop):
    set_active(shop)
    return shop


def page(client, path: str = "", shop: str = SHOP, locale: str = "en", **params):
    query = embedded_query(shop, id_token=mint_session_token(shop), locale=locale)
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return client.get(f"/app/orders{path}?{query}{extra}")


def fragment(client, path: str = "", shop: str = SHOP, **params):
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return client.get(f"/app/orders{path}?shop={shop}&embedded=1&locale=en{extra}",
                      headers=htmx_headers(mint_session_token(shop)))


def post(client, path: str, data: dict | None = None, shop: str = SHOP):
    return client.post(f"/app/orders{path}?shop={shop}&embedded=1&locale=en", data=data or {},
                       headers=htmx_headers(mint_session_token(shop)))


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def toast(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def row_ids(response) -> list[str]:
    return re.findall(r'data-order-id="(\d+)"', response.get_data(as_text=True))


def dropi_sent(order: OrderRecord, dropi_id: int = 77001, status: str = "PENDIENTE") -> None:
    order.dropi_order_id, order.dropi_status = dropi_id, status
    db.session.commit()


# --- the list ---------------------------------------------------------------------------------

def test_each_order_shows_its_steps_dropi_order_and_problems(client, active):
    sent = recorded_order(active, 1001, steps={"whatsapp": (DONE, None),
                                               "confirmation": (DONE, None),
                                               "dropi": (DONE, None)})
    dropi_sent(sent, 77001, "GUIA_GENERADA")
    recorded_order(active, 1002, first_name="Andrés", steps={
        "whatsapp": (DONE, None), "confirmation": (DONE, None),
        "dropi": (WAITING, "city_unknown")})

    response = page(client)

    assert response.status_code == 200
    body = text(response)
    assert "#1001" in body and "#1002" in body and "Andrés" in body
    assert "No. 77001" in body and "GUIA_GENERADA" in body
    assert "Dropi does not know this city as written" in body
    assert "Cash on delivery" in body
    assert "not switched on yet" not in body


def test_an_empty_shop_says_orders_appear_as_shopify_sends_them(client, active):
    assert "Each new order placed in your store appears here" in text(page(client))


def test_connector_off_is_said_and_held_orders_can_be_sent_later(client, shop):
    recorded_order(shop, 1001)  # recorded while the connector is off

    body = text(page(client))

    assert "The connector is off" in body
    assert "Not sent: the connector was off" in body


def test_filter_by_step_state_and_by_needs_attention(client, active):
    failing = recorded_order(active, 1001, steps={"dropi": (FAILED, "Dropi said no")})
    waiting = recorded_order(active, 1002, steps={"confirmation": (WAITING, "waiting_customer")})
    recorded_order(active, 1003, steps={"dropi": (DONE, None)})
    failing.needs_attention = True
    db.session.commit()

    assert row_ids(fragment(client, step="dropi", state="failed")) == [str(failing.id)]
    assert row_ids(fragment(client, step="confirmation", state="waiting")) == [str(waiting.id)]
    assert row_ids(fragment(client, attention="1")) == [str(failing.id)]
    assert "No order matches these filters." in text(fragment(client, state="held"))


def test_search_by_name_customer_and_phone(client, active):
    laura = recorded_order(active, 1001)
    andres = recorded_order(active, 1002, first_name="Andrés", phone="+573104567890")

    assert row_ids(fragment(client, q="%231002")) == [str(andres.id)]
    assert row_ids(fragment(client, q="Laura")) == [str(laura.id)]
    assert row_ids(fragment(client, q="3104567890")) == [str(andres.id)]
    assert "No order matches “nadie”." in text(fragment(client, q="nadie"))


def test_cursor_paging_walks_every_order_once(client, active):
    ids = [recorded_order(active, 1000 + n).id for n in range(30)]

    first = fragment(client)
    assert row_ids(first) == [str(i) for i in sorted(ids, reverse=True)[:25]]
    cursor = re.search(r'after=(\d+)', first.get_data(as_text=True)).group(1)
    second = fragment(client, after=cursor)

    assert row_ids(second) == [str(i) for i in sorted(ids, reverse=True)[25:]]
    assert "Newest orders" in text(second) and 'rel="next"' not in text(second)


@pytest.mark.parametrize("params, message", [
    ({"state": "lost"}, "Unknown state"),
    ({"step": "teleport"}, "Unknown step"),
    ({"after": "abc"}, "must be a whole number"),
    ({"after": "99999999999"}, "is out of range"),
    ({"q": "x" * 101}, "at most 100 characters"),
])
def test_bad_filters_get_422_with_a_message(client, active, params, message):
    for response in (fragment(client, **params), page(client, **params)):
        assert response.status_code == 422
        assert message in text(response)


# --- the detail -------------------------------------------------------------------------------

def test_the_detail_shows_steps_and_the_timeline(client, active):
    order = recorded_order(active, 1001, steps={"dropi": (FAILED, "Dropi refused the city")})
    db.session.add(OrderEvent(shop_id=active.id, order_id=order.id, kind="dropi_created",
                              params={"id": 77001, "status": "PENDIENTE"}))
    db.session.commit()

    response = page(client, f"/{order.id}")
    body = text(response)

    assert "Order #1001" in body and "Laura Gómez" in body and "+573001234567" in body
    # The shipment panel (tracking, guide PDF) loads into its slot once the page is up.
    assert f'hx-get="/app/orders/{order.id}/shipment' in response.get_data(as_text=True)
    assert "Order received from Shopify." in body
    assert "Dropi order 77001 created (PENDIENTE)." in body
    assert "Dropi refused the city" in body
    assert ">Retry<" in body


def test_the_detail_polls_only_while_a_step_moves(client, active):
    order = recorded_order(active, 1001)  # every step to run: moving

    assert 'hx-trigger="every 3s"' in text(fragment(client, f"/{order.id}"))

    for step in order.steps:
        step.state = DONE
    db.session.commit()
    assert 'hx-trigger="every 3s"' not in text(fragment(client, f"/{order.id}"))


# --- the buttons ------------------------------------------------------------------------------

def test_retry_puts_a_failed_step_back_to_run(client, active):
    order = recorded_order(active, 1001, steps={"dropi": (FAILED, "Dropi timed out")})

    response = post(client, f"/{order.id}/retry", {"step": "dropi"})

    assert response.status_code == 200
    assert toast(response) == "Trying again now."
    db.session.refresh(order)
    from app.models import StepName
    assert order.step(StepName.DROPI).state == PENDING
    assert "You asked to retry Dropi order." in text(response)


def test_confirm_and_cancel_settle_a_waiting_confirmation(client, active):
    first = recorded_order(active, 1001, steps={"confirmation": (WAITING, "timeout_merchant")})
    second = recorded_order(active, 1002, steps={"confirmation": (WAITING, "waiting_customer")})

    assert ">Confirm<" in text(page(client, f"/{first.id}"))
    confirmed = post(client, f"/{first.id}/confirm")
    cancelled = post(client, f"/{second.id}/cancel")

    assert confirmed.status_code == cancelled.status_code == 200
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.confirmation_answer, first.confirmation_source) == ("confirmed", "merchant")
    assert (second.confirmation_answer, second.confirmation_source) == ("cancelled", "merchant")
    assert "Cancelled by you." in text(cancelled)


def test_send_now_releases_an_order_held_while_the_connector_was_off(client, shop):
    order = recorded_order(shop, 1001)
    assert ">Send now<" in text(page(client, f"/{order.id}"))

    refused = post(client, f"/{order.id}/send_now")
    assert refused.status_code == 422
    assert "The connector is off: turn it on in Settings first." in text(refused)

    set_active(shop)
    sent = post(client, f"/{order.id}/send_now")

    assert sent.status_code == 200 and toast(sent) == "Order sent on its way."
    db.session.refresh(order)
    assert all(step.state != StepState.HELD for step in order.steps)
    assert "Sent on its way by you." in text(sent)


def test_an_action_that_no_longer_applies_is_refused_in_words(client, active):
    order = recorded_order(active, 1001, steps={"confirmation": (DONE, None)})

    response = post(client, f"/{order.id}/confirm")

    assert response.status_code == 422
    assert "This order is not waiting for a confirmation." in text(response)


def test_bad_posts_get_a_message_or_404_never_a_5xx(client, active):
    order = recorded_order(active, 1001, steps={"dropi": (FAILED, "x")})

    assert post(client, f"/{order.id}/explode").status_code == 404
    assert page(client, "/99999999999").status_code == 404
    assert post(client, "/99999999999/confirm").status_code == 404
    pulse = fragment(client, "/pulse", ids="99999999999")
    assert pulse.status_code == 422 and "is out of range" in text(pulse)
    no_step = post(client, f"/{order.id}/retry", {"step": "teleport"})
    assert no_step.status_code == 422 and "Say which step to retry." in text(no_step)
    bad_city = post(client, f"/{order.id}/city", {"department_id": "x", "city_id": "1"})
    assert bad_city.status_code == 422 and "must be a whole number" in text(bad_city)
    missing = post(client, f"/{order.id}/city", {"department_id": "1"})
    assert missing.status_code == 422 and "Pick a department and a city." in text(missing)


def test_another_shops_orders_are_404_everywhere(client, active, other_shop):
    theirs = recorded_order(other_shop, 1001, steps={"dropi": (FAILED, "x"),
                                                     "confirmation": (WAITING,
                                                                      "waiting_customer")})

    assert page(client, f"/{theirs.id}").status_code == 404
    assert fragment(client, f"/{theirs.id}/city").status_code == 404
    for action, data in (("retry", {"step": "dropi"}), ("confirm", {}), ("cancel", {}),
                         ("send_now", {}), ("city", {"department_id": "1", "city_id": "2"})):
        assert post(client, f"/{theirs.id}/{action}", data).status_code == 404
    assert row_ids(fragment(client)) == []
    db.session.refresh(theirs)
    assert theirs.confirmation_answer is None


# --- the pulse --------------------------------------------------------------------------------

def test_the_list_polls_a_small_pulse_only_while_an_order_moves(client, active):
    order = recorded_order(active, 1001)
    listing = fragment(client).get_data(as_text=True)
    assert 'id="orders-pulse"' in listing
    pulse_url = re.search(r'id="orders-pulse" hidden hx-get="([^"]+)"', listing).group(1)
    pulse_url = pulse_url.replace("&amp;", "&")
    headers = htmx_headers(mint_session_token(SHOP))

    unchanged = client.get(pulse_url, headers=headers)
    assert unchanged.status_code == 200 and 'id="orders-pulse"' in text(unchanged)
    assert "HX-Trigger" not in unchanged.headers

    for step in order.steps:
        step.state = DONE
    db.session.commit()
    changed = client.get(pulse_url, headers=headers)
    assert changed.status_code == 200 and changed.headers["HX-Trigger"] == "orders-changed"

    settled = fragment(client).get_data(as_text=True)
    assert 'id="orders-pulse"' not in settled


def test_the_pulse_stops_polling_when_nothing_moves(client, active):
    order = recorded_order(active, 1001, steps={name: (DONE, None) for name in
                                                ("whatsapp", "confirmation", "dropi")})
    listing = fragment(client).get_data(as_text=True)
    assert 'id="orders-pulse"' not in listing
    seen = re.search(r'data-order-id="(\d+)"', listing).group(1)
    assert seen == str(order.id)
    from app.services.order_board import pulse
    fingerprint, moving = pulse(active, [order.id])

    stopped = fragment(client, "/pulse", ids=str(order.id), seen=fingerprint)

    assert not moving and stopped.status_code == 286


# --- languages --------------------------------------------------------------------------------

def test_the_page_speaks_spanish_by_default(client, active):
    order = recorded_order(active, 1001, steps={"dropi": (WAITING, "city_unknown")})

    with force_locale("es"):
        listing = text(page(client, locale="es"))
        detail = text(page(client, f"/{order.id}", locale="es"))

    assert "Pedidos" in listing and "Contra entrega" in listing
    assert "Solo los pedidos que necesitan atención" in listing
    assert "Elegir la ciudad" in detail and "Línea de tiempo" in detail


# --- picking Dropi's city (the Dropi stand-in over HTTP) --------------------------------------

def test_an_unknown_city_is_picked_from_dropis_list_and_remembered(world):
    from app.models import CityChoice, StepName

    set_active(world.shop)
    order = recorded_order(world.shop, 1001, city="Villa Inventada", province="",
                           steps={"dropi": (WAITING, "city_unknown")})
    client, shop = world.client, world.domain

    detail = text(page(client, f"/{order.id}", shop=shop))
    assert "Pick the city" in detail
    picker = text(fragment(client, f"/{order.id}/city", shop=shop))
    assert "The customer wrote “Villa Inventada, —”" in picker
    department_id, department = re.search(r'<option value="(\d+)">([^<]+)</option>',
                                          picker).groups()
    cities = fragment(client, f"/{order.id}/city", shop=shop, department_id=department_id)
    city_id, city = re.search(r'name="city_id"[^>]*> <option value="(\d+)">([^<]+)</option>',
                              text(cities)).groups()

    picked = post(client, f"/{order.id}/city", {"department_id": department_id,
                                                  "city_id": city_id}, shop=shop)

    assert picked.status_code == 200
    assert toast(picked) == "City saved: the order goes on to Dropi."
    assert f"You picked {city}, {department}" in text(picked)
    db.session.refresh(order)
    assert order.step(StepName.DROPI).state == PENDING
    choice = db.session.query(CityChoice).filter_by(shop_id=world.shop.id).one()
    assert (choice.department_id, choice.city_id) == (int(department_id), int(city_id))


def test_a_city_that_is_not_in_the_department_is_refused(world):
    set_active(world.shop)
    order = recorded_order(world.shop, 1001, city="Villa Inventada", province="",
                           steps={"dropi": (WAITING, "city_unknown")})

    refused = post(world.client, f"/{order.id}/city", {"department_id": "999999",
                                                         "city_id": "1"}, shop=world.domain)

    assert refused.status_code == 422
    assert "Pick a city from Dropi's list for this department." in text(refused)


def test_every_order_held_while_the_connector_was_off_can_be_sent_at_once(client, shop):
    held = [recorded_order(shop, 1001 + n) for n in range(3)]
    set_active(shop)
    listing = text(page(client))
    assert "3 orders were recorded while the connector was off" in listing

    sent = post(client, "/send-held")

    assert sent.status_code == 200 and toast(sent) == "3 orders sent on their way."
    assert 'id="orders-send-held" hx-swap-oob="true"' in text(sent)
    for order in held:
        db.session.refresh(order)
        assert all(step.state != StepState.HELD for step in order.steps)
    assert "were recorded while the connector was off" not in text(page(client))


def test_sending_held_orders_while_the_connector_is_off_is_refused_in_words(client, shop):
    recorded_order(shop, 1001)

    refused = post(client, "/send-held")

    assert refused.status_code == 422
    assert "The connector is off: turn it on in Settings first." in text(refused)
