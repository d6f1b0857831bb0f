"""Run the local stand-ins and the real app over real HTTP for end-to-end tests: each server is a
threaded werkzeug server on a free port in a background thread.

    with running_shopify_stand_in() as shopify, running_dropi_stand_in() as dropi, \\
            running_ecomdrop_stand_in() as ecomdrop:
        settings = stand_in_settings(tmp_path, shopify=shopify, dropi=dropi, ecomdrop=ecomdrop)
        with running_app(settings, shopify=shopify, worker=True) as app:
            shopify.create_shop("test-shop.myshopify.com", seed=True)
            page = requests.get(shopify.admin_url("test-shop.myshopify.com"))
"""
from __future__ import annotations

import dataclasses
import importlib
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests
from flask import Flask
from werkzeug.serving import make_server

from app.config import Settings, toml_scopes
from standins.runner import stand_in_environment
from standins.config import ShopifyStandInConfig
from tests.support import API_KEY, API_SECRET, APP_URL, make_settings, reset_database

# The app refuses crawlers (410), and python-requests' own User-Agent looks like one.
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/130.0 Safari/537.36"}
# Fast retries so a failing delivery runs its whole schedule within a test.
TEST_RETRY_DELAYS = (0.05, 0.1, 0.2)


class ServerThread:
    """A WSGI app served on 127.0.0.1:<free port>. The port is bound before the app exists,
    so apps that must know each other's URLs can be built after every port is known."""

    def __init__(self, app: Flask | None = None):
        self.app = app
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                        daemon=True)

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def start(self) -> "ServerThread":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serving(app_factory) -> Iterator[ServerThread]:
    """Serve `app_factory(url)` (the factory learns its own URL first)."""
    server = ServerThread()
    server.app = app_factory(server.url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class ShopifyStandInHandle:
    url: str
    app: Flask

    @property
    def stand_in(self):
        return self.app.extensions["shopify_stand_in"]

    @property
    def config(self) -> ShopifyStandInConfig:
        return self.stand_in.config

    @property
    def store(self):
        return self.stand_in.store

    def point_at(self, app_url: str) -> None:
        """Send webhooks and load the admin iframe from this app URL from now on."""
        self.config.app_url = app_url.rstrip("/")

    def create_shop(self, shop: str = "test-shop.myshopify.com", *, seed=False, **fields) -> dict:
        response = requests.post(f"{self.url}/standin/shops",
                                 json={"shop": shop, "seed": seed, **fields}, timeout=30)
        response.raise_for_status()
        return response.json()

    def admin_url(self, shop: str = "test-shop.myshopify.com", path: str = "") -> str:
        store = shop.split(".")[0]
        return f"{self.url}/store/{store}/apps/{self.config.api_key}{path}"

    def session_token(self, shop: str = "test-shop.myshopify.com", user: int = 1) -> str:
        return self.stand_in.session_token(shop, user)

    def deliveries(self, **filters) -> list[dict]:
        response = requests.get(f"{self.url}/standin/webhooks/deliveries", params=filters,
                                timeout=10)
        return response.json()["deliveries"]

    def wait_for_webhooks(self, timeout: float = 10.0) -> None:
        """Until every queued, held or retrying delivery has finished."""
        if not self.stand_in.webhooks.wait_idle(timeout):
            raise AssertionError(f"webhook deliveries still pending after {timeout} s")

    def faults(self, **knobs) -> dict:
        response = requests.post(f"{self.url}/standin/faults", json=knobs, timeout=10)
        response.raise_for_status()
        return response.json()


def shopify_test_config(**overrides) -> ShopifyStandInConfig:
    """The test app's credentials and scopes, with retries short enough for a test."""
    values = {"api_key": API_KEY, "api_secret": API_SECRET, "app_url": APP_URL,
              "scopes": toml_scopes(), "webhook_retry_delays": TEST_RETRY_DELAYS,
              "webhook_hold_seconds": 0.5}
    values.update(overrides)
    return ShopifyStandInConfig(**values)


@contextmanager
def running_shopify_stand_in(config: ShopifyStandInConfig | None = None, store=None,
                             **overrides) -> Iterator[ShopifyStandInHandle]:
    """The Shopify stand-in over HTTP (config fields as keyword overrides)."""
    from standins.shopify.server import create_shopify_stand_in

    config = config or shopify_test_config(**overrides)
    with serving(lambda url: create_shopify_stand_in(config, store)) as server:
        handle = ShopifyStandInHandle(server.url, server.app)
        try:
            yield handle
        finally:
            handle.stand_in.webhooks.close()


def dropi_test_config(**overrides):
    """Tokens registered the way Dropi's IT team registers this app: its URL (the tests' app
    URL, and 127.0.0.1 where running_app serves it) called from 127.0.0.1."""
    from standins.dropi import DropiStandInConfig

    values = {"allowed_urls": (APP_URL, "http://127.0.0.1:5000")}
    values.update(overrides)
    return DropiStandInConfig(**values)


@contextmanager
def running_dropi_stand_in(config=None) -> Iterator[ServerThread]:
    """The Dropi stand-in over HTTP (dropi_test_config() unless a DropiStandInConfig is given)."""
    with _running_named("dropi", config or dropi_test_config()) as server:
        yield server


@contextmanager
def running_ecomdrop_stand_in(config=None) -> Iterator[ServerThread]:
    """The Ecomdrop stand-in over HTTP (its own defaults unless a config is given)."""
    with _running_named("ecomdrop", config) as server:
        yield server


def _running_named(name: str, config):
    from standins.__main__ import FACTORIES

    module, factory_name = FACTORIES[name]
    factory = getattr(importlib.import_module(module), factory_name)
    return serving(lambda url: factory(config) if config is not None else factory())


def stand_in_settings(instance_path: Path, *, shopify=None, dropi=None, ecomdrop=None,
                      **overrides) -> Settings:
    """Test settings whose Shopify, Dropi and Ecomdrop are the given running stand-ins."""
    unused = "http://127.0.0.1:9"  # nothing listens there: a call to a missing stand-in fails
    env = stand_in_environment(
        APP_URL, shopify.url if shopify else unused, dropi.url if dropi else unused,
        ecomdrop.url if ecomdrop else unused,
    )
    env.update({k.upper(): v for k, v in overrides.items()})
    return make_settings(instance_path, **env)


def worker_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a separate worker process sharing these settings' database, queue,
    keys and stand-ins (as every worker of a deployment shares them)."""
    return {**os.environ,
            "SHOPIFY_API_KEY": settings.shopify_api_key,
            "SHOPIFY_API_SECRET": settings.shopify_api_secret,
            "SHOPIFY_APP_URL": settings.shopify_app_url,
            "SHOPIFY_SHOP_URL_TEMPLATE": settings.shopify_shop_url_template,
            "DROPI_URL_TEMPLATE": settings.dropi_url_template,
            "DROPI_IMAGE_BASE_URL": settings.dropi_image_base_url,
            "ECOMDROP_BASE_URL": settings.ecomdrop_base_url,
            "DATABASE_URL": settings.database_url, "INSTANCE_PATH": str(settings.instance_path),
            "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
            "SECRET_KEY": settings.secret_key, "QUEUE_NAME": settings.queue_name,
            "REDIS_URL": settings.redis_url, **extra}


@dataclass
class RunningApp:
    url: str
    app: Flask
    settings: Settings

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET on the app as a browser would (absolute URLs of the app are accepted too)."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith(self.url) else self.url + path
        headers = {**BROWSER, **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=kwargs.pop("timeout", 15),
                                **kwargs)


@contextmanager
def running_app(settings: Settings, *, shopify: ShopifyStandInHandle | None = None,
                worker: bool = False, workers: int = 2) -> Iterator[RunningApp]:
    """The real app over HTTP on a free port (its SHOPIFY_APP_URL set to that port), with its
    tables created; `shopify` is pointed at it; `worker` runs the job consumer in `workers`
    threads."""
    from app import create_app
    from app.extensions import db, queue

    server = ServerThread()
    settings = dataclasses.replace(settings, shopify_app_url=server.url)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    server.app = app
    server.start()
    if shopify is not None:
        shopify.point_at(server.url)
    consumer = queue.create_consumer(workers=workers, worker_type="thread") if worker else None
    if consumer is not None:
        consumer.start()
    try:
        yield RunningApp(server.url, app, settings)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
        server.stop()
        with app.app_context():
            reset_database()
        queue.flush()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll `predicate` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
