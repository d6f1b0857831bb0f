"""Configuration of the local stand-ins. The Shopify stand-in takes the app's own credentials
(the same SHOPIFY_API_KEY / SECRET / APP_URL the app reads through app.config.Settings), so the
two agree on who signs what without any extra set-up."""
from __future__ import annotations

from dataclasses import dataclass

from app.config import DEFAULT_API_VERSION, Settings

# Shopify's own numbers (research §2, §4, §5); tests shorten them.
ACCESS_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600
ONLINE_TOKEN_LIFETIME = 24 * 3600
# Eight retries with exponential backoff, like Shopify's "8 times over 4 hours", compressed
# so a local run sees the whole schedule in about four minutes.
WEBHOOK_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


@dataclass
class ShopifyStandInConfig:
    """What the Shopify stand-in needs to know about the app it serves and how to behave."""

    api_key: str = "demo-api-key"
    api_secret: str = "demo-api-secret"
    app_url: str = "http://127.0.0.1:5000"
    # Where the app lives inside the admin iframe (shopify.app.toml application_url).
    app_path: str = "/app"
    app_name: str = "Dropi + Ecomdrop Connector"
    # Scopes a Shopify-managed install grants (the scopes in shopify.app.toml).
    scopes: str = ""
    api_version: str = DEFAULT_API_VERSION
    access_token_lifetime: int = ACCESS_TOKEN_LIFETIME
    refresh_token_lifetime: int = REFRESH_TOKEN_LIFETIME
    online_token_lifetime: int = ONLINE_TOKEN_LIFETIME
    session_token_lifetime: int = 60
    # Leaky bucket of the Admin API (None: the plan's defaults in the store).
    bucket_size: int | None = None
    restore_rate: int | None = None
    webhooks_enabled: bool = True
    webhook_path: str = "/webhooks"
    webhook_copies: int = 1
    webhook_out_of_order: bool = False
    webhook_hold_seconds: float = 2.0
    webhook_retry_delays: tuple[float, ...] = WEBHOOK_RETRY_DELAYS
    webhook_connect_timeout: float = 1.0
    webhook_read_timeout: float = 5.0
    seed: int | None = None
    locale: str = "es"
    # Topics the app subscribes to in its shopify.app.toml; None: every topic (the app's toml
    # subscribes to what it handles). Subscriptions made through the API are added to these.
    app_topics: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> "ShopifyStandInConfig":
        """The stand-in for an app configured with `settings` (its key, secret, URL and scopes)."""
        values = {
            "api_key": settings.shopify_api_key,
            "api_secret": settings.shopify_api_secret,
            "app_url": settings.shopify_app_url,
            "scopes": settings.shopify_scopes,
            "api_version": settings.shopify_api_version,
        }
        values.update(overrides)
        return cls(**values)

    @property
    def granted_scopes(self) -> set[str]:
        return {s.strip() for s in self.scopes.split(",") if s.strip()}

    @property
    def app_home_url(self) -> str:
        return self.app_url.rstrip("/") + self.app_path

    @property
    def webhook_url(self) -> str:
        return self.app_url.rstrip("/") + self.webhook_path
