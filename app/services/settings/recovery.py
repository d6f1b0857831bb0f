"""The abandoned-checkout section: how long to wait before the flow, and who may get it."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.settings.common import SaveOutcome, SettingsInvalid, configuration_for_update

log = logging.getLogger(__name__)

DEFAULT_DELAY_MINUTES = 60
MAX_DELAY_MINUTES = 7 * 24 * 60
AUDIENCES = (
    ("marketing", _l("Only customers who accepted marketing at checkout")),
    ("all", _l("Every customer who left a phone number")),
)


@dataclass(frozen=True)
class RecoveryForm:
    delay_minutes: str
    audience: str


def recovery_form(form: Mapping[str, str]) -> RecoveryForm:
    return RecoveryForm(delay_minutes=(form.get("delay_minutes") or "").strip(),
                        audience=(form.get("audience") or "").strip())


def recovery_values(config: ShopConfiguration | None) -> RecoveryForm:
    """The section as saved (defaults for a shop that saved nothing)."""
    delay = config.abandoned_checkout_delay_minutes if config else None
    audience = (config.abandoned_checkout_audience if config else None) or AUDIENCES[0][0]
    return RecoveryForm(str(DEFAULT_DELAY_MINUTES if delay is None else delay), audience)


def save_recovery(shop: Shop, submitted: RecoveryForm) -> SaveOutcome:
    """Store the delay (whole minutes, 0 to a week) and the audience; SettingsInvalid names the
    field in error and stores nothing."""
    errors = {}
    delay = submitted.delay_minutes
    if not (delay.isascii() and delay.isdigit()) or int(delay) > MAX_DELAY_MINUTES:
        errors["delay_minutes"] = _("Enter a whole number of minutes from 0 to %(max)s.",
                                    max=MAX_DELAY_MINUTES)
    if submitted.audience not in {key for key, _label in AUDIENCES}:
        errors["audience"] = _("Choose one of the listed values.")
    if errors:
        raise SettingsInvalid(submitted, errors)
    config = configuration_for_update(shop)
    config.abandoned_checkout_delay_minutes = int(delay)
    config.abandoned_checkout_audience = submitted.audience
    db.session.commit()
    log.info("abandoned-checkout settings saved for shop %s", shop.domain)
    return SaveOutcome(config, [])
