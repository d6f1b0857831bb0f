"""What every settings section shares: the shop's configuration row, validation errors that
keep what the merchant typed, notices, and the record of each live call for the status panel."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.models.types import utcnow

log = logging.getLogger(__name__)

DROPI = "dropi"
ECOMDROP = "ecomdrop"
SERVICES = (DROPI, ECOMDROP)
ERROR_TEXT_LIMIT = 1000


class SettingsInvalid(ValueError):
    """A section was not saved: `submitted` is what was typed (secrets blanked) and `errors`
    holds one merchant-readable message per field name."""

    def __init__(self, submitted: Any, errors: dict[str, str]) -> None:
        super().__init__(f"{len(errors)} field(s) need attention")
        self.submitted = submitted
        self.errors = errors


class SettingsUnavailable(RuntimeError):
    """A live lookup (flows, warehouses, locations) failed; `message` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Notice:
    """Something the merchant should know after a save: tone is info, success or warning."""

    message: str
    tone: str = "info"


@dataclass
class SaveOutcome:
    configuration: ShopConfiguration
    notices: list[Notice] = field(default_factory=list)


def load_configuration(shop: Shop) -> ShopConfiguration | None:
    """The shop's configuration row, or None when it never saved anything."""
    return db.session.scalar(
        select(ShopConfiguration).where(ShopConfiguration.shop_id == shop.id)
    )


def configuration_for_update(shop: Shop) -> ShopConfiguration:
    """The shop's configuration row, created (and committed) when missing."""
    row = load_configuration(shop)
    if row is not None:
        return row
    db.session.add(ShopConfiguration(shop_id=shop.id))
    try:
        db.session.commit()
    except IntegrityError:
        # Two first saves raced to create the row; the other one won.
        db.session.rollback()
    return load_configuration(shop)


def record_success(config: ShopConfiguration, service: str, *, now: datetime | None = None
                   ) -> None:
    """Note a successful call to `service` (the error it replaces is cleared)."""
    _check(service)
    setattr(config, f"{service}_last_success_at", now or utcnow())
    setattr(config, f"{service}_last_error", None)


def record_failure(config: ShopConfiguration, service: str, message: str) -> None:
    """Note a failed call to `service` in plain words, and commit it on its own."""
    _check(service)
    setattr(config, f"{service}_last_error", str(message)[:ERROR_TEXT_LIMIT])
    db.session.commit()
    log.info("%s call failed for shop %s", service, config.shop_id)


def _check(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")

