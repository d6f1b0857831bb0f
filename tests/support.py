"""Helpers the tests share: real HS256 session tokens, webhook HMACs, settings."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import jwt

from app.config import Settings

API_KEY = "test-api-key"
API_SECRET = "test-api-secret"
APP_URL = "https://connector.example.test"


def make_settings(instance_path: Path, **overrides) -> Settings:
    """Settings for a test app: fixed credentials, real Shopify host shape, tmp instance."""
    import os

    env = {
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_APP_URL": APP_URL,
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{instance_path / 'test.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "QUEUE_NAME": f"connector-test-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": "test-secret-key",
        "LOG_LEVEL": "DEBUG",
        # Dropi's pace (60 a minute, bursts of 10) would make a test that reads a few pages wait
        # seconds per call; the budget itself is tested on its own (test_dropi_client_errors).
        "DROPI_REQUESTS_PER_MINUTE": "6000",
    }
    env.update({k.upper(): v for k, v in overrides.items()})
    return Settings.from_env(env)


def mint_session_token(
    shop: str = "test-shop.myshopify.com",
    *,
    secret: str = API_SECRET,
    audience: str = API_KEY,
    user_id: str = "42",
    lifetime: int = 60,
    issued_at: float | None = None,
    dest_shop: str | None = None,
    omit: tuple[str, ...] = (),
    **extra,
) -> str:
    """A real App Bridge session token, signed HS256 like Shopify signs them."""
    now = int(issued_at if issued_at is not None else time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{dest_shop or shop}",
        "aud": audience,
        "sub": user_id,
        "exp": now + lifetime,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": uuid.uuid4().hex,
    }
    claims.update(extra)
    for name in omit:
        claims.pop(name, None)
    return jwt.encode(claims, secret, algorithm="HS256")


def webhook_hmac(body: bytes, secret: str = API_SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_headers(
    topic: str,
    body: bytes,
    shop: str = "test-shop.myshopify.com",
    *,
    event_id: str | None = None,
    webhook_id: str | None = None,
    secret: str = API_SECRET,
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-22T10:00:00.000Z",
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
    }


def json_body(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def encoded_host(shop: str = "test-shop.myshopify.com") -> str:
    """The `host` parameter Shopify sends: unpadded base64 of the admin path."""
    store = shop.split(".")[0]
    raw = f"admin.shopify.com/store/{store}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


# An ordinary desktop Chrome: headless browsers announce "HeadlessChrome", which the app
# (like Shopify's libraries) answers with 410 as a crawler. Browser tests pass this as
# `user_agent=` to `browser.new_context(...)`.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def embedded_query(
    shop: str = "test-shop.myshopify.com", *, id_token: str | None = None, locale: str = "es"
) -> str:
    """The query string the admin puts on a document load of an embedded page."""
    from urllib.parse import urlencode

    params = {"embedded": "1", "shop": shop, "host": encoded_host(shop), "locale": locale}
    if id_token:
        params["id_token"] = id_token
    return urlencode(params)


def htmx_headers(token: str | None) -> dict[str, str]:
    """Headers static/js/app.js sends on every htmx request inside the admin."""
    headers = {"HX-Request": "true"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def shopify_token_grant(
    access_token: str = "shpat_newaccess",
    refresh_token: str | None = "shprt_newrefresh",
    *,
    scope: str = "read_products,write_products",
    expires_in: int = 3600,
    refresh_token_expires_in: int = 2592000,
    **extra,
) -> dict:
    """The JSON Shopify's /admin/oauth/access_token answers for an expiring offline token."""
    body = {"access_token": access_token, "scope": scope, "expires_in": expires_in}
    if refresh_token:
        body.update(refresh_token=refresh_token, refresh_token_expires_in=refresh_token_expires_in)
    body.update(extra)
    return body


def shop_details_payload(
    name: str = "Tienda Bogotá", currency: str = "COP", timezone: str = "America/Bogota",
    domain: str = "test-shop.myshopify.com",
) -> dict:
    """A GraphQL answer to app/graphql/shop_details.graphql."""
    return {
        "data": {"shop": {"name": name, "currencyCode": currency, "ianaTimezone": timezone,
                          "myshopifyDomain": domain}},
        "extensions": {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1, "throttleStatus": {
            "maximumAvailable": 2000.0, "currentlyAvailable": 1999, "restoreRate": 100.0}}},
    }


def reset_database() -> None:
    """Forget the session, delete every row and close the pooled connections of the current app.

    Each test builds its own app and engine; closing the pool at once (instead of whenever the
    garbage collector gets to it) keeps PostgreSQL from running out of connection slots.
    """
    from app.extensions import db

    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    for engine in db.engines.values():  # the app's engine and the webhook ingest one
        engine.dispose()


def csp_directive(response, name: str) -> str:
    """One directive of a response's Content-Security-Policy, as "name sources;" ("" if absent)."""
    policy = response.headers.get("Content-Security-Policy", "")
    found = [d.strip() for d in policy.split(";") if d.strip().split(" ")[0] == name]
    return f"{found[0]};" if found else ""
