"""customers/data_request, customers/redact and shop/redact: answered 200 and their work done."""
from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from decimal import Decimal

from app.extensions import db
from app.models import (
    ComplianceRequest,
    ComplianceStatus,
    Refund,
    Session,
    Shop,
    ShopConfiguration,
    WebhookEvent,
    WebhookStatus,
)
from app.models.types import utcnow
from tests.conftest import create_shop, deliver_webhook, run_pending_jobs
from tests.support import json_body, webhook_headers

SHOP = "test-shop.myshopify.com"
OTHER = "other-shop.myshopify.com"
ANA = {"id": 191167, "email": "ana.gomez@example.com", "phone": "+573001234567"}


def _order(order_id: int, customer: dict, **extra) -> dict:
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "email": customer["email"],
        "customer": dict(customer),
        "shipping_address": {"name": "Ana Gómez", "phone": customer.get("phone")},
        **extra,
    }


def _store_event(shop_domain: str, topic: str, payload: dict) -> WebhookEvent:
    """An event as an earlier delivery left it."""
    event = WebhookEvent(
        shop_domain=shop_domain,
        event_id=str(uuid.uuid4()),
        webhook_id=str(uuid.uuid4()),
        topic=topic,
        api_version="2026-10",
        payload=payload,
        status=WebhookStatus.PROCESSED,
    )
    db.session.add(event)
    db.session.commit()
    return event


def _refund(shop: Shop, refund_id: str, order_id: str, note: str = "damaged") -> None:
    db.session.add(
        Refund(
            shop_id=shop.id,
            shopify_refund_id=refund_id,
            shopify_order_id=order_id,
            amount=Decimal("45000.00"),
            currency="COP",
            note=note,
            refunded_at=utcnow(),
        )
    )
    db.session.commit()


def _seed(shop: Shop, other: Shop) -> dict[str, WebhookEvent]:
    bruno = {"id": 555, "email": "bruno@example.com", "phone": "+573009999999"}
    events = {
        "ana_order": _store_event(SHOP, "orders/create", _order(1001, ANA)),
        "ana_checkout": _store_event(
            SHOP, "checkouts/create", {"id": 77, "token": "c1", "email": "Ana.Gomez@example.com"}
        ),
        "ana_refund": _store_event(
            SHOP, "refunds/create", {"id": 9, "order_id": 1001, "note": "late"}
        ),
        "ana_by_phone": _store_event(
            SHOP, "customers/update", {"id": 3, "default_address": {"phone": "300 123 4567"}}
        ),
        "bruno_order": _store_event(SHOP, "orders/create", _order(2002, bruno)),
        "other_shop_ana": _store_event(OTHER, "orders/create", _order(1001, ANA)),
    }
    _refund(shop, "gid://shopify/Refund/1", "gid://shopify/Order/1001")
    _refund(shop, "gid://shopify/Refund/2", "gid://shopify/Order/2002")
    _refund(other, "gid://shopify/Refund/3", "gid://shopify/Order/1001", note="other shop")
    return events


def _data_request_payload() -> dict:
    return {
        "shop_id": 1,
        "shop_domain": SHOP,
        "orders_requested": [1001],
        "customer": dict(ANA),
        "data_request": {"id": 9999},
    }


def _payload(event: WebhookEvent) -> dict:
    db.session.expire_all()
    return db.session.get(WebhookEvent, event.id).payload


def _requests(topic: str) -> list[ComplianceRequest]:
    db.session.expire_all()
    return list(
        db.session.execute(
            db.select(ComplianceRequest).where(ComplianceRequest.topic == topic)
        ).scalars()
    )


def test_every_privacy_topic_refuses_a_bad_signature_with_401(client, shop):
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        body = json_body({"shop_domain": SHOP})
        headers = webhook_headers(topic, body, secret="wrong-secret")
        assert client.post("/webhooks", data=body, headers=headers).status_code == 401
    assert db.session.execute(db.select(WebhookEvent)).first() is None


def test_a_data_request_reports_what_we_hold_about_the_customer_in_that_shop_only(
    client, shop, other_shop, caplog
):
    events = _seed(shop, other_shop)
    caplog.set_level(logging.DEBUG)

    assert (
        deliver_webhook(client, "customers/data_request", _data_request_payload()).status_code
        == 200
    )
    run_pending_jobs()

    [request] = _requests("customers/data_request")
    assert request.shop_domain == SHOP and request.status == ComplianceStatus.COMPLETED
    assert (request.shopify_customer_id, request.request_id) == ("191167", "9999")
    assert request.completed_at is not None
    report = request.report
    assert report["customer"] == {
        "id": "191167",
        "email": "ana.gomez@example.com",
        "phone": "+573001234567",
    }
    found = {item["event"] for item in report["data"]["webhook_events"]}
    assert found == {
        events[k].id for k in ("ana_order", "ana_checkout", "ana_refund", "ana_by_phone")
    }
    assert [r["refund"] for r in report["data"]["refunds"]] == ["gid://shopify/Refund/1"]
    assert report["data"]["refunds"][0]["amount"] == "45000.00"
    serialized = json.dumps(report)
    assert "bruno" not in serialized and "other shop" not in serialized
    assert "ana.gomez" not in caplog.text.lower() and "3001234567" not in caplog.text


def test_the_merchant_gets_the_report_from_the_cli_scoped_to_their_shop(
    client, shop, other_shop, runner
):
    _seed(shop, other_shop)
    deliver_webhook(client, "customers/data_request", _data_request_payload())
    run_pending_jobs()
    [request] = _requests("customers/data_request")

    listing = runner.invoke(args=["compliance", "list", "--shop", SHOP])
    assert (
        f"{request.id}\t{SHOP}\tcustomers/data_request\tcustomer=191167\trequest=9999\tcompleted"
        in listing.output
    )
    shown = runner.invoke(args=["compliance", "report", str(request.id), "--shop", SHOP])
    assert (
        shown.exit_code == 0
        and json.loads(shown.output)["customer"]["email"] == "ana.gomez@example.com"
    )
    refused = runner.invoke(args=["compliance", "report", str(request.id), "--shop", OTHER])
    assert refused.exit_code != 0 and "ana" not in refused.output


def test_a_customer_redaction_erases_their_data_and_nothing_else(client, shop, other_shop, caplog):
    events = _seed(shop, other_shop)
    deliver_webhook(client, "customers/data_request", _data_request_payload())
    run_pending_jobs()
    caplog.set_level(logging.DEBUG)

    payload = {"shop_id": 1, "shop_domain": SHOP, "customer": dict(ANA), "orders_to_redact": [1001]}
    assert deliver_webhook(client, "customers/redact", payload).status_code == 200
    run_pending_jobs()

    for key in ("ana_order", "ana_checkout", "ana_refund", "ana_by_phone"):
        assert _payload(events[key]) == {}, key
    assert _payload(events["bruno_order"])["customer"]["id"] == 555
    assert _payload(events["other_shop_ana"])["email"] == ANA["email"]
    refunds = db.session.execute(db.select(Refund.shopify_refund_id)).scalars().all()
    assert sorted(refunds) == ["gid://shopify/Refund/2", "gid://shopify/Refund/3"]

    [earlier] = _requests("customers/data_request")
    assert earlier.report is None and earlier.status == ComplianceStatus.ERASED
    [redaction] = _requests("customers/redact")
    assert (
        redaction.status == ComplianceStatus.COMPLETED and redaction.shopify_customer_id == "191167"
    )
    stored = json.dumps(redaction.report) + json.dumps(
        _payload(db.session.get(WebhookEvent, redaction.webhook_event_id))
    )
    assert "ana" not in stored.lower() and "3001234567" not in stored
    assert redaction.report["erased"]["webhook_events"] >= 5
    everything = json.dumps(
        [
            e.payload
            for e in db.session.execute(
                db.select(WebhookEvent).where(WebhookEvent.shop_domain == SHOP)
            ).scalars()
        ]
    )
    assert "ana.gomez" not in everything.lower()
    assert "ana.gomez" not in caplog.text.lower()


def test_shop_redact_erases_the_shop_and_leaves_another_shop_untouched(client, shop, other_shop):
    events = _seed(shop, other_shop)
    for owner in (shop, other_shop):
        db.session.add(ShopConfiguration(shop_id=owner.id, dropi_token="dropi-secret"))
        db.session.add(
            Session(id=Session.offline_id(owner.domain), shop_id=owner.id, access_token="shpat_x")
        )
    db.session.commit()
    shop.uninstalled_at = utcnow() - timedelta(days=2)
    db.session.commit()
    original_event_ids = {
        e.id: e.event_id for e in db.session.execute(db.select(WebhookEvent)).scalars()
    }

    assert (
        deliver_webhook(client, "shop/redact", {"shop_id": 1, "shop_domain": SHOP}).status_code
        == 200
    )
    run_pending_jobs()

    db.session.expire_all()
    assert db.session.execute(db.select(Shop.domain)).scalars().all() == [OTHER]
    for model in (ShopConfiguration, Session, Refund):
        owners = db.session.execute(db.select(model.shop_id)).scalars().all()
        assert owners and set(owners) == {other_shop.id}, model.__name__
    remaining = {e.id: e for e in db.session.execute(db.select(WebhookEvent)).scalars()}
    assert all(remaining[i].event_id == eid for i, eid in original_event_ids.items())
    assert all(e.payload == {} for e in remaining.values() if e.shop_domain == SHOP)
    assert remaining[events["other_shop_ana"].id].payload["email"] == ANA["email"]
    [record] = _requests("shop/redact")
    assert (
        record.status == ComplianceStatus.COMPLETED
        and record.report["erased"]["shop_deleted"] is True
    )


def test_a_late_copy_of_an_erased_shops_event_is_still_deduplicated(client, shop):
    deliver_webhook(client, "tests/no-handler", {"id": 1}, event_id="evt-before-erase")
    shop.uninstalled_at = utcnow() - timedelta(days=2)
    db.session.commit()
    deliver_webhook(client, "shop/redact", {"shop_domain": SHOP})
    run_pending_jobs()

    late = deliver_webhook(client, "tests/no-handler", {"id": 1}, event_id="evt-before-erase")
    assert late.status_code == 200
    db.session.expire_all()
    rows = (
        db.session.execute(
            db.select(WebhookEvent).where(WebhookEvent.event_id == "evt-before-erase")
        )
        .scalars()
        .all()
    )
    assert len(rows) == 1 and rows[0].payload == {}


def test_shop_redact_for_a_shop_already_gone_completes(client, app):
    assert (
        deliver_webhook(
            client, "shop/redact", {"shop_domain": "gone.myshopify.com"}, "gone.myshopify.com"
        ).status_code
        == 200
    )
    run_pending_jobs()
    [record] = _requests("shop/redact")
    assert (
        record.shop_domain == "gone.myshopify.com"
        and record.report["erased"]["shop_deleted"] is False
    )


def test_shop_redact_made_before_a_reinstall_keeps_the_shop(client):
    create_shop(installed_at=utcnow())
    stale = (utcnow() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    deliver_webhook(client, "shop/redact", {"shop_domain": SHOP}, triggered_at=stale)
    run_pending_jobs()

    db.session.expire_all()
    assert db.session.execute(db.select(Shop.domain)).scalars().all() == [SHOP]
    [record] = _requests("shop/redact")
    assert record.report == {"skipped": "the shop installed the app again"}


def test_a_replayed_data_request_updates_its_report_instead_of_adding_one(
    client, shop, other_shop, runner
):
    _seed(shop, other_shop)
    deliver_webhook(client, "customers/data_request", _data_request_payload())
    run_pending_jobs()
    _store_event(SHOP, "orders/updated", _order(1001, ANA, note="gift"))
    [request] = _requests("customers/data_request")

    runner.invoke(args=["webhooks", "replay", str(request.webhook_event_id), "--force"])
    run_pending_jobs()

    [again] = _requests("customers/data_request")
    assert again.id == request.id and len(again.report["data"]["webhook_events"]) == 5


def test_a_redaction_naming_only_orders_erases_those_orders_and_keeps_other_reports(
    client, shop, other_shop
):
    events = _seed(shop, other_shop)
    deliver_webhook(client, "customers/data_request", _data_request_payload())
    run_pending_jobs()

    payload = {"shop_domain": SHOP, "customer": {}, "orders_to_redact": [2002]}
    deliver_webhook(client, "customers/redact", payload)
    run_pending_jobs()

    assert _payload(events["bruno_order"]) == {}
    assert _payload(events["ana_order"])["customer"]["id"] == ANA["id"]
    refunds = db.session.execute(db.select(Refund.shopify_refund_id)).scalars().all()
    assert "gid://shopify/Refund/2" not in refunds and "gid://shopify/Refund/1" in refunds
    [report] = _requests("customers/data_request")
    assert report.status == ComplianceStatus.COMPLETED and report.report is not None
