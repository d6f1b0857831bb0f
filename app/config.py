"""Settings. This is the only module that reads the environment."""
from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"
APP_TOML = PROJECT_ROOT / "shopify.app.toml"
DEFAULT_API_VERSION = "2026-10"
API_VERSION_PATTERN = re.compile(r"^(\d{4})-(01|04|07|10)$")
SUPPORTED_MONTHS = 12
# Webhook ingest uses a second engine on the same database: autocommit and no ping before each
# use, so storing a delivery is a single statement (app.services.webhooks.receive_delivery).
INGEST_BIND = "ingest"


class ConfigError(RuntimeError):
    """A setting has a value the app cannot run with."""


def toml_scopes(path: Path = APP_TOML) -> str:
    """The scopes declared in shopify.app.toml (the source of truth for what the app asks for)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return data.get("access_scopes", {}).get("scopes", "")


def check_api_version(version: str, today: date | None = None) -> str:
    """Refuse a Shopify API version that is malformed or older than twelve months."""
    today = today or date.today()
    match = API_VERSION_PATTERN.match(version or "")
    if not match:
        raise ConfigError(
            f"SHOPIFY_API_VERSION={version!r} is not a Shopify API version (YYYY-01/04/07/10)."
        )
    year, month = int(match.group(1)), int(match.group(2))
    age_in_months = (today.year - year) * 12 + (today.month - month)
    if age_in_months > SUPPORTED_MONTHS:
        raise ConfigError(
            f"SHOPIFY_API_VERSION={version} was released more than {SUPPORTED_MONTHS} months ago "
            f"and is no longer supported by Shopify; use {DEFAULT_API_VERSION} or newer."
        )
    return version


def check_outgoing_ip(value: str) -> str:
    """OUTGOING_IP: empty, or one IPv4/IPv6 address."""
    value = value.strip()
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ConfigError(f"OUTGOING_IP={value!r} is not an IP address.") from exc


def development_encryption_key(instance_path: Path) -> str:
    """A Fernet key generated once into instance/ and reused, for local runs only."""
    key_file = instance_path / "encryption.key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def development_secret_key(instance_path: Path) -> str:
    key_file = instance_path / "secret.key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32).hex()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _flag(env: dict, name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive_int(env: dict, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r} is not a positive whole number.")
    return int(raw)


def _positive(env: dict, name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} is not a positive number of seconds.")
    return value


@dataclass
class Settings:
    """Typed settings with working local defaults."""

    shopify_api_key: str = "demo-api-key"
    shopify_api_secret: str = "demo-api-secret"
    shopify_app_url: str = "http://127.0.0.1:5000"
    shopify_api_version: str = DEFAULT_API_VERSION
    shopify_scopes: str = ""
    # Where shops live. "https://{shop}" for real Shopify; the local stand-in sets
    # e.g. "http://127.0.0.1:5001/{shop}" so one port serves every shop.
    shopify_shop_url_template: str = "https://{shop}"
    app_bridge_url: str = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
    polaris_url: str = "https://cdn.shopify.com/shopifycloud/polaris.js"
    admin_origin: str = "https://admin.shopify.com"
    # Dropi has one API host per country; a template such as
    # "http://127.0.0.1:5002/{country}/integrations" points every country at a local stand-in.
    dropi_url_template: str = ""
    dropi_image_base_url: str = "https://d39ru7awumhhs2.cloudfront.net/"
    ecomdrop_base_url: str = "https://panel.ecomdrop.app/api"
    # The fixed IP this app calls Dropi from, as registered with Dropi (shown in Settings).
    outgoing_ip: str = ""
    # Requests a minute this process sends Dropi per token (Dropi's documented pace is 60).
    dropi_requests_per_minute: int = 60
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    encryption_keys: list[str] = field(default_factory=list)
    instance_path: Path = DEFAULT_INSTANCE_PATH
    webhook_max_body_bytes: int = 2 * 1024 * 1024
    # How long a worker's claim on a webhook event lasts without being renewed; the worker
    # renews it while its handlers run, so only a dead worker's events are taken over.
    webhook_lease_seconds: float = 120.0
    http_timeout_seconds: float = 10.0
    # First wait before an order step that failed on a passing error runs again (then doubled).
    order_retry_seconds: float = 30.0
    token_refresh_margin_seconds: int = 600
    log_level: str = "INFO"
    queue_immediate: bool = False
    queue_name: str = "connector"
    using_real_shopify: bool = False
    # "production" turns on the refusal to start with a fatal configuration problem, JSON logs
    # and the stricter checks of `flask doctor`; anything else is a development run.
    environment: str = "development"
    # Whether SECRET_KEY / ENCRYPTION_KEYS came from the environment or were generated into
    # instance/ (fine on a laptop, lost with the machine in production).
    secret_key_from_env: bool = False
    encryption_keys_from_env: bool = False
    log_format: str = "text"
    sentry_dsn: str = ""
    metrics_token: str = ""
    # Calls one agent key may make (Flask-Limiter syntax); Shopify's cost bucket limits behind it.
    agent_rate_limit: str = "60 per minute;1000 per hour"

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        instance_path = Path(env.get("INSTANCE_PATH") or DEFAULT_INSTANCE_PATH)
        api_key = env.get("SHOPIFY_API_KEY", "")
        keys = [k.strip() for k in env.get("ENCRYPTION_KEYS", "").split(",") if k.strip()]
        settings = cls(
            shopify_api_key=api_key or cls.shopify_api_key,
            shopify_api_secret=env.get("SHOPIFY_API_SECRET") or cls.shopify_api_secret,
            shopify_app_url=(env.get("SHOPIFY_APP_URL") or cls.shopify_app_url).rstrip("/"),
            shopify_api_version=check_api_version(
                env.get("SHOPIFY_API_VERSION") or DEFAULT_API_VERSION
            ),
            shopify_scopes=env.get("SHOPIFY_SCOPES") or toml_scopes(),
            shopify_shop_url_template=env.get("SHOPIFY_SHOP_URL_TEMPLATE")
            or cls.shopify_shop_url_template,
            app_bridge_url=env.get("SHOPIFY_APP_BRIDGE_URL") or cls.app_bridge_url,
            polaris_url=env.get("SHOPIFY_POLARIS_URL") or cls.polaris_url,
            admin_origin=env.get("SHOPIFY_ADMIN_ORIGIN") or cls.admin_origin,
            dropi_url_template=env.get("DROPI_URL_TEMPLATE", ""),
            dropi_image_base_url=env.get("DROPI_IMAGE_BASE_URL") or cls.dropi_image_base_url,
            ecomdrop_base_url=(env.get("ECOMDROP_BASE_URL") or cls.ecomdrop_base_url).rstrip("/"),
            outgoing_ip=check_outgoing_ip(env.get("OUTGOING_IP") or ""),
            dropi_requests_per_minute=_positive_int(env, "DROPI_REQUESTS_PER_MINUTE", 60),
            database_url=env.get("DATABASE_URL")
            or f"sqlite:///{instance_path / 'connector.sqlite3'}",
            redis_url=env.get("REDIS_URL", ""),
            secret_key=env.get("SECRET_KEY") or development_secret_key(instance_path),
            encryption_keys=keys or [development_encryption_key(instance_path)],
            instance_path=instance_path,
            webhook_max_body_bytes=int(env.get("WEBHOOK_MAX_BODY_BYTES") or 2 * 1024 * 1024),
            webhook_lease_seconds=_positive(env, "WEBHOOK_LEASE_SECONDS", 120.0),
            http_timeout_seconds=float(env.get("HTTP_TIMEOUT_SECONDS") or 10.0),
            order_retry_seconds=float(env.get("ORDER_RETRY_SECONDS") or 30.0),
            log_level=env.get("LOG_LEVEL") or "INFO",
            queue_immediate=_flag(env, "QUEUE_IMMEDIATE"),
            queue_name=env.get("QUEUE_NAME") or "connector",
            using_real_shopify=bool(api_key) and "SHOPIFY_SHOP_URL_TEMPLATE" not in env,
            environment=(env.get("APP_ENV") or "development").strip().lower(),
            secret_key_from_env=bool(env.get("SECRET_KEY")),
            encryption_keys_from_env=bool(keys),
            log_format=(env.get("LOG_FORMAT") or
                        ("json" if (env.get("APP_ENV") or "").lower() == "production"
                         else "text")).strip().lower(),
            sentry_dsn=env.get("SENTRY_DSN", "").strip(),
            metrics_token=env.get("METRICS_TOKEN", "").strip(),
            agent_rate_limit=(env.get("AGENT_RATE_LIMIT") or cls.agent_rate_limit).strip(),
        )
        for key in settings.encryption_keys:
            try:
                Fernet(key.encode())
            except (ValueError, TypeError) as exc:
                raise ConfigError("ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc
        return settings

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def shop_base_url(self, shop: str) -> str:
        """Base URL for a shop's admin endpoints (OAuth and Admin API)."""
        return self.shopify_shop_url_template.format(shop=shop).rstrip("/")

    def flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "SQLALCHEMY_BINDS": {INGEST_BIND: {"url": self.database_url,
                                            "isolation_level": "AUTOCOMMIT"}},
            "SETTINGS": self,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "RATELIMIT_KEY_PREFIX": f"{self.queue_name}:ratelimit",
            "RATELIMIT_HEADERS_ENABLED": True,
        }
