"""Ecomdrop settings: the API key (checked live, stored encrypted, never shown back) and the
two flows chosen from the ones the account really has."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel import gettext as _

from app.clients.ecomdrop import EcomdropAuthError, EcomdropError, Flow
from app.clients.ecomdrop.client import BOT_FIELD_ID_DIGITS
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.connection_status import secret_hint
from app.services.settings.bot_field import default_token_field_id, sync_dropi_token_field
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    ECOMDROP,
    Notice,
    SaveOutcome,
    SettingsInvalid,
    SettingsUnavailable,
    configuration_for_update,
    load_configuration,
    record_failure,
    record_success,
)
from app.services.settings.problems import ecomdrop_problem

log = logging.getLogger(__name__)

FLOWS_CACHE_SECONDS = 300
API_KEY_MAX = 500
API_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")
FLOW_FIELDS = ("new_order_flow_id", "abandoned_cart_flow_id", "incident_flow_id")


@dataclass(frozen=True)
class EcomdropForm:
    """What the merchant submitted; `api_key` empty means "keep the saved key"."""

    api_key: str = ""
    new_order_flow_id: str = ""
    abandoned_cart_flow_id: str = ""
    token_field_id: str = ""  # empty: the usual bot field of the Dropi country
    incident_flow_id: str = ""

    def without_secret(self) -> "EcomdropForm":
        return replace(self, api_key="")


@dataclass(frozen=True)
class EcomdropSection:
    """What the Ecomdrop section shows: never the key, only whether one is saved and its hint."""

    connected: bool
    key_hint: str | None
    new_order_flow_id: str
    abandoned_cart_flow_id: str
    incident_flow_id: str = ""
    token_field_id: str = ""  # what the merchant entered; empty: the default below
    default_token_field_id: str | None = None  # the usual one for the saved Dropi country
    dropi_country: str | None = None


def ecomdrop_form(form: Mapping[str, str]) -> EcomdropForm:
    """The submitted Ecomdrop fields, trimmed."""
    return EcomdropForm(
        api_key=(form.get("ecomdrop_api_key") or "").strip(),
        new_order_flow_id=(form.get("new_order_flow_id") or "").strip(),
        abandoned_cart_flow_id=(form.get("abandoned_cart_flow_id") or "").strip(),
        incident_flow_id=(form.get("incident_flow_id") or "").strip(),
        token_field_id=(form.get("dropi_token_field_id") or "").strip(),
    )


def ecomdrop_section(config: ShopConfiguration | None,
                     submitted: EcomdropForm | None = None) -> EcomdropSection:
    """The section as saved, or with the flows the merchant just chose when a save failed."""
    saved_key = config.ecomdrop_api_key if config else None
    chosen = submitted or EcomdropForm(
        new_order_flow_id=(config.ecomdrop_new_order_flow_id if config else None) or "",
        abandoned_cart_flow_id=(config.ecomdrop_abandoned_cart_flow_id if config else None) or "",
        incident_flow_id=(config.ecomdrop_incident_flow_id if config else None) or "",
        token_field_id=(config.ecomdrop_dropi_token_field_choice if config else None) or "",
    )
    country = config.dropi_country if config else None
    return EcomdropSection(connected=bool(saved_key), key_hint=secret_hint(saved_key),
                           new_order_flow_id=chosen.new_order_flow_id,
                           abandoned_cart_flow_id=chosen.abandoned_cart_flow_id,
                           incident_flow_id=chosen.incident_flow_id,
                           token_field_id=chosen.token_field_id,
                           default_token_field_id=default_token_field_id(country),
                           dropi_country=country)


def _cache_key(shop: Shop) -> str:
    # The domain too: a shop id reused after a deletion must not see the old shop's flows.
    return f"settings:ecomdrop-flows:{shop.id}:{shop.domain}"


def cached_flows(shop: Shop, cache) -> list[Flow] | None:
    """The flows fetched lately for this shop, or None when there is nothing cached."""
    try:
        rows = cache.get(_cache_key(shop))
    except Exception:  # noqa: BLE001 - a cache outage only means asking Ecomdrop again
        log.warning("flows cache unreadable for shop %s", shop.domain, exc_info=True)
        return None
    return None if rows is None else [Flow(id=i, name=n) for i, n in rows]


def _remember_flows(shop: Shop, cache, flows: list[Flow]) -> None:
    try:
        cache.set(_cache_key(shop), [(f.id, f.name) for f in flows],
                  timeout=FLOWS_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - the save itself succeeded; the cache is a shortcut
        log.warning("flows cache not written for shop %s", shop.domain, exc_info=True)


def account_flows(clients: IntegrationClients, shop: Shop, cache, *, refresh: bool = False
                  ) -> list[Flow]:
    """The flows of the shop's Ecomdrop account, from the short-lived cache unless `refresh`.

    Raises SettingsUnavailable when no key is saved or Ecomdrop cannot list them.
    """
    if not refresh:
        flows = cached_flows(shop, cache)
        if flows is not None:
            return flows
    config = load_configuration(shop)
    if config is None or not config.ecomdrop_api_key:
        raise SettingsUnavailable(_("Save your Ecomdrop API key to choose the flows."))
    try:
        flows = clients.ecomdrop(config.ecomdrop_api_key).flows()
    except EcomdropError as exc:
        message = ecomdrop_problem(exc)
        record_failure(config, ECOMDROP, message)
        raise SettingsUnavailable(message) from None
    record_success(config, ECOMDROP)
    db.session.commit()
    _remember_flows(shop, cache, flows)
    return flows


def save_ecomdrop(clients: IntegrationClients, shop: Shop, submitted: EcomdropForm, cache
                  ) -> SaveOutcome:
    """Check the key live (a new one with /accounts/me, any with /accounts/flows), check the
    chosen flows exist in that account, then store everything. Raises SettingsInvalid with
    nothing stored when the key is missing or refused, or a chosen flow does not exist."""
    config = configuration_for_update(shop)
    key = submitted.api_key
    if not key and not config.ecomdrop_api_key:
        raise SettingsInvalid(submitted.without_secret(),
                              {"ecomdrop_api_key": _("Paste your Ecomdrop API key.")})
    if len(key) > API_KEY_MAX:
        raise SettingsInvalid(submitted.without_secret(), {"ecomdrop_api_key": _(
            "That is too long to be an Ecomdrop API key. Copy only the key.")})
    if key and not API_KEY_CHARACTERS.fullmatch(key):
        # The key travels in an HTTP header: only visible ASCII can be sent there.
        raise SettingsInvalid(submitted.without_secret(), {"ecomdrop_api_key": _(
            "An Ecomdrop API key has only letters, digits and symbols, with no spaces, line "
            "breaks or accented letters. Copy only the key.")})
    field_id = submitted.token_field_id
    if field_id and not (field_id.isascii() and field_id.isdigit()
                         and len(field_id) <= BOT_FIELD_ID_DIGITS):
        raise SettingsInvalid(submitted.without_secret(), {"dropi_token_field_id": _(
            "A bot field id is a number (digits only). Leave it empty to use the usual bot "
            "field of your Dropi country.")})
    new_key = bool(key) and key != config.ecomdrop_api_key
    flows = _checked_flows(clients, config, key or config.ecomdrop_api_key, new_key, submitted)
    record_success(config, ECOMDROP)
    db.session.commit()
    chosen, notices = _chosen_flows(submitted, flows, new_key)
    if new_key:
        config.ecomdrop_api_key = key
    config.ecomdrop_new_order_flow_id = chosen["new_order_flow_id"] or None
    config.ecomdrop_abandoned_cart_flow_id = chosen["abandoned_cart_flow_id"] or None
    config.ecomdrop_incident_flow_id = chosen["incident_flow_id"] or None
    field_changed = (field_id or None) != config.ecomdrop_dropi_token_field_choice
    config.ecomdrop_dropi_token_field_choice = field_id or None
    db.session.commit()
    _remember_flows(shop, cache, flows)
    log.info("Ecomdrop settings saved for shop %s (new key: %s)", shop.domain, new_key)
    if new_key or field_changed or config.ecomdrop_dropi_token_synced_at is None:
        notices.append(sync_dropi_token_field(clients, config))
    return SaveOutcome(config, [n for n in notices if n is not None])


def _checked_flows(clients, config, key: str, new_key: bool, submitted: EcomdropForm
                   ) -> list[Flow]:
    """The account's flows, fetched with `key`; a refused key raises SettingsInvalid."""
    try:
        client = clients.ecomdrop(key)
        if new_key:
            client.me()
        return client.flows()
    except EcomdropError as exc:
        message = ecomdrop_problem(exc)
        if new_key:
            record_failure(config, ECOMDROP, _("A new API key was not saved: %(problem)s",
                                               problem=message))
        else:
            record_failure(config, ECOMDROP, message)
        field = "ecomdrop_api_key" if new_key or isinstance(exc, EcomdropAuthError) else "ecomdrop"
        raise SettingsInvalid(submitted.without_secret(), {field: message}) from None


def _chosen_flows(submitted: EcomdropForm, flows: list[Flow], new_key: bool
                  ) -> tuple[dict[str, str], list[Notice]]:
    """The flow ids to store. With a new key, choices the new account lacks are cleared with a
    notice; with the same key, a choice that does not exist is an error."""
    known = {flow.id for flow in flows}
    chosen, errors, notices = {}, {}, []
    for name in FLOW_FIELDS:
        value = getattr(submitted, name)
        if value and value not in known:
            if new_key:
                notices.append(Notice(_("The new Ecomdrop account has other flows: choose the "
                                        "new-order and abandoned-cart flows again."), "warning"))
                value = ""
            else:
                errors[name] = _("This flow is not in your Ecomdrop account any more. "
                                 "Refresh the list and choose again.")
        chosen[name] = value
    if errors:
        raise SettingsInvalid(submitted.without_secret(), errors)
    return chosen, notices[:1]
