"""The connector's switches (seed 001): what each does in one line, and whether the feature
behind it exists yet. An option whose feature is not built is shown as such and cannot be
turned on, so no merchant believes something runs that does not."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import InventoryBehaviour, Shop, ShopConfiguration
from app.services.item_mapping.option import map_after_connecting
from app.services.settings.bot_field import sync_dropi_token_field
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    Notice,
    SaveOutcome,
    SettingsInvalid,
    configuration_for_update,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectorOption:
    name: str  # the ShopConfiguration column
    label: str
    help: str
    # False until the feature that honours the option exists; flip it when it ships.
    available: bool = False
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


INVENTORY_CHOICES = (
    (InventoryBehaviour.BYPASS.value, _l("Leave stock untouched")),
    (InventoryBehaviour.DECREMENT_IGNORING_POLICY.value,
     _l("Reduce stock, even below zero")),
    (InventoryBehaviour.DECREMENT_OBEYING_POLICY.value,
     _l("Reduce stock only as the product's inventory policy allows")),
)

OPTIONS: tuple[ConnectorOption, ...] = (
    ConnectorOption("active", _l("Active"), _l(
        "Turns the connector on for this shop; while it is off nothing is sent to Dropi or "
        "Ecomdrop."), available=True),
    ConnectorOption("create_orders", _l("Create orders on Shopify"), _l(
        "Orders placed in Dropi outside this store (in Dropi's panel or by an Ecomdrop flow) "
        "are created in Shopify once each, with cash on delivery left to collect, every 10 "
        "minutes unless you choose otherwise on the Sync page; a product not linked to Shopify "
        "becomes a custom line with Dropi's title and price."), available=True),
    ConnectorOption("inventory_behaviour", _l("Inventory behaviour"), _l(
        "What an order created from Dropi does to Shopify stock; when stock may only be reduced "
        "as the product's inventory policy allows, an order Shopify cannot sell is not "
        "created."),
        choices=INVENTORY_CHOICES, available=True),
    ConnectorOption("send_order_confirmation", _l("Send order confirmation"), _l(
        "Shopify emails the customer the order confirmation when the connector creates an "
        "order from Dropi."), available=True),
    ConnectorOption("send_shipping_confirmation", _l("Send shipping confirmation"), _l(
        "Shopify emails the customer the shipping confirmation when Dropi ships the order."),
        available=True),
    ConnectorOption("get_stock", _l("Get stock"), _l(
        "Updates Shopify stock from the Dropi warehouses mapped to your locations, every 30 "
        "minutes unless you choose otherwise on the Sync page."), available=True),
    ConnectorOption("get_products", _l("Get products"), _l(
        "Updates the details of imported products in Shopify when they change in Dropi."),
        available=True),
    ConnectorOption("map_existing_products", _l("Match products already in Shopify"), _l(
        "Matches the products you already sell in Shopify to Dropi by SKU or barcode (now, then "
        "once a day and as you edit them), so their orders go to Dropi like imported ones."),
        available=True),
    ConnectorOption("get_prices", _l("Get prices"), _l(
        "Updates Shopify prices from Dropi's prices with your pricing rule."), available=True),
    ConnectorOption("get_refunds", _l("Get refunds"), _l(
        "Records the refunds made in Shopify (as they happen, and once a day for recent orders) "
        "and marks an order that needs you when a refunded product comes from Dropi, so you "
        "settle it with Dropi."), available=True),
    ConnectorOption("refund_dropi_returns", _l("Refund Dropi returns in Shopify"), _l(
        "When Dropi reports an order returned (DEVOLUCION), refunds its Dropi products in "
        "Shopify: what the customer paid for them goes back through the original payment. For "
        "cash on delivery nothing was paid, so the products are only marked as returned and no "
        "money moves. Shipping is not refunded and no stock is added: Dropi's stock brings the "
        "units back."), available=True),
    ConnectorOption("get_shipments", _l("Get shipments"), _l(
        "Adds Dropi's carrier and tracking number to the Shopify order when it ships, and shows "
        "on the Orders page the fulfillments made in Shopify outside the app (by you, another "
        "app or a warehouse) with their carrier and tracking."), available=True),
    ConnectorOption("prices_update_original_price", _l("Prices update the original price"), _l(
        "Price updates also move the compare-at (original) price: by the product's compare-at "
        "rule, or in proportion to the selling price when it has none. Off, the compare-at "
        "price stays as it is."), available=True),
    ConnectorOption("taxes_included", _l("Taxes included"), _l(
        "Orders the connector creates in Shopify from Dropi say that their prices include "
        "taxes."), available=True),
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
# Get prices: a price change larger than this percentage waits for the merchant's approval.
THRESHOLD_FIELD = "price_change_threshold_percent"
DEFAULT_THRESHOLD = Decimal("20")
MAX_THRESHOLD = Decimal("1000")


def options_form(form: Mapping[str, str]) -> dict[str, bool | str]:
    """Submitted options: checkboxes are on when present; a choice as typed, left out when
    absent (a disabled select is not sent, which means "unchanged")."""
    values: dict[str, bool | str] = {}
    for option in OPTIONS:
        if option.is_choice:
            if option.name in form:
                values[option.name] = (form.get(option.name) or "").strip()
        else:
            values[option.name] = form.get(option.name) in ("on", "1", "true", "yes")
    if THRESHOLD_FIELD in form:
        values[THRESHOLD_FIELD] = (form.get(THRESHOLD_FIELD) or "").strip()
    return values


def saved_options(config: ShopConfiguration | None) -> dict[str, bool | str]:
    """The options as stored (defaults for a shop that saved nothing)."""
    values: dict[str, bool | str] = {}
    for option in OPTIONS:
        if option.is_choice:
            stored = getattr(config, option.name, None) if config else None
            values[option.name] = (stored or InventoryBehaviour.BYPASS).value
        else:
            values[option.name] = bool(getattr(config, option.name, False)) if config else False
    stored = getattr(config, THRESHOLD_FIELD, None) if config else None
    values[THRESHOLD_FIELD] = _percent_text(DEFAULT_THRESHOLD if stored is None else stored)
    return values


def _percent_text(value: Decimal) -> str:
    """20.0 -> "20", 12.5 -> "12.5" (as the merchant would type it)."""
    return format(Decimal(value).normalize(), "f")


def _threshold(value) -> Decimal | None:
    """The submitted limit as a Decimal (comma or dot, an optional %), None when invalid."""
    text = str(value or "").strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not Decimal(0) <= number <= MAX_THRESHOLD:
        return None
    return number.quantize(Decimal("0.1"))


def _option_error(option: ConnectorOption, value, saved) -> str | None:
    if option.is_choice and value not in {key for key, _label in option.choices}:
        return _("Choose one of the listed values.")
    if option.available:
        return None
    turned_on = value != saved if option.is_choice else bool(value)
    if turned_on:
        return _("Not available yet: this feature is still being built, so it cannot be "
                 "turned on.")
    return None


def save_options(shop: Shop, submitted: dict[str, bool | str],
                 clients: IntegrationClients | None = None) -> SaveOutcome:
    """Store the options; turning on one that is not available yet raises SettingsInvalid.
    Turning the connector on copies the Dropi token to Ecomdrop (with `clients`), which
    nothing does while it is off."""
    config = configuration_for_update(shop)
    saved = saved_options(config)
    errors = {}
    for option in OPTIONS:
        value = submitted.get(option.name, saved[option.name])
        problem = _option_error(option, value, saved[option.name])
        if problem:
            errors[option.name] = problem
    threshold = _threshold(submitted.get(THRESHOLD_FIELD, saved[THRESHOLD_FIELD]))
    if threshold is None:
        errors[THRESHOLD_FIELD] = _("Write the limit as a percentage from 0 to 1000, for "
                                    "example 20.")
    if errors:
        raise SettingsInvalid(submitted, errors)
    config.price_change_threshold_percent = threshold
    for option in OPTIONS:
        if not option.available:
            continue
        value = submitted.get(option.name, saved[option.name])
        setattr(config, option.name, InventoryBehaviour(value) if option.is_choice else value)
    db.session.commit()
    log.info("Connector options saved for shop %s", shop.domain)
    notices = _activity_notices(config)
    if clients is not None and config.active and not saved["active"]:
        synced = sync_dropi_token_field(clients, config)
        notices += [synced] if synced is not None else []
    switched_on = (config.active and not saved["active"]) or (
        config.map_existing_products and not saved["map_existing_products"])
    if switched_on and config.dropi_token:
        map_after_connecting(shop)  # the products already in Shopify are matched to Dropi
    return SaveOutcome(config, notices)


def _activity_notices(config: ShopConfiguration) -> list[Notice]:
    if not config.active or (config.dropi_token and config.ecomdrop_api_key):
        return []
    return [Notice(_("The connector is active, but it needs both Dropi and Ecomdrop connected "
                     "above before it can do anything."), "warning")]
