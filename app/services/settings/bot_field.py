"""The Ecomdrop bot field that hands the Dropi token to the merchant's Ecomdrop flows.

Ecomdrop's own flows call Dropi with the token kept in a bot field called
"DROPI TOKEN <country>". Bot field ids differ per Ecomdrop account, so the field is looked up
by name every time; the API cannot create one, so a missing field becomes a notice telling the
merchant which field to create, and never fails the save that triggered the copy.
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


def dropi_token_field_name(country: str) -> str:
    """The bot field Ecomdrop's flows read the Dropi token of `country` from."""
    return f"DROPI TOKEN {country.upper()}"


def sync_dropi_token_field(clients: IntegrationClients, config: ShopConfiguration
                           ) -> Notice | None:
    """Copy the saved Dropi token into the Ecomdrop account's bot field for its country.

    Does nothing (returns None) until both an Ecomdrop key and a Dropi token are saved.
    Stores the field id and the time on success; returns a notice saying what happened.
    """
    if not (config.ecomdrop_api_key and config.dropi_token and config.dropi_country):
        return None
    name = dropi_token_field_name(config.dropi_country)
    try:
        client = clients.ecomdrop(config.ecomdrop_api_key)
        field = client.find_bot_field(name)
        field_id = client.set_bot_field(field.id, config.dropi_token)
    except EcomdropNotFound:
        return _missing_field(config, name)
    except EcomdropError as exc:
        message = ecomdrop_problem(exc)
        record_failure(config, ECOMDROP, message)
        log.warning("Dropi token not copied to Ecomdrop for shop %s", config.shop_id)
        return Notice(_("The Dropi token was saved but could not be copied to Ecomdrop's "
                        "bot field “%(name)s”: %(problem)s", name=name, problem=message),
                      "warning")
    config.ecomdrop_dropi_token_field_id = field_id
    config.ecomdrop_dropi_token_synced_at = utcnow()
    record_success(config, ECOMDROP)
    db.session.commit()
    log.info("Dropi token copied to Ecomdrop bot field %s for shop %s", field_id, config.shop_id)
    return Notice(_("Ecomdrop's flows now use this Dropi token (bot field “%(name)s”).",
                    name=name), "success")


def _missing_field(config: ShopConfiguration, name: str) -> Notice:
    # Listing the bot fields worked, so Ecomdrop itself is fine; only the field is missing.
    config.ecomdrop_dropi_token_field_id = None
    config.ecomdrop_dropi_token_synced_at = None
    record_success(config, ECOMDROP)
    db.session.commit()
    log.info("Ecomdrop account of shop %s has no bot field %s", config.shop_id, name)
    return Notice(_("Your Ecomdrop account has no bot field named “%(name)s”, so Ecomdrop's "
                    "flows cannot use the Dropi token yet. Create a bot field with exactly that "
                    "name in Ecomdrop, then save the Dropi section again.", name=name),
                  "warning")
