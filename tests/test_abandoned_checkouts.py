"""Abandoned checkouts end to end: the Shopify stand-in sends checkouts/create and orders/create
to the running app over HTTP, and the abandoned-cart flow runs on the Ecomdrop stand-in once,
after the delay, only with consent when the shop asks for it, never after the order."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AbandonedCheckout, RecoveryStatus, Shop
from app.models.types import utcnow
from app.services.recovery import due_checkouts, release_stale_claims, send_recovery
from app.services.recovery.sending import claim_due_checkout, record_flow_requested
from tests.conftest import run_pending_jobs
from tests.factories import (
    SCOPES,
    connect_ecomdrop,
    ecomdrop_flow_runs,
    install_shop,
    shopify_product,
)
from tests.live_standins import (
    running_app,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import embedded_query, mint_session_token

pytestmark = pytest.mark.e2e
SHOP = "recover-shop.myshopify.com"
PHONE = "+573001234567"
LATER = timedelta(minutes=61)


@pytest.fixture
def stack(tmp_path):
    with running_shopify_stand_in() as shopify, running_ecomdrop_stand_in() as ecomdrop:
        settings = stand_in_settings(tmp_path, shopify=shopify, ecomdrop=ecomdrop)
        with running_app(settings, shopify=shopify) as app, app.app.app_context():
            shop = install_shop(shopify, SHOP, webhooks=True,
                                scopes=SCOPES | {"read_orders", "read_customers"})
            shopify_product(shopify, SHOP, "CAR-USB", "Cargador USB", "34900")
            flows = connect_ecomdrop(ecomdrop, shop)
            yield app, shopify, ecomdrop, flows


def _leave_checkout(shopify, **fields):
    values = {"customer": {"email": "ana@example.com", "firstName": "Ana", "lastName": "Ruiz"},
              "phone": PHONE, "accepts_marketing": True}
    values.update(fields)
    checkout = shopify.store.create_checkout(SHOP, line_items=[{"sku": "CAR-USB", "quantity": 2}],
                                             **values)
    _process_webhooks(shopify)
    return checkout


def _process_webhooks(shopify):
    shopify.wait_for_webhooks()
    run_pending_jobs()


def _record(checkout) -> AbandonedCheckout:
    db.session.expire_all()
    return db.session.scalar(db.select(AbandonedCheckout).filter_by(
        checkout_id=str(checkout["_number"])))


def _send_due(app, now):
    return [send_recovery(app.settings, row_id, now=now) for _domain, row_id in due_checkouts(now)]


def test_an_abandoned_checkout_gets_the_flow_once_after_the_delay(stack):
    app, shopify, ecomdrop, flows = stack
    checkout = _leave_checkout(shopify)

    assert _send_due(app, utcnow()) == []  # the delay has not passed
    assert _send_due(app, utcnow() + LATER) == [RecoveryStatus.SENT]
    shopify.store.update_checkout(SHOP, checkout["id"], note="otra vez")
    _process_webhooks(shopify)
    assert _send_due(app, utcnow() + 2 * LATER) == []

    [run] = ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"])
    assert run["flow_id"] == int(flows["Carrito abandonado"]) and run["phone"] == PHONE
    assert run["fields"]["checkout_url"] == checkout["abandonedCheckoutUrl"]
    assert run["fields"]["checkout_items"] == "2 x Cargador USB"
    assert run["fields"]["checkout_total"] == "69.800\xa0COP"
    assert _record(checkout).status == RecoveryStatus.SENT


def test_the_scheduled_job_sends_when_the_delay_is_over(stack):
    app, shopify, ecomdrop, flows = stack
    from app.jobs import queue_due_abandoned_checkouts
    from app.models import ShopConfiguration

    db.session.execute(db.update(ShopConfiguration).values(abandoned_checkout_delay_minutes=0))
    db.session.commit()
    _leave_checkout(shopify)
    assert queue_due_abandoned_checkouts.call_local() == 1
    run_pending_jobs()
    assert len(ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"])) == 1
    assert queue_due_abandoned_checkouts.call_local() == 0


def test_no_flow_when_the_order_completes_first(stack):
    app, shopify, ecomdrop, flows = stack
    checkout = _leave_checkout(shopify)
    shopify.store.create_order(SHOP, line_items=[{"sku": "CAR-USB", "quantity": 2}],
                               checkout_id=checkout["id"], phone=PHONE)
    _process_webhooks(shopify)

    assert _record(checkout).status == RecoveryStatus.RECOVERED
    assert _send_due(app, utcnow() + LATER) == []
    assert ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"]) == []


def test_no_flow_when_the_order_exists_though_its_webhook_was_lost(stack):
    app, shopify, ecomdrop, flows = stack
    checkout = _leave_checkout(shopify)
    shopify.stand_in.webhooks.update(enabled=False)
    shopify.store.create_order(SHOP, line_items=[{"sku": "CAR-USB", "quantity": 2}],
                               checkout_id=checkout["id"], phone=PHONE)

    assert _send_due(app, utcnow() + LATER) == [RecoveryStatus.RECOVERED]
    assert ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"]) == []


def test_without_consent_nothing_is_sent_when_the_shop_requires_it(stack):
    app, shopify, ecomdrop, flows = stack
    checkout = _leave_checkout(shopify, accepts_marketing=False)

    assert _send_due(app, utcnow() + LATER) == [RecoveryStatus.SKIPPED]
    record = _record(checkout)
    assert record.skip_reason == "no_consent"
    assert ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"]) == []


def test_a_shop_that_sends_to_all_ignores_consent_but_not_the_phone(stack):
    app, shopify, ecomdrop, flows = stack
    from app.models import ShopConfiguration

    db.session.execute(db.update(ShopConfiguration).values(abandoned_checkout_audience="all"))
    db.session.commit()
    _leave_checkout(shopify, accepts_marketing=False)
    no_phone = _leave_checkout(shopify, phone=None, customer={"email": "sin@example.com"})

    assert sorted(_send_due(app, utcnow() + LATER)) == [RecoveryStatus.SENT,
                                                         RecoveryStatus.SKIPPED]
    assert _record(no_phone).skip_reason == "no_phone"
    assert len(ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"])) == 1


def test_a_worker_killed_before_the_send_loses_nothing_and_after_it_never_resends(stack):
    app, shopify, ecomdrop, flows = stack
    first = _leave_checkout(shopify)
    second = _leave_checkout(shopify, phone="+573009998877")
    later = utcnow() + LATER
    # One worker dies right after claiming the first; another right after requesting the flow
    # of the second, before it could record the answer.
    claim_due_checkout(_record(first).id, later)
    claimed = claim_due_checkout(_record(second).id, later)
    record_flow_requested(claimed, "lost-contact")

    assert release_stale_claims(later + timedelta(minutes=11)) == 2
    assert _send_due(app, later + timedelta(minutes=12)) == [RecoveryStatus.SENT]
    assert _record(first).status == RecoveryStatus.SENT
    assert _record(second).status == RecoveryStatus.UNCONFIRMED
    runs = ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"])
    assert [run["phone"] for run in runs] == [PHONE]


def test_the_same_checkout_sent_by_two_workers_runs_the_flow_once(stack):
    app, shopify, ecomdrop, flows = stack
    checkout = _leave_checkout(shopify)
    row_id = _record(checkout).id
    later = utcnow() + LATER

    outcomes = [send_recovery(app.settings, row_id, now=later) for _ in range(3)]
    assert outcomes == [RecoveryStatus.SENT, None, None]
    assert len(ecomdrop_flow_runs(ecomdrop, flows["Carrito abandonado"])) == 1


def _page(app, path, locale="en", **params):
    query = embedded_query(SHOP, id_token=mint_session_token(SHOP), locale=locale)
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return app.app.test_client().get(f"{path}?{query}{extra}")


def test_the_orders_tab_shows_sent_recovered_and_skipped_with_the_reason(stack):
    app, shopify, _ecomdrop, _flows = stack
    _leave_checkout(shopify)
    refused = _leave_checkout(shopify, accepts_marketing=False,
                              customer={"email": "b@example.com", "firstName": "Beto"})
    bought = _leave_checkout(shopify, customer={"email": "c@example.com", "firstName": "Caro"})
    shopify.store.create_order(SHOP, line_items=[{"sku": "CAR-USB", "quantity": 1}],
                               checkout_id=bought["id"])
    _process_webhooks(shopify)
    _send_due(app, utcnow() + LATER)

    english = _page(app, "/app/orders/abandoned-checkouts").get_data(as_text=True)
    assert "WhatsApp sent" in english and "Recovered" in english
    assert "did not accept marketing" in english
    assert f'data-checkout-id="{refused["_number"]}"' in english
    spanish = _page(app, "/app/orders/abandoned-checkouts", locale="es",
                    status="skipped").get_data(as_text=True)
    assert "no aceptó" in spanish and "Beto" in spanish and "Caro" not in spanish
    orders = _page(app, "/app/orders").get_data(as_text=True)
    assert "/app/orders/abandoned-checkouts" in orders


def test_the_delay_and_audience_are_saved_and_bad_values_refused(stack):
    from app.models import ShopConfiguration
    from app.services.settings import SettingsInvalid, recovery_form, save_recovery

    shop = db.session.scalar(db.select(Shop).filter_by(domain=SHOP))
    save_recovery(shop, recovery_form({"delay_minutes": "15", "audience": "all"}))
    config = db.session.scalar(db.select(ShopConfiguration).filter_by(shop_id=shop.id))
    assert (config.abandoned_checkout_delay_minutes, config.abandoned_checkout_audience) == (
        15, "all")
    with pytest.raises(SettingsInvalid) as refused:
        save_recovery(shop, recovery_form({"delay_minutes": "-5", "audience": "everyone"}))
    assert set(refused.value.errors) == {"delay_minutes", "audience"}
    app = stack[0]
    page = _page(app, "/app/settings", locale="es").get_data(as_text=True)
    assert 'name="delay_minutes"' in page and 'value="15"' in page


def test_a_customer_redact_erases_their_abandoned_checkouts(stack):
    from tests.conftest import deliver_webhook

    app, shopify, _ecomdrop, _flows = stack
    _leave_checkout(shopify)
    kept = _leave_checkout(shopify, phone="+573005556677", customer={"email": "otro@example.com"})
    answer = deliver_webhook(app.app.test_client(), "customers/redact", {
        "shop_domain": SHOP, "customer": {"id": 1, "email": "ana@example.com", "phone": PHONE},
        "orders_to_redact": []}, shop=SHOP)
    assert answer.status_code == 200
    run_pending_jobs()
    db.session.expire_all()
    left = db.session.scalars(db.select(AbandonedCheckout)).all()
    assert [row.checkout_id for row in left] == [str(kept["_number"])]
