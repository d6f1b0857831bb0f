"""Our order record from Shopify's order webhooks, the callback secret and the order policy:
services called directly (no HTTP), as the webhook handlers and Settings call them."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import (
    OrderEvent,
    OrderRecord,
    ProductAssociation,
    ShopConfiguration,
    StepName,
    StepState,
    VariantLink,
)
from app.services.order_pipeline import (
    CallbackRefused,
    OrderFilters,
    PolicyInvalid,
    answer_from_callback,
    event_text,
    list_orders,
    order_policy,
    record_order,
    rotate_callback_secret,
    save_order_policy,
    step_text,
)
from app.services.order_pipeline.texts import EVENTS, REASONS
from tests.conftest import create_shop


def payload(**changes) -> dict:
    body = {
        "id": 5551001, "name": "#1001", "created_at": "2026-12-03T10:00:00-05:00",
        "updated_at": "2026-12-03T10:00:00-05:00", "currency": "COP",
        "financial_status": "pending", "gateway": "Cash on Delivery (COD)",
        "payment_gateway_names": ["Cash on Delivery (COD)"], "email": "ana@example.co",
        "total_price": "134900.00", "subtotal_price": "125000.00",
        "total_shipping_price_set": {"shop_money": {"amount": "9900.00",
                                                    "currency_code": "COP"}},
        "shipping_address": {"first_name": "Ana", "last_name": "Ríos",
                             "address1": "Cra 43A # 1-50", "city": "Medellín",
                             "province": "Antioquia", "country_code": "CO", "zip": "050021",
                             "phone": "300 123 4567"},
        "line_items": [{"id": 1, "variant_id": 444, "title": "Lámpara", "name": "Lámpara LED",
                        "sku": "LAMP-1", "quantity": 1, "current_quantity": 1,
                        "price": "125000.00"}],
        "cancelled_at": None,
    }
    body.update(changes)
    return body


@pytest.fixture
def connected(shop):
    db.session.add(ShopConfiguration(shop_id=shop.id, active=True, dropi_country="CO"))
    association = ProductAssociation(shop_id=shop.id, dropi_product_id="10001",
                                     shopify_product_id="gid://shopify/Product/9",
                                     original_dropi_name="Lámpara", shopify_title="Lámpara")
    db.session.add(association)
    db.session.flush()
    db.session.add(VariantLink(shop_id=shop.id, association_id=association.id,
                               dropi_variation_id="", sku="LAMP-1",
                               shopify_variant_id="gid://shopify/ProductVariant/444"))
    db.session.commit()
    return shop


def test_an_order_is_recorded_with_its_e164_phone_cod_totals_and_dropi_lines(connected):
    order, new = record_order(connected, payload())

    assert new and order.shopify_order_id == "5551001" and order.name == "#1001"
    assert order.phone == "+573001234567" and order.cash_on_delivery
    assert (order.total, order.shipping_total) == (Decimal("134900.00"), Decimal("9900.00"))
    assert order.lines[0]["dropi"] and order.lines[0]["dropi_product_id"] == "10001"
    assert order.has_dropi_lines and not order.has_other_lines
    assert {s.name: s.state for s in order.steps} == {
        StepName.WHATSAPP: StepState.PENDING, StepName.CONFIRMATION: StepState.PENDING,
        StepName.DROPI: StepState.PENDING}


def _link_rows(shop_id: int, association_id: int, variants: dict[str, str]) -> list[dict]:
    return [{"shop_id": shop_id, "association_id": association_id, "dropi_variation_id": key,
             "shopify_variant_id": variant} for key, variant in variants.items()]


def test_an_order_in_a_shop_with_many_unrelated_links_gets_its_own_dropi_lines(connected):
    other = create_shop("otra-tienda.myshopify.com")
    shirt = ProductAssociation(shop_id=connected.id, dropi_product_id="20002",
                               shopify_product_id="gid://shopify/Product/20",
                               original_dropi_name="Camiseta", shopify_title="Camiseta")
    foreign = ProductAssociation(shop_id=other.id, dropi_product_id="30003",
                                 shopify_product_id="gid://shopify/Product/30",
                                 original_dropi_name="Gorra", shopify_title="Gorra")
    db.session.add_all([shirt, foreign])
    db.session.flush()
    ours = {f"u{i}": f"gid://shopify/ProductVariant/{700000 + i}" for i in range(3000)}
    ours.update({"talla-s": "gid://shopify/ProductVariant/1000", "talla-m": "1444",
                 "talla-l": "777"})
    db.session.execute(insert(VariantLink), [
        *_link_rows(connected.id, shirt.id, ours),
        *_link_rows(other.id, foreign.id, {"": "gid://shopify/ProductVariant/555"})])
    db.session.commit()
    # More lines than one lookup reads, the linked ones far apart.
    items = [{"id": n, "variant_id": 100000 + n, "title": f"Otro {n}", "quantity": 1,
              "price": "1000"} for n in range(450)]
    items[0]["variant_id"], items[5]["variant_id"], items[440]["variant_id"] = 1000, 444, 777
    items[441]["variant_id"] = 555  # linked in another shop only

    order, _ = record_order(connected, payload(line_items=items))

    dropi = {line["variant_id"]: (line["dropi_product_id"], line["dropi_variation_id"])
             for line in order.lines if line["dropi"]}
    assert dropi == {"444": ("10001", None), "777": ("20002", "talla-l"),
                     "1000": ("20002", "talla-s")}
    assert len(order.lines) == 450 and order.has_other_lines


def test_a_prepaid_order_and_a_number_that_is_not_a_phone(connected):
    order, _ = record_order(connected, payload(
        gateway="shopify_payments", payment_gateway_names=["shopify_payments"],
        financial_status="paid", shipping_address={**payload()["shipping_address"],
                                                   "phone": "12"}))

    assert not order.cash_on_delivery and order.phone is None and order.phone_as_given == "12"


def test_three_deliveries_and_an_older_update_leave_one_record_with_the_newest_data(connected):
    record_order(connected, payload(updated_at="2026-12-03T10:05:00-05:00",
                                    email="nuevo@example.co"))
    record_order(connected, payload())  # the older orders/create arrives after the update
    order, new = record_order(connected, payload())

    count = db.session.scalar(select(func.count()).select_from(OrderRecord))
    assert (count, new, order.email) == (1, False, "nuevo@example.co")


def test_a_cancellation_is_kept_whatever_order_the_webhooks_arrive_in(connected):
    record_order(connected, payload(cancelled_at="2026-12-03T10:10:00-05:00",
                                    updated_at="2026-12-03T10:10:00-05:00"))
    order, _ = record_order(connected, payload())

    assert order.cancelled_at is not None
    assert order.step(StepName.CANCELLATION).state == StepState.PENDING
    assert order.lines and order.has_dropi_lines


def test_with_the_connector_off_an_order_is_recorded_as_not_sent(shop):
    order, _ = record_order(shop, payload())

    assert {s.state for s in order.steps} == {StepState.HELD}
    with force_locale("en"):
        assert step_text(order.steps[0]).startswith("Not sent: the connector was off")
        kinds = [event_text(e) for e in db.session.scalars(select(OrderEvent))]
    assert "Not sent: the connector is off." in kinds


def test_the_callback_secret_is_stored_hashed_and_rotating_it_retires_the_old_one(connected):
    order, _ = record_order(connected, payload())
    first = rotate_callback_secret(connected)
    second = rotate_callback_secret(connected)
    config = db.session.scalar(select(ShopConfiguration))

    assert first not in (config.callback_secret_hash or "") and len(second) >= 40
    with pytest.raises(CallbackRefused) as refused:
        answer_from_callback(first, {"code": order.confirmation_code, "answer": "si"})
    assert refused.value.status == 401


def test_a_callback_for_an_order_that_is_not_waiting_is_refused(connected):
    order, _ = record_order(connected, payload())
    secret = rotate_callback_secret(connected)

    with pytest.raises(CallbackRefused) as not_asked:
        answer_from_callback(secret, {"code": order.confirmation_code, "answer": "si"})
    with pytest.raises(CallbackRefused) as unreadable:
        answer_from_callback(secret, {"code": order.confirmation_code, "answer": "quizás"})

    assert (not_asked.value.status, unreadable.value.status) == (409, 400)


def test_the_order_policy_is_checked_before_it_is_saved(shop):
    with force_locale("en"), pytest.raises(PolicyInvalid) as invalid:
        save_order_policy(shop, confirmation="sometimes", timeout_minutes="1",
                          timeout_action="shrug", preferred_carrier="DHL")
    saved = save_order_policy(shop, confirmation="hold_cod", timeout_minutes="90",
                              timeout_action="cancel", preferred_carrier="cheapest")

    assert set(invalid.value.errors) == {"confirmation", "timeout_minutes", "timeout_action",
                                         "preferred_carrier"}
    assert saved == order_policy(shop)
    assert (saved.confirmation, saved.timeout_minutes, saved.timeout_action,
            saved.preferred_carrier) == ("hold_cod", 90, "cancel", "cheapest")


def test_every_reason_and_event_reads_in_spanish(app):
    with force_locale("es"):
        untranslated = [code for code, text in {**REASONS, **EVENTS}.items()
                        if str(text) == text._args[0]]
    assert untranslated == []


def test_the_order_list_shows_only_the_shops_orders_and_filters_them(connected):
    other = create_shop("other-orders.myshopify.com")
    mine, _ = record_order(connected, payload())
    record_order(connected, payload(id=5551002, name="#1002", gateway="shopify_payments",
                                    payment_gateway_names=[]))
    record_order(other, payload())

    everything = list_orders(connected)
    searched = list_orders(connected, OrderFilters(search="#1001"))
    first_page = list_orders(connected, limit=1)
    second_page = list_orders(connected, cursor=first_page.next_cursor, limit=1)
    pending_dropi = list_orders(connected, OrderFilters(step="dropi", state="pending"))

    assert [o.name for o in everything.orders] == ["#1002", "#1001"]
    assert [o.id for o in searched.orders] == [mine.id]
    assert [o.name for o in first_page.orders + second_page.orders] == ["#1002", "#1001"]
    assert second_page.next_cursor is None and len(pending_dropi.orders) == 2
    assert list_orders(connected, OrderFilters(attention=True)).orders == []


def test_the_sweep_leaves_an_order_waiting_for_its_customer_until_the_deadline(connected):
    from datetime import timedelta

    from app.models.types import utcnow
    from app.services.order_pipeline.runner import due_orders

    order, _ = record_order(connected, payload())
    deadline = utcnow() + timedelta(minutes=30)
    confirmation = order.step(StepName.CONFIRMATION)
    confirmation.state, confirmation.reason = StepState.WAITING, "waiting_customer"
    confirmation.next_attempt_at = deadline
    for name in (StepName.WHATSAPP,):
        order.step(name).state = StepState.DONE
    db.session.commit()

    assert due_orders(utcnow() + timedelta(minutes=5)) == []
    assert due_orders(deadline + timedelta(seconds=1)) == [order.id]


def test_a_customer_redaction_blanks_the_customer_on_their_orders_only(connected, client):
    from tests.conftest import deliver_webhook, run_pending_jobs

    theirs, _ = record_order(connected, payload())
    other, _ = record_order(connected, payload(id=5551002, name="#1002",
                                               email="otro@example.co", shipping_address={
                                                   **payload()["shipping_address"],
                                                   "phone": "+573109998877"}))
    deliver_webhook(client, "customers/redact", {
        "shop_domain": connected.domain, "customer": {"id": 77, "email": "ana@example.co",
                                                      "phone": "+57 300 123 4567"},
        "orders_to_redact": [5551001]}, connected.domain)
    run_pending_jobs()
    db.session.expire_all()

    assert (theirs.first_name, theirs.email, theirs.phone, theirs.address1) == ("", None, None,
                                                                                "")
    assert theirs.dropi_order_id is None and theirs.total == Decimal("134900.00")
    assert (other.first_name, other.email) == ("Ana", "otro@example.co")
