"""app/uninstalled and app/scopes_update: what an uninstall or a scope change does to us."""
from __future__ import annotations

from datetime import timedelta

import responses
from sqlalchemy import text

from app.extensions import db, queue
from app.jobs import for_active_shop, in_app_context
from app.models import Session, Shop, WebhookEvent, WebhookStatus
from app.models.types import utcnow
from app.services.uninstall import shop_is_active
from tests.conftest import create_shop, deliver_webhook, run_pending_jobs

SYNCED: list[str] = []


@queue.task(name="tests.sync_for_shop")
@in_app_context
@for_active_shop
def sync_for_shop(shop_domain: str) -> str:
    SYNCED.append(shop_domain)
    return "synced"


UNINSTALL_PAYLOAD = {"id": 1, "name": "Test Shop", "domain": "test-shop.myshopify.com"}


def _shop(domain: str = "test-shop.myshopify.com") -> Shop | None:
    db.session.expire_all()
    return db.session.execute(db.select(Shop).where(Shop.domain == domain)).scalar_one_or_none()


def _statuses() -> list[WebhookStatus]:
    db.session.expire_all()
    return [
        e.status
        for e in db.session.execute(db.select(WebhookEvent).order_by(WebhookEvent.id)).scalars()
    ]


def _add_sessions(shop: Shop) -> None:
    db.session.add_all(
        [
            Session(
                id=Session.offline_id(shop.domain), shop_id=shop.id, access_token="shpat_offline"
            ),
            Session(
                id=Session.online_id(shop.domain, 42),
                shop_id=shop.id,
                is_online=True,
                access_token="shpua_online",
                user_id=42,
            ),
        ]
    )
    db.session.commit()


def test_uninstall_with_dead_tokens_cleans_up_without_calling_shopify(client):
    shop = create_shop(
        access_token_expires_at=utcnow() - timedelta(hours=2),
        refresh_token_expires_at=utcnow() - timedelta(hours=1),
    )
    other = create_shop("other-shop.myshopify.com")
    _add_sessions(shop)
    _add_sessions(other)

    with responses.RequestsMock() as outbound:  # no URL registered: any HTTP call would raise
        response = deliver_webhook(client, "app/uninstalled", UNINSTALL_PAYLOAD)
        run_pending_jobs()
        assert len(outbound.calls) == 0

    assert response.status_code == 200
    assert _statuses() == [WebhookStatus.PROCESSED]
    shop = _shop()
    assert shop.uninstalled_at is not None and not shop.is_installed
    assert shop.access_token is None and shop.refresh_token is None
    assert shop.access_token_expires_at is None and shop.refresh_token_expires_at is None
    raw = db.session.execute(
        text(
            "SELECT access_token, refresh_token FROM shops WHERE domain = 'test-shop.myshopify.com'"
        )
    ).one()
    assert tuple(raw) == (None, None)
    remaining = db.session.execute(db.select(Session.id)).scalars().all()
    assert sorted(remaining) == ["offline_other-shop.myshopify.com", "other-shop.myshopify.com_42"]
    assert shop_is_active("test-shop.myshopify.com") is False
    assert shop_is_active("other-shop.myshopify.com") is True


def test_uninstall_delivered_again_is_harmless_and_keeps_the_first_time(client, shop):
    deliver_webhook(client, "app/uninstalled", UNINSTALL_PAYLOAD)
    run_pending_jobs()
    first = _shop().uninstalled_at

    again = deliver_webhook(client, "app/uninstalled", UNINSTALL_PAYLOAD)
    run_pending_jobs()

    assert again.status_code == 200
    assert _statuses() == [WebhookStatus.PROCESSED, WebhookStatus.PROCESSED]
    assert _shop().uninstalled_at == first


def test_uninstall_for_a_shop_we_never_stored_is_accepted(client, app):
    with responses.RequestsMock():
        response = deliver_webhook(
            client, "app/uninstalled", {"id": 2}, "never-installed.myshopify.com"
        )
        run_pending_jobs()
    assert response.status_code == 200
    assert _statuses() == [WebhookStatus.PROCESSED]
    assert _shop("never-installed.myshopify.com") is None
    assert shop_is_active("never-installed.myshopify.com") is False


def test_an_uninstall_older_than_a_reinstall_does_not_uninstall(client):
    create_shop(installed_at=utcnow())
    stale = (utcnow() - timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    deliver_webhook(client, "app/uninstalled", UNINSTALL_PAYLOAD, triggered_at=stale)
    run_pending_jobs()

    shop = _shop()
    assert shop.is_installed and shop.access_token is not None
    assert shop_is_active("test-shop.myshopify.com") is True


def test_scopes_update_stores_the_current_scopes(client, shop):
    payload = {
        "id": 1,
        "previous": ["read_products"],
        "current": ["read_products", "write_products", "read_orders"],
        "updated_at": "2026-11-22T10:00:00.000Z",
    }
    assert deliver_webhook(client, "app/scopes_update", payload).status_code == 200
    run_pending_jobs()
    assert _shop().scopes == "read_products,write_products,read_orders"


def test_scope_changes_delivered_out_of_order_keep_the_newest(client, shop):
    newer = {"current": ["read_products", "read_orders"]}
    older = {"current": ["read_products"]}
    deliver_webhook(client, "app/scopes_update", newer, triggered_at="2026-11-22T12:00:00Z")
    run_pending_jobs()
    deliver_webhook(client, "app/scopes_update", older, triggered_at="2026-11-22T11:00:00Z")
    run_pending_jobs()

    assert _shop().scopes == "read_products,read_orders"
    assert _statuses() == [WebhookStatus.PROCESSED, WebhookStatus.PROCESSED]


def test_a_scope_change_without_a_scope_list_fails_visibly(client, shop):
    deliver_webhook(client, "app/scopes_update", {"id": 1})
    run_pending_jobs()
    db.session.expire_all()
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    assert event.status == WebhookStatus.FAILED and "no list of current scopes" in event.last_error
    assert _shop().scopes == "read_products,write_products"


def test_scope_changes_after_uninstall_are_ignored(client):
    create_shop(uninstalled_at=utcnow())
    deliver_webhook(client, "app/scopes_update", {"current": ["read_orders"]})
    run_pending_jobs()
    assert _shop().scopes == "read_products,write_products"
    assert _statuses() == [WebhookStatus.IGNORED]


def test_a_job_queued_before_the_uninstall_exits_without_work(client, shop, other_shop):
    SYNCED.clear()
    sync_for_shop("test-shop.myshopify.com")
    sync_for_shop("other-shop.myshopify.com")
    deliver_webhook(client, "app/uninstalled", UNINSTALL_PAYLOAD)
    queued = [queue.dequeue() for _ in range(3)]
    uninstall = next(t for t in queued if t.name.endswith("process_webhook_event"))
    queue.execute(uninstall)
    for task in queued:
        if task is not uninstall:
            queue.execute(task)

    assert SYNCED == ["other-shop.myshopify.com"]
