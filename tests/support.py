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
