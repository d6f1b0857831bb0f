"""The Orders section of Settings: when an order goes to Dropi (at once, or once a
cash-on-delivery customer confirms on WhatsApp, with a timeout and what happens after it), which
carrier Dropi uses, and the callback address Ecomdrop's flows send the customer's answer to."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clients.dropi import Carrier, DropiError
from app.extensions import db
from app.models import ConfirmationPolicy, Shop, TimeoutAction
from app.services.order_pipeline import (
    PolicyInvalid,
    callback_url,
    order_policy,
    save_order_policy,
)
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    DROPI,
    SettingsInvalid,
    SettingsUnavailable,
    load_configuration,
    record_failure,
    record_success,
)
from app.services.settings.problems import dropi_problem

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_MINUTES = 1440
CARRIERS_CACHE_SECONDS = 3600
POLICY_CHOICES = (
    (ConfirmationPolicy.SEND_AT_ONCE.value, _l("Send every order to Dropi at once")),
    (ConfirmationPolicy.HOLD_COD.value,
     _l("Hold cash-on-delivery orders until the customer confirms on WhatsApp")),
)
TIMEOUT_CHOICES = (
    (TimeoutAction.MERCHANT.value, _l("Leave it to me in the Orders page")),
    (TimeoutAction.SEND.value, _l("Send it to Dropi anyway")),
    (TimeoutAction.CANCEL.value, _l("Cancel it (it is not sent to Dropi)")),
)


@dataclass(frozen=True)
class OrderPolicyForm:
    """The section's fields as typed (names as the pipeline's save_order_policy takes them);
    `preferred_carrier` is "" (Dropi's own preferences), "cheapest" or a Dropi carrier id."""

    confirmation: str = ConfirmationPolicy.SEND_AT_ONCE.value
    timeout_minutes: str = str(DEFAULT_TIMEOUT_MINUTES)
    timeout_action: str = TimeoutAction.MERCHANT.value
    preferred_carrier: str = ""


@dataclass(frozen=True)
class CallbackSection:
    """The callback address and whether a secret exists; the secret itself only right after
    it was made (`new_secret`), never again."""

    url: str
    has_secret: bool
    created_at: datetime | None
    new_secret: str | None = None


def order_policy_form(form: Mapping[str, str]) -> OrderPolicyForm:
    return OrderPolicyForm(
        confirmation=(form.get("confirmation") or "").strip()[:32],
        timeout_minutes=(form.get("timeout_minutes") or "").strip()[:12],
        timeout_action=(form.get("timeout_action") or "").strip()[:32],
        preferred_carrier=(form.get("preferred_carrier") or "").strip()[:32],
    )


def saved_order_policy(shop: Shop) -> OrderPolicyForm:
    """The stored policy as the form shows it (the defaults for a shop that saved none)."""
    policy = order_policy(shop)
    return OrderPolicyForm(confirmation=policy.confirmation,
                           timeout_minutes=str(policy.timeout_minutes),
                           timeout_action=policy.timeout_action,
                           preferred_carrier=policy.preferred_carrier or "")


def save_policy_form(shop: Shop, submitted: OrderPolicyForm) -> OrderPolicyForm:
    """Store the submitted policy; SettingsInvalid keeps what was typed with a message per
    field."""
    try:
        save_order_policy(shop, confirmation=submitted.confirmation,
                          timeout_minutes=submitted.timeout_minutes,
                          timeout_action=submitted.timeout_action,
                          preferred_carrier=submitted.preferred_carrier)
    except PolicyInvalid as invalid:
        raise SettingsInvalid(submitted, invalid.errors) from None
    log.info("Order policy saved for shop %s: %s", shop.domain, submitted.confirmation)
    return saved_order_policy(shop)


def callback_section(settings, shop: Shop, new_secret: str | None = None) -> CallbackSection:
    config = load_configuration(shop)
    return CallbackSection(
        url=callback_url(settings),
        has_secret=bool(config and config.callback_secret_hash),
        created_at=config.callback_secret_created_at if config else None,
        new_secret=new_secret,
    )


def _carriers_key(shop: Shop, country: str) -> str:
    return f"dropi-carriers:{shop.id}:{country}"


def cached_carriers(shop: Shop, cache) -> list[Carrier] | None:
    """The Dropi carriers listed lately for this shop, or None when nothing is cached."""
    config = load_configuration(shop)
    if config is None or not config.dropi_country:
        return None
    try:
        rows = cache.get(_carriers_key(shop, config.dropi_country))
    except Exception:  # noqa: BLE001 - a cache outage only means asking Dropi again
        log.warning("carriers cache unreadable for shop %s", shop.domain, exc_info=True)
        return None
    return None if rows is None else [Carrier(id=i, name=n) for i, n in rows]


def dropi_carriers(clients: IntegrationClients, shop: Shop, cache) -> list[Carrier]:
    """The carriers of the shop's Dropi country (cached for an hour); raises
    SettingsUnavailable when Dropi is not connected or cannot list them."""
    cached = cached_carriers(shop, cache)
    if cached is not None:
        return cached
    config = load_configuration(shop)
    if config is None or not config.dropi_token or not config.dropi_country:
        raise SettingsUnavailable(_("Connect Dropi above to choose a carrier."))
    try:
        carriers = clients.dropi(config.dropi_token, config.dropi_country).carriers()
    except DropiError as exc:
        message = dropi_problem(exc, config.dropi_country)
        record_failure(config, DROPI, message)
        raise SettingsUnavailable(message) from None
    record_success(config, DROPI)
    db.session.commit()
    try:
        cache.set(_carriers_key(shop, config.dropi_country),
                  [(c.id, c.name) for c in carriers], timeout=CARRIERS_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - the list was read; the cache is a shortcut
        log.warning("carriers cache not written for shop %s", shop.domain, exc_info=True)
    return carriers
