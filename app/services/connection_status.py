"""How the shop is connected to Shopify, Dropi and Ecomdrop, read from what we store.

No network call: the home page must render fast even when a service is down. Secrets never
leave this module; at most their last four characters do, and only for long keys.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.models.types import utcnow

HINT_LENGTH = 4
HINT_MIN_SECRET_LENGTH = 12


class ShopifyState(str, enum.Enum):
    CONNECTED = "connected"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    UNINSTALLED = "uninstalled"


@dataclass(frozen=True)
class ShopifyConnection:
    state: ShopifyState
    installed_at: datetime | None
    access_token_expires_at: datetime | None
    authorization_expires_at: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class DropiConnection:
    connected: bool
    country: str | None = None
    store_name: str | None = None
    token_hint: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class EcomdropConnection:
    connected: bool
    key_hint: str | None = None
    new_order_flow: bool = False
    abandoned_cart_flow: bool = False
    incident_flow: bool = False
    last_success_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class ConnectionStatus:
    shopify: ShopifyConnection
    dropi: DropiConnection
    ecomdrop: EcomdropConnection


def secret_hint(secret: str | None) -> str | None:
    """The last four characters of a long secret ("…a1b2"); nothing for short or empty ones."""
    if not secret or len(secret) < HINT_MIN_SECRET_LENGTH:
        return None
    return "…" + secret[-HINT_LENGTH:]


def connection_status(shop: Shop, *, now: datetime | None = None) -> ConnectionStatus:
    """The status of the shop's three connections; a shop with no configuration has none."""
    configuration = db.session.scalar(
        select(ShopConfiguration).where(ShopConfiguration.shop_id == shop.id)
    )
    return ConnectionStatus(
        shopify=shopify_connection(shop, now=now or utcnow()),
        dropi=dropi_connection(configuration),
        ecomdrop=ecomdrop_connection(configuration),
    )


def shopify_connection(shop: Shop, *, now: datetime) -> ShopifyConnection:
    """Installed and usable, waiting for the merchant to authorize again, or uninstalled."""
    state, reason = ShopifyState.CONNECTED, None
    if not shop.is_installed:
        state = ShopifyState.UNINSTALLED
    elif shop.needs_reauthorization:
        state, reason = ShopifyState.NEEDS_REAUTHORIZATION, shop.reauthorization_reason
    elif not shop.access_token or not _can_renew(shop, now):
        state = ShopifyState.NEEDS_REAUTHORIZATION
    return ShopifyConnection(
        state=state,
        installed_at=shop.installed_at,
        access_token_expires_at=shop.access_token_expires_at,
        authorization_expires_at=shop.refresh_token_expires_at,
        reason=reason,
    )


def _can_renew(shop: Shop, now: datetime) -> bool:
    """A live access token, or a refresh token that can still get a new one."""
    expires_at = shop.access_token_expires_at
    if expires_at is None or expires_at > now:
        return True
    refresh_expires_at = shop.refresh_token_expires_at
    return bool(shop.refresh_token) and (refresh_expires_at is None or refresh_expires_at > now)


def dropi_connection(configuration: ShopConfiguration | None) -> DropiConnection:
    """Connected once a Dropi token and its country are saved."""
    if configuration is None or not configuration.dropi_token or not configuration.dropi_country:
        return DropiConnection(connected=False)
    return DropiConnection(
        connected=True,
        country=configuration.dropi_country.upper(),
        store_name=configuration.dropi_store_name or None,
        token_hint=secret_hint(configuration.dropi_token),
        last_success_at=configuration.dropi_last_success_at,
        last_error=configuration.dropi_last_error or None,
    )


def ecomdrop_connection(configuration: ShopConfiguration | None) -> EcomdropConnection:
    """Connected once an Ecomdrop API key is saved."""
    if configuration is None or not configuration.ecomdrop_api_key:
        return EcomdropConnection(connected=False)
    return EcomdropConnection(
        connected=True,
        key_hint=secret_hint(configuration.ecomdrop_api_key),
        new_order_flow=bool(configuration.ecomdrop_new_order_flow_id),
        abandoned_cart_flow=bool(configuration.ecomdrop_abandoned_cart_flow_id),
        incident_flow=bool(configuration.ecomdrop_incident_flow_id),
        last_success_at=configuration.ecomdrop_last_success_at,
        last_error=configuration.ecomdrop_last_error or None,
    )
