"""The status panel: per integration, connected or not, the last successful call and the last
error in plain words; and an on-demand live check of the saved credentials."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from app.clients.dropi import DropiError
from app.clients.ecomdrop import EcomdropError
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.connection_status import secret_hint
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    DROPI,
    ECOMDROP,
    load_configuration,
    record_failure,
    record_success,
)
from app.services.settings.dropi import check_dropi_token
from app.services.settings.problems import dropi_problem, ecomdrop_problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntegrationStatus:
    connected: bool
    secret_hint: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class SettingsStatus:
    ecomdrop: IntegrationStatus
    dropi: IntegrationStatus
    dropi_country: str | None = None
    # When the Dropi token was last copied to Ecomdrop's bot field (None: not copied).
    token_field_synced_at: datetime | None = None


def _status(config: ShopConfiguration | None, service: str, secret: str | None,
            connected: bool) -> IntegrationStatus:
    if config is None:
        return IntegrationStatus(connected=False)
    return IntegrationStatus(
        connected=connected,
        secret_hint=secret_hint(secret),
        last_success_at=getattr(config, f"{service}_last_success_at"),
        last_error=getattr(config, f"{service}_last_error") or None,
    )


def settings_status(shop: Shop) -> SettingsStatus:
    """What is stored about each connection (no network call)."""
    config = load_configuration(shop)
    key = config.ecomdrop_api_key if config else None
    token = config.dropi_token if config else None
    country = config.dropi_country if config else None
    return SettingsStatus(
        ecomdrop=_status(config, ECOMDROP, key, bool(key)),
        dropi=_status(config, DROPI, token, bool(token and country)),
        dropi_country=country,
        token_field_synced_at=config.ecomdrop_dropi_token_synced_at if config else None,
    )


def check_connections(clients: IntegrationClients, shop: Shop) -> SettingsStatus:
    """Call Dropi and Ecomdrop with the saved credentials and record what they answer."""
    config = load_configuration(shop)
    if config is not None and config.ecomdrop_api_key:
        try:
            clients.ecomdrop(config.ecomdrop_api_key).me()
        except EcomdropError as exc:
            record_failure(config, ECOMDROP, ecomdrop_problem(exc))
        else:
            record_success(config, ECOMDROP)
    if config is not None and config.dropi_token and config.dropi_country:
        try:
            check_dropi_token(clients.dropi(config.dropi_token, config.dropi_country))
        except DropiError as exc:
            record_failure(config, DROPI, dropi_problem(exc, config.dropi_country))
        else:
            record_success(config, DROPI)
    db.session.commit()
    log.info("Connections checked for shop %s", shop.domain)
    return settings_status(shop)
