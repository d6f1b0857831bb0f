"""Create orders on Shopify, end to end through the Shopify and Dropi stand-ins over HTTP: Dropi
orders placed outside the store (Dropi's panel, an Ecomdrop flow) become one Shopify order each,
whatever is retried, lost or run again, with the shop's inventory, receipt and tax options."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from app.clients.dropi import DropiClient
from app.extensions import db
from app.models import (DropiOrderImport, InventoryBehaviour, OrderRecord, Session, Shop,
                        ShopConfiguration, StepName, StepState)
from app.models.sync import (RUN_INTERRUPTED, RUN_PARTIAL, RUN_RUNNING, RUN_SUCCEEDED,
                             SyncLogEntry, SyncRun, SyncState)
from app.models.types import utcnow
from app.services.orders_from_dropi import LOOKUP_GRACE, create_in_shopify
from app.services.product_import import import_product
from app.services.shipments import poll_shop
from app.services.shopify_session import shopify_client_for
from app.services.sync import run_option
from standins.shopify.payloads import order_payload
from tests.conftest import deliver_webhook, run_pending_jobs
from tests.factories import SCOPES, find_dropi_product, prefs, text_of

OPTION = "orders"
ORDER_SCOPES = SCOPES | {"read_orders", "write_orders", "read_customers", "read_fulfillments",
                         "write_fulfillments", "read_merchant_managed_fulfillment_orders",
                         "write_merchant_managed_fulfillment_orders"}


@pytest.fixture
def merchant(world):
    """The world's shop allowed to write orders, one Dropi product imported (linked), the
    connector Active with "Create orders on Shopify" on."""
    token = world.shopify.stand_in.tokens.issue_offline(world.domain, ORDER_SCOPES,
                                                        expiring=False)["access_token"]
    world.shop.access_token = token
    world.shop.scopes = ",".join(sorted(ORDER_SCOPES))
    raw = find_dropi_product(world, variable=False)
    assert import_product(world.ctx(), raw["id"], prefs()).ok
    configure(world, active=True, create_orders=True)
    # Its staff use the app in English: what runs record is in English.
    db.session.add(Session(id=f"{world.domain}_1", shop_id=world.shop.id, locale="en"))
    db.session.commit()
    world.linked = raw
    world.unlinked = next(p for p in sorted(world.dropi_catalog().values(), key=lambda p: p["id"])
                          if p["type"] == "SIMPLE" and not p["_private"] and p["stock"] > 3
                          and p["id"] != raw["id"])
    return world


def configure(world, **values) -> None:
    db.session.execute(update(ShopConfiguration).where(ShopConfiguration.shop_id ==
                                                       world.shop.id).values(**values))
    db.session.commit()


def place_in_dropi(world, *lines, **fields) -> dict:
    """An order typed in Dropi's panel for the shop's Dropi account."""
    token = db.session.scalar(select(ShopConfiguration.dropi_token)
                              .where(ShopConfiguration.shop_id == world.shop.id))
    products = [{"id": p["id"], "quantity": quantity, "price": price}
                for p, quantity, price in lines]
    answer = requests.post(f"{world.dropi.url}/standin/orders", timeout=10,
                           json={"token": token, "products": products, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def run(world):
    """One run of the option, as "Run now" starts it."""
    db.session.expire_all()
    return run_option(world.settings, world.domain, OPTION, force=True)


def shopify_orders(world, dropi_order) -> list[dict]:
    return [o for o in world.store_shop.orders.values()
            if o["sourceIdentifier"] == f"dropi-{dropi_order['id']}"]


def linked_variant(world) -> dict:
    [product] = world.products_with_handle(f"dropi-co-{world.linked['id']}")
    [variant] = world.variants_of(product["id"])
    return variant


def entries(world) -> list[SyncLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(SyncLogEntry).where(
        SyncLogEntry.shop_id == world.shop.id, SyncLogEntry.option == OPTION)
        .order_by(SyncLogEntry.id)))


def records(world) -> list[OrderRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(OrderRecord).where(
        OrderRecord.shop_id == world.shop.id)))


def test_a_panel_order_becomes_one_shopify_order_however_often_the_sync_runs(merchant):
    world = merchant
    # The customer's phone already belongs to another Shopify customer.
    world.shopify.store.create_customer(world.domain, email="vecino@example.co",
                                        phone="+573104567890")
    placed = place_in_dropi(world, (world.linked, 2, "45900"), (world.unlinked, 1, "30000"))

    runs = [run(world) for _ in range(3)]

    assert [r.status for r in runs] == [RUN_SUCCEEDED] * 3
    [order] = shopify_orders(world, placed)
    linked, custom = order["_lines"]
    assert (linked["_variant"], linked["quantity"], linked["_price"]) == (
        linked_variant(world)["id"], 2, Decimal("45900"))
    assert (custom["_variant"], custom["title"], custom["_price"]) == (
        None, world.unlinked["name"], Decimal("30000"))
    assert order["_totals"]["total"] == Decimal(placed["total_order"])  # what the carrier collects
    assert order["_shipping"][0]["_price"] == Decimal(placed["total_order"]) - 2 * 45900 - 30000
    assert order["displayFinancialStatus"] == "PENDING"
    assert order["paymentGatewayNames"] == ["Cash on Delivery (COD)"]
    address = order["shippingAddress"]
    assert (address["firstName"], address["city"], address["phone"]) == (
        "Carlos", "Medellín", "+573104567890")
    [entry] = entries(world)
    assert entry.outcome == "changed" and entry.entity_id == str(placed["id"])
    assert f"Created in Shopify as {order['name']}" in entry.reason
    assert world.unlinked["name"] in entry.reason  # said to be a custom line

    assert order["email"] == "carlos.perez@example.co" and order["phone"] is None

    [record] = records(world)
    assert (record.name, record.dropi_order_id, record.total) == (
        order["name"], placed["id"], Decimal(placed["total_order"]))
    states = {s.name: (s.state, s.reason) for s in record.steps}
    assert states[StepName.WHATSAPP] == (StepState.SKIPPED, "from_dropi")
    assert states[StepName.DROPI][0] == StepState.DONE
    page = text_of(world.page(f"/app/orders/{record.id}"))
    assert f"Created in Shopify from Dropi order {placed['id']}" in page


def test_a_lost_answer_is_found_on_the_retry_and_its_webhook_starts_nothing(merchant):
    world = merchant
    placed = place_in_dropi(world, (world.linked, 1, "45900"))
    world.shopify.faults(sequence=["lost"])  # orderCreate runs; its answer never arrives

    first = run(world)
    assert first.status == RUN_PARTIAL
    assert "did not confirm" in entries(world)[-1].reason
    [order] = shopify_orders(world, placed)
    # Shopify's orders/create of that order reaches the app before the retry.
    store_shop = world.store_shop
    response = deliver_webhook(world.client, "orders/create", order_payload(store_shop, order),
                               shop=world.domain, event_id="lost-answer-order")
    assert response.status_code == 200
    run_pending_jobs()
    assert records(world) == []  # not recorded as a store order: it is not sent to Dropi again

    second = run(world)
    assert second.status == RUN_SUCCEEDED
    assert len(shopify_orders(world, placed)) == 1
    assert "not created again" in entries(world)[-1].reason
    [record] = records(world)
    assert record.shopify_order_id == str(order["_number"])
    assert record.step(StepName.WHATSAPP).state == StepState.SKIPPED
    dropi_orders = world.dropi_state.orders.values()
    assert [o["id"] for o in dropi_orders] == [placed["id"]]  # no second Dropi order either


def test_a_lost_answer_while_shopifys_search_lags_waits_instead_of_creating_twice(merchant):
    world = merchant
    placed = place_in_dropi(world, (world.linked, 1, "45900"))
    world.shopify.faults(sequence=["lost"], search_lag_seconds=3600)

    run(world)  # created in Shopify, the answer lost
    run(world)  # the search does not show the new order yet

    assert len(shopify_orders(world, placed)) == 1
    assert "moments ago" in entries(world)[-1].reason
    world.shopify.faults()  # the search index caught up
    run(world)
    assert len(shopify_orders(world, placed)) == 1
    assert "not created again" in entries(world)[-1].reason
    assert [r.dropi_order_id for r in records(world)] == [placed["id"]]


def test_a_send_that_never_ran_waits_for_the_search_then_is_sent_once(merchant):
    world = merchant
    placed = place_in_dropi(world, (world.linked, 1, "45900"))
    world.shopify.faults(sequence=[503])  # refused before it ran: nothing was created

    run(world)
    run(world)  # moments later: Shopify's search may lag a write, so it waits
    assert shopify_orders(world, placed) == []
    assert "moments ago" in entries(world)[-1].reason

    db.session.execute(update(DropiOrderImport).values(sent_at=utcnow() - LOOKUP_GRACE))
    db.session.commit()
    run(world)
    run(world)
    assert len(shopify_orders(world, placed)) == 1
    row = db.session.scalar(select(DropiOrderImport))
    assert (row.state, row.attempts) == ("created", 2)


def test_a_worker_killed_mid_run_is_carried_on_without_a_second_order(merchant):
    world = merchant
    first = place_in_dropi(world, (world.linked, 1, "45900"))
    second = place_in_dropi(world, (world.linked, 1, "45900"))
    world.shopify.faults(sequence=["ok", "lost"])  # the first is created, the second is sent
    run(world)
    # ... and the worker died there: its run still "running", its lease run out, nothing after
    # the second send written (the Dropi scan's cursor did not move).
    dead = db.session.scalar(select(SyncRun).order_by(SyncRun.id.desc()))
    dead.status, dead.finished_at = RUN_RUNNING, None
    state = db.session.scalar(select(SyncState).where(SyncState.option == OPTION))
    state.current_run_id, state.lease_holder = dead.id, "killed:1:worker"
    state.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()

    resumed = run_option(world.settings, world.domain, OPTION)  # the scheduler's resume
    assert resumed.trigger == "resume" and resumed.status == RUN_SUCCEEDED
    assert db.session.get(SyncRun, dead.id).status == RUN_INTERRUPTED
    assert [len(shopify_orders(world, o)) for o in (first, second)] == [1, 1]
    assert sorted(r.dropi_order_id for r in records(world)) == [first["id"], second["id"]]


@pytest.mark.parametrize(("behaviour", "quantity", "change"), [
    (InventoryBehaviour.BYPASS, 3, 0),
    (InventoryBehaviour.DECREMENT_IGNORING_POLICY, 3, -3),
    (InventoryBehaviour.DECREMENT_OBEYING_POLICY, 1, -1),
])
def test_the_inventory_behaviour_is_what_shopify_stock_does(merchant, behaviour, quantity,
                                                             change):
    world = merchant
    configure(world, inventory_behaviour=behaviour)
    variant = linked_variant(world)
    with world.shopify.store.transaction():
        world.store_shop.levels[(variant["_inventory_item"], world.location_id)]["_q"][
            "available"] = 2
    placed = place_in_dropi(world, (world.linked, quantity, "45900"))

    run(world)

    assert len(shopify_orders(world, placed)) == 1
    assert world.available(linked_variant(world)) == 2 + change


def test_obeying_the_inventory_policy_refuses_what_shopify_cannot_sell(merchant):
    world = merchant
    configure(world, inventory_behaviour=InventoryBehaviour.DECREMENT_OBEYING_POLICY)
    variant = linked_variant(world)
    with world.shopify.store.transaction():
        variant["inventoryPolicy"] = "DENY"
        world.store_shop.levels[(variant["_inventory_item"], world.location_id)]["_q"][
            "available"] = 1
    placed = place_in_dropi(world, (world.linked, 3, "45900"))

    assert run(world).status == RUN_PARTIAL
    assert run(world).status == RUN_SUCCEEDED  # reported once, not again every run
    assert shopify_orders(world, placed) == []
    [entry] = entries(world)
    assert entry.outcome == "failed" and "Shopify refused the order" in entry.reason
    assert world.available(linked_variant(world)) == 1

    log = text_of(world.htmx("GET", "/app/sync/orders/log"))
    assert f"Dropi order {placed['id']} · Carlos Pérez" in log
    assert "Shopify refused the order" in log
    # The merchant restocks and retries that order from the Sync page's log.
    with world.shopify.store.transaction():
        world.store_shop.levels[(variant["_inventory_item"], world.location_id)]["_q"][
            "available"] = 5
    retried = world.htmx("POST", "/app/sync/orders/retry", data={"entry_id": str(entry.id)})
    assert retried.status_code == 200
    assert run_pending_jobs() == 1
    assert len(shopify_orders(world, placed)) == 1
    assert world.available(linked_variant(world)) == 2


def test_a_store_selling_in_another_currency_gets_nothing_and_is_told_why(merchant):
    world = merchant
    world.shop.currency = "USD"
    db.session.commit()
    placed = place_in_dropi(world, (world.linked, 1, "45900"))

    run(world)

    assert shopify_orders(world, placed) == []
    [entry] = entries(world)
    assert entry.reason == ("Dropi sells in COP and your store in USD: the order was not created "
                            "in Shopify.")


def test_receipts_and_taxes_follow_the_shops_options(merchant):
    world = merchant
    quiet = place_in_dropi(world, (world.linked, 1, "45900"))
    run(world)
    configure(world, send_order_confirmation=True, send_shipping_confirmation=True,
              taxes_included=True)
    told = place_in_dropi(world, (world.linked, 1, "45900"))
    run(world)

    [quiet_order], [told_order] = shopify_orders(world, quiet), shopify_orders(world, told)
    assert quiet_order["_receipt_options"] == {"sendReceipt": False,
                                               "sendFulfillmentReceipt": False}
    assert quiet_order["_notifications"] == [] and quiet_order["taxesIncluded"] is False
    assert told_order["_receipt_options"] == {"sendReceipt": True,
                                              "sendFulfillmentReceipt": True}
    assert told_order["_notifications"] == [{"kind": "order_confirmation",
                                             "to": "carlos.perez@example.co"}]
    assert told_order["taxesIncluded"] is True


def test_our_own_and_cancelled_dropi_orders_are_left_alone(merchant):
    world = merchant
    ours = place_in_dropi(world, (world.linked, 1, "45900"), origin="ecomdrop",
                          shop_order_id="5550001")
    db.session.add(OrderRecord(shop_id=world.shop.id, shopify_order_id="5550001", name="#1001",
                               confirmation_code="OURS1", lines=[]))
    db.session.commit()
    cancelled = place_in_dropi(world, (world.linked, 1, "45900"))
    requests.post(f"{world.dropi.url}/standin/orders/{cancelled['id']}/status",
                  json={"status": "CANCELADO"}, timeout=10).raise_for_status()
    flow = place_in_dropi(world, (world.linked, 1, "45900"), origin="ecomdrop",
                          shop_order_id="ECD-42")

    run(world)

    assert shopify_orders(world, ours) == [] and shopify_orders(world, cancelled) == []
    assert len(shopify_orders(world, flow)) == 1


@pytest.mark.parametrize("switches", [{"active": False}, {"create_orders": False}])
def test_nothing_is_created_while_active_or_the_option_is_off(merchant, switches):
    world = merchant
    configure(world, **switches)
    placed = place_in_dropi(world, (world.linked, 1, "45900"))

    assert run(world) is None
    assert shopify_orders(world, placed) == [] and records(world) == []


def test_the_created_order_is_shipped_like_any_other_custom_lines_included(merchant):
    world = merchant
    configure(world, get_shipments=True)
    placed = place_in_dropi(world, (world.linked, 1, "45900"), (world.unlinked, 2, "30000"))
    run(world)
    guided = requests.post(f"{world.dropi.url}/standin/orders/{placed['id']}/status",
                           json={"status": "GUIA_GENERADA"}, timeout=10).json()

    result = poll_shop(world.settings, world.shop)

    assert result.orders_updated == 1
    [order] = shopify_orders(world, placed)
    assert order["displayFulfillmentStatus"] == "FULFILLED"
    [fulfillment] = [world.store_shop.fulfillments[f] for f in order["_fulfillments"]]
    assert fulfillment["_tracking"][0]["number"] == guided["shipping_guide"]


def test_three_workers_creating_the_same_dropi_order_at_once_make_one(merchant):
    world = merchant
    placed = place_in_dropi(world, (world.linked, 1, "45900"))
    app, shop_id = current_app._get_current_object(), world.shop.id
    start, outcomes = threading.Barrier(3), []

    def worker():
        with app.app_context(), force_locale("en"):
            shop = db.session.get(Shop, shop_id)
            config = db.session.scalar(select(ShopConfiguration)
                                       .where(ShopConfiguration.shop_id == shop_id))
            dropi_order = DropiClient.for_settings(world.settings, config.dropi_token,
                                                   "CO").get_order(placed["id"])
            shopify = shopify_client_for(world.settings, shop)
            start.wait()
            outcomes.append(create_in_shopify(shop, config, shopify, dropi_order).outcome)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(shopify_orders(world, placed)) == 1
    assert sorted(outcomes).count("created") == 1 and len(outcomes) == 3
    assert len(records(world)) == 1
