"""Fixtures: an app per test on SQLite (or TEST_DATABASE_URL), rows wiped after each test."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from datetime import timedelta

import pytest

from app import create_app
from app.extensions import cache, db, queue
from app.models import Shop
from app.models.types import utcnow
from app.services.settings import options as options_module
from tests.factories import (
    AgentWorld,
    ProfileWorld,
    StandInWorld,
    build_agent_world,
    build_profile_world,
    build_world,
)
from tests.live_standins import (
    running_dropi_stand_in,
    running_ecomdrop_stand_in,
    running_shopify_stand_in,
    stand_in_settings,
)
from tests.support import make_settings, reset_database


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture
def app(instance_dir):
    app = create_app(make_settings(instance_dir))
    app.config["TESTING"] = True
    # Tests drain the queue by hand; a blocking Redis read would wait a second on every empty poll.
    queue.storage.blocking = False
    with app.app_context():
        db.create_all()
        yield app
        reset_database()
        queue.flush()
        cache.clear()  # a shop id, domain and token of one test recur in the next


@pytest.fixture
def stand_ins():
    """Live Shopify and Dropi stand-ins over HTTP, fresh for each test."""
    with running_shopify_stand_in() as shopify, running_dropi_stand_in() as dropi:
        yield shopify, dropi


@pytest.fixture
def world(stand_ins, tmp_path) -> StandInWorld:
    """The real app wired to the live stand-ins, with an installed shop (live token), Dropi
    connected and one Dropi warehouse mapped to a Shopify location."""
    shopify, dropi = stand_ins
    settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi)
    with _stand_in_app(settings) as app:
        yield build_world(shopify, dropi, settings, app.test_client())


@pytest.fixture(scope="module")
def profile_stand_ins():
    """Live Shopify and Ecomdrop stand-ins over HTTP, shared by a module's tests (each test
    gets its own shop and Ecomdrop account)."""
    with running_shopify_stand_in() as shopify, running_ecomdrop_stand_in() as ecomdrop:
        yield shopify, ecomdrop


@pytest.fixture
def profile_world(profile_stand_ins, tmp_path) -> ProfileWorld:
    """The real app wired to live Shopify and Ecomdrop stand-ins, with an installed shop whose
    Ecomdrop account is connected (the AI agent's profile, bot field and alerts)."""
    shopify, ecomdrop = profile_stand_ins
    settings = stand_in_settings(tmp_path, shopify=shopify, ecomdrop=ecomdrop)
    with _stand_in_app(settings) as app:
        yield build_profile_world(shopify, ecomdrop.url, settings, app.test_client())


@contextmanager
def _stand_in_app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    queue.storage.blocking = False
    with app.app_context():
        db.create_all()
        cache.clear()
        try:
            yield app
        finally:
            reset_database()
            queue.flush()
            cache.clear()


@pytest.fixture
def agent_world(tmp_path) -> AgentWorld:
    """The real app wired to a live Shopify stand-in whose seeded demo shop is installed: the
    AI agent's tools read and write it through the Admin API."""
    with running_shopify_stand_in() as shopify:
        settings = stand_in_settings(tmp_path, shopify=shopify)
        app = create_app(settings)
        app.config["TESTING"] = True
        with app.app_context():
            db.create_all()
            try:
                yield build_agent_world(shopify, settings, app.test_client())
            finally:
                reset_database()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for every browser test (tests/browser_support.py;
    they skip, saying why, when it cannot be launched)."""
    from tests.browser_support import chromium_browser

    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def create_shop(domain: str = "test-shop.myshopify.com", **fields) -> Shop:
    """An installed shop with a live expiring offline token."""
    now = utcnow()
    values = {
        "domain": domain,
        "access_token": f"shpat_{domain.split('.')[0].replace('-', '')}live",
        "access_token_expires_at": now + timedelta(hours=1),
        "refresh_token": f"shprt_{domain.split('.')[0].replace('-', '')}live",
        "refresh_token_expires_at": now + timedelta(days=30),
        "scopes": "read_products,write_products",
        "api_version": "2026-10",
        "name": "Test Shop",
        "currency": "COP",
        "timezone": "America/Bogota",
        "installed_at": now,
    }
    values.update(fields)
    shop = Shop(**values)
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def shop(app):
    return create_shop()


@pytest.fixture
def other_shop(app):
    return create_shop("other-shop.myshopify.com", name="Other Shop")


def run_pending_jobs(limit: int = 100) -> int:
    """Run what the queue holds, as a worker would; returns how many ran."""
    ran = 0
    while ran < limit:
        task = queue.dequeue()
        if task is None:
            break
        queue.execute(task)
        ran += 1
    return ran


def deliver_webhook(
    client,
    topic: str,
    payload: dict,
    shop: str = "test-shop.myshopify.com",
    *,
    event_id: str | None = None,
    triggered_at: str | None = None,
):
    """POST a payload to /webhooks signed with the app secret, as Shopify delivers it."""
    from tests.support import json_body, webhook_headers

    body = json_body(payload)
    headers = webhook_headers(topic, body, shop, event_id=event_id)
    headers["X-Shopify-Triggered-At"] = triggered_at or utcnow().isoformat().replace("+00:00", "Z")
    return client.post("/webhooks", data=body, headers=headers)


@pytest.fixture
def unbuilt_option(monkeypatch):
    """Every option is built today; the guard for one that is not is kept and tested on a copy
    of the options where "Taxes included" is marked unbuilt."""
    patched = tuple(dataclasses.replace(o, available=False) if o.name == "taxes_included" else o
                    for o in options_module.OPTIONS)
    monkeypatch.setattr(options_module, "OPTIONS", patched)
    monkeypatch.setattr(options_module, "OPTIONS_BY_NAME", {o.name: o for o in patched})
    return "taxes_included"
