"""Dropi settings: the country (which picks the API host), the store name and the integration
token (checked live on that country's host, stored encrypted, never shown back), plus what the
token says about itself."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _

from app.clients.dropi import (
    DROPI_HOSTS,
    DropiAccessDenied,
    DropiClient,
    DropiError,
    DropiNotFound,
    DropiTokenInvalid,
    integration_token_info,
)
from app.extensions import db
from app.models import Shop, ShopConfiguration
from app.services.connection_status import secret_hint
from app.services.item_mapping.option import map_after_connecting
from app.services.settings.bot_field import sync_dropi_token_field
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    DROPI,
    Notice,
    SaveOutcome,
    SettingsInvalid,
    configuration_for_update,
    record_failure,
    record_success,
)
from app.services.settings.problems import dropi_problem

log = logging.getLogger(__name__)

COUNTRIES = tuple(DROPI_HOSTS)
STORE_NAME_MAX = 255
TOKEN_MAX = 5000


@dataclass(frozen=True)
class DropiForm:
    """What the merchant submitted; `token` empty means "keep the saved token"."""

    country: str = ""
    store_name: str = ""
    token: str = ""

    def without_secret(self) -> "DropiForm":
        return replace(self, token="")


@dataclass(frozen=True)
class TokenReport:
    """What a Dropi token says about itself (read without checking its signature)."""

    integration_type: str | None
    allowed_urls: tuple[str, ...]
    allowed_ips: tuple[str, ...]
    origin_allowed: bool
    ip_allowed: bool | None  # None: this app's outgoing IP is not known
    expires_at: datetime | None
    expired: bool
    issuer_country: str | None


@dataclass(frozen=True)
class DropiSection:
    connected: bool
    country: str
    store_name: str
    token_hint: str | None
    token: TokenReport | None
    # Where this app calls Dropi from, to compare with what the token allows.
    app_url: str = ""
    outgoing_ip: str | None = None
    outgoing_ip_from_dropi: bool = False  # True: Dropi named it when it refused a call


def dropi_form(form: Mapping[str, str]) -> DropiForm:
    """The submitted Dropi fields, trimmed; the country upper-cased."""
    return DropiForm(
        country=(form.get("dropi_country") or "").strip().upper(),
        store_name=(form.get("dropi_store_name") or "").strip(),
        token=(form.get("dropi_token") or "").strip(),
    )


def token_report(token: str | None, app_url: str, outgoing_ip: str | None = None
                 ) -> TokenReport | None:
    """The token's integration type, allowed origins and IPs, and issuer; None when it cannot
    be read. `outgoing_ip` (when known) is checked against the token's IPs."""
    if not token:
        return None
    try:
        info = integration_token_info(token)
    except DropiTokenInvalid:
        return None
    return TokenReport(
        integration_type=info.integration_type,
        allowed_urls=info.allowed_urls,
        allowed_ips=info.allowed_ips,
        origin_allowed=info.allows_origin(app_url),
        ip_allowed=info.allows_ip(outgoing_ip) if outgoing_ip else None,
        expires_at=info.expires_at,
        expired=info.expired,
        issuer_country=issuer_country(info.issuer),
    )


def issuer_country(issuer: str | None) -> str | None:
    """The country whose Dropi issued a token: `http://app.dropi.co:80` -> "CO"."""
    host = urlsplit(issuer or "").hostname or ""
    for country, base_url in DROPI_HOSTS.items():
        domain = (urlsplit(base_url).hostname or "").removeprefix("api.")
        if host == domain or host.endswith("." + domain):
            return country
    return None


def known_outgoing_ip(config: ShopConfiguration | None, configured_ip: str | None
                      ) -> tuple[str | None, bool]:
    """This app's outgoing IP: the configured one (OUTGOING_IP), else the one Dropi named when
    it last refused our server; and whether it came from Dropi."""
    if configured_ip:
        return configured_ip, False
    refused = config.dropi_refused_caller_ip if config else None
    return (refused, True) if refused else (None, False)


def dropi_section(config: ShopConfiguration | None, app_url: str,
                  submitted: DropiForm | None = None, *, outgoing_ip: str | None = None
                  ) -> DropiSection:
    """The section as saved, or with what the merchant typed when a save failed."""
    token = config.dropi_token if config else None
    country = submitted.country if submitted else (config.dropi_country if config else "") or ""
    store = submitted.store_name if submitted else (config.dropi_store_name if config else "")
    ip, from_dropi = known_outgoing_ip(config, outgoing_ip)
    return DropiSection(
        connected=bool(token and config.dropi_country),
        country=country,
        store_name=store or "",
        token_hint=secret_hint(token),
        token=token_report(token, app_url, ip),
        app_url=app_url,
        outgoing_ip=ip,
        outgoing_ip_from_dropi=from_dropi,
    )


def check_dropi_token(client: DropiClient) -> None:
    """Ask Dropi whether it accepts the token: helpers/validateToken, or a one-product query
    where that helper does not exist. Raises DropiError when it does not."""
    try:
        client.validate_token()
    except DropiNotFound:
        client.list_products(start=0, page_size=1)


def _form_errors(submitted: DropiForm, config: ShopConfiguration) -> dict[str, str]:
    errors = {}
    if submitted.country not in COUNTRIES:
        errors["dropi_country"] = _("Choose the country of your Dropi account.")
    if len(submitted.store_name) > STORE_NAME_MAX:
        errors["dropi_store_name"] = _("Use at most %(max)d characters.", max=STORE_NAME_MAX)
    if not submitted.token and not config.dropi_token:
        errors["dropi_token"] = _("Paste your Dropi integration token.")
    elif len(submitted.token) > TOKEN_MAX:
        errors["dropi_token"] = _("That is too long to be a Dropi token. Copy only the token.")
    elif submitted.token:
        try:
            integration_token_info(submitted.token)
        except DropiTokenInvalid as exc:
            errors["dropi_token"] = dropi_problem(exc)
    return errors


def save_dropi(clients: IntegrationClients, shop: Shop, submitted: DropiForm) -> SaveOutcome:
    """Store the Dropi section. A new token, or the saved one on a new country, is checked
    live on that country's host first; a refused token stores nothing (SettingsInvalid).
    Then the token is copied to Ecomdrop's bot field (its problems are notices, not errors)."""
    config = configuration_for_update(shop)
    errors = _form_errors(submitted, config)
    if errors:
        raise SettingsInvalid(submitted.without_secret(), errors)
    token_changed = bool(submitted.token) and submitted.token != config.dropi_token
    country_changed = submitted.country != (config.dropi_country or "")
    token = submitted.token or config.dropi_token
    if token_changed or country_changed:
        _check_live(clients, config, token, submitted, token_changed)
        record_success(config, DROPI)
    config.dropi_country = submitted.country
    config.dropi_store_name = submitted.store_name or None
    config.dropi_token = token
    db.session.commit()
    log.info("Dropi settings saved for shop %s (%s)%s", shop.domain, submitted.country,
             " with a replaced integration key" if token_changed else "")
    app_url = clients.settings.shopify_app_url
    ip, _from_dropi = known_outgoing_ip(config, clients.settings.outgoing_ip)
    notices = token_notices(token_report(token, app_url, ip), submitted.country, app_url, ip)
    if token_changed or country_changed or config.ecomdrop_dropi_token_synced_at is None:
        notices.append(sync_dropi_token_field(clients, config))
    if (token_changed or country_changed) and config.active:
        map_after_connecting(shop)  # the products already in Shopify are matched to Dropi
    return SaveOutcome(config, [n for n in notices if n is not None])


def _check_live(clients, config, token: str, submitted: DropiForm, token_changed: bool) -> None:
    try:
        check_dropi_token(clients.dropi(token, submitted.country))
    except DropiError as exc:
        message = dropi_problem(exc, submitted.country)
        remember_refused_ip(config, exc)
        record_failure(config, DROPI, message)
        field = "dropi_token" if token_changed else "dropi_country"
        raise SettingsInvalid(submitted.without_secret(), {field: message}) from None


def remember_refused_ip(config: ShopConfiguration, exc: DropiError) -> None:
    """Keep the IP Dropi named when it refused this app's server, to show it in Settings."""
    if isinstance(exc, DropiAccessDenied) and exc.caller_ip:
        config.dropi_refused_caller_ip = exc.caller_ip


def token_notices(report: TokenReport | None, country: str, app_url: str,
                  outgoing_ip: str | None = None) -> list[Notice]:
    """Warnings about a token that Dropi accepted today but that may cause trouble."""
    if report is None:
        return []
    notices = []
    if not report.origin_allowed:
        notices.append(Notice(_(
            "This token does not list this app's address (%(url)s) among the addresses it "
            "allows, so Dropi may refuse the app's calls. In Dropi, create the integration "
            "token with this address.", url=app_url), "warning"))
    if report.ip_allowed is False:
        notices.append(Notice(_(
            "This token does not list this app's server IP (%(ip)s) among the IPs it allows, "
            "so Dropi may refuse the app's calls. Ask Dropi to enable the integration for this "
            "IP.", ip=outgoing_ip), "warning"))
    if report.expired:
        notices.append(Notice(_("This token has expired. Create a new one in Dropi."),
                              "warning"))
    if report.issuer_country and report.issuer_country != country:
        notices.append(Notice(_(
            "This token was issued by Dropi %(issuer)s but the country chosen is %(country)s.",
            issuer=report.issuer_country, country=country), "warning"))
    return notices
