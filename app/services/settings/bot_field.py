"""The Ecomdrop bot field that hands the Dropi token to the merchant's Ecomdrop flows.

Ecomdrop's flows call Dropi with the token kept in a bot field. Ecomdrop documents bot fields
by id only (no call lists them), so the field is addressed by id: the id the merchant entered
in Settings, else the id Ecomdrop's flow templates use for the shop's Dropi country (the ids
the previous Ecomdrop connector wrote to). The field is read first, so a missing one becomes a
notice telling the merchant what to do, never a failed save.
"""
from __future__ import annotations

import logging

from flask_babel import gettext as _

from app.clients.ecomdrop import EcomdropError, EcomdropNotFound
from app.extensions import db
from app.models import ShopConfiguration
from app.models.types import utcnow
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import ECOMDROP, Notice, record_failure, record_success
from app.services.settings.problems import ecomdrop_problem

log = logging.getLogger(__name__)

# Dropi country -> the bot field id Ecomdrop's flow templates read the Dropi token from
# (dropi-integration-facts §6). Other countries have none: the merchant enters one.
DEFAULT_TOKEN_FIELD_IDS: dict[str, str] = {
    "CO": "640597", "EC": "805359", "CL": "665134", "GT": "747995", "MX": "641097",
    "PA": "742965", "PE": "142979", "PY": "240677",
}


def default_token_field_id(country: str | None) -> str | None:
    """The usual bot field id for the Dropi token of `country`, when there is one."""
    return DEFAULT_TOKEN_FIELD_IDS.get((country or "").upper())


def token_field_id(config: ShopConfiguration) -> str | None:
    """The bot field this shop's Dropi token goes to: the merchant's choice, else the default."""
    return config.ecomdrop_dropi_token_field_choice or default_token_field_id(
        config.dropi_country)


def sync_dropi_token_field(clients: IntegrationClients, config: ShopConfiguration
                           ) -> Notice | None:
    """Copy the saved Dropi token into the shop's Ecomdrop bot field (read first, then written).

    Does nothing (returns None) until both an Ecomdrop key and a Dropi token are saved, and
    nothing but a notice while the connector is off (the Active switch gates every call that
    sends something; turning it on copies the token). Stores the field id and the time on
    success; returns a notice saying what happened.
    """
    if not (config.ecomdrop_api_key and config.dropi_token and config.dropi_country):
        return None
    if not config.active:
        return Notice(_("The Dropi token goes to Ecomdrop's flows when you turn the connector "
                        "on."), "info")
    field_id = token_field_id(config)
    if field_id is None:
        return _not_copied(config, called_ecomdrop=False, message=_(
            "Ecomdrop has no usual bot field for the Dropi token of %(country)s, so Ecomdrop's "
            "flows cannot use it yet. Enter the id of the bot field your flows read it from in "
            "the Ecomdrop section, then save it.", country=config.dropi_country))
    try:
        client = clients.ecomdrop(config.ecomdrop_api_key)
        field = client.bot_field(field_id)
        client.set_bot_field(field_id, config.dropi_token)
    except EcomdropNotFound:
        return _not_copied(config, called_ecomdrop=True, message=_(
            "Your Ecomdrop account has no bot field %(id)s, so Ecomdrop's flows cannot use the "
            "Dropi token yet. In the Ecomdrop section, enter the id of the bot field your flows "
            "read the Dropi token from, then save it.", id=field_id))
    except EcomdropError as exc:
        message = ecomdrop_problem(exc)
        record_failure(config, ECOMDROP, message)
        log.warning("Dropi token not copied to Ecomdrop for shop %s", config.shop_id)
        return Notice(_("The Dropi token was saved but could not be copied to Ecomdrop's "
                        "bot field %(id)s: %(problem)s", id=field_id, problem=message),
                      "warning")
    config.ecomdrop_dropi_token_field_id = field_id
    config.ecomdrop_dropi_token_synced_at = utcnow()
    record_success(config, ECOMDROP)
    db.session.commit()
    log.info("Dropi token copied to Ecomdrop bot field %s for shop %s", field_id, config.shop_id)
    return Notice(_("Ecomdrop's flows now use this Dropi token (bot field “%(name)s”, "
                    "%(id)s).", name=field.name or field_id, id=field_id), "success")


def _not_copied(config: ShopConfiguration, *, called_ecomdrop: bool, message: str) -> Notice:
    config.ecomdrop_dropi_token_field_id = None
    config.ecomdrop_dropi_token_synced_at = None
    if called_ecomdrop:  # Ecomdrop itself answered; only the field is missing
        record_success(config, ECOMDROP)
    db.session.commit()
    log.info("Dropi token of shop %s has no Ecomdrop bot field to go to", config.shop_id)
    return Notice(message, "warning")
