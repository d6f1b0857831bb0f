"""The shop's order policy as Settings edits it: confirmation of cash-on-delivery orders, its
timeout and what happens then, and the carrier to prefer; and the callback URL its Ecomdrop
flows call with the customer's answer."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ConfirmationPolicy, Shop, ShopConfiguration, TimeoutAction

MIN_TIMEOUT_MINUTES = 5
MAX_TIMEOUT_MINUTES = 7 * 24 * 60
CALLBACK_PATH = "/callbacks/ecomdrop/confirmation"
SECRET_HEADER = "X-Connector-Secret"


class PolicyInvalid(ValueError):
    """Values Settings cannot save; `errors` maps each field to a message for the merchant."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class OrderPolicy:
    """confirmation: "send_at_once" | "hold_cod"; timeout_action: "cancel" | "send" |
    "merchant"; preferred_carrier: None (Dropi's own preferences), "cheapest" or a Dropi
    carrier id; has_callback_secret: whether a secret was ever made (it is never shown again)."""

    confirmation: str = ConfirmationPolicy.SEND_AT_ONCE.value
    timeout_minutes: int = 1440
    timeout_action: str = TimeoutAction.MERCHANT.value
    preferred_carrier: str | None = None
    has_callback_secret: bool = False


def _config(shop: Shop) -> ShopConfiguration | None:
    return db.session.execute(select(ShopConfiguration).where(
        ShopConfiguration.shop_id == shop.id)).scalar_one_or_none()


def order_policy(shop: Shop) -> OrderPolicy:
    config = _config(shop)
    if config is None:
        return OrderPolicy()
    return OrderPolicy(config.confirmation_policy, config.confirmation_timeout_minutes,
                       config.confirmation_timeout_action, config.preferred_carrier,
                       config.callback_secret_hash is not None)


def save_order_policy(shop: Shop, *, confirmation: str, timeout_minutes, timeout_action: str,
                      preferred_carrier: str | None) -> OrderPolicy:
    """Check and store the policy (PolicyInvalid names each bad field). Commits."""
    errors = {}
    if confirmation not in {p.value for p in ConfirmationPolicy}:
        errors["confirmation"] = _("Choose when orders go to Dropi.")
    if timeout_action not in {a.value for a in TimeoutAction}:
        errors["timeout_action"] = _("Choose what happens when the customer does not answer.")
    try:
        minutes = int(str(timeout_minutes).strip())
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not MIN_TIMEOUT_MINUTES <= minutes <= MAX_TIMEOUT_MINUTES:
        errors["timeout_minutes"] = _("The waiting time is a whole number of minutes between "
                                      "%(low)s and %(high)s.", low=MIN_TIMEOUT_MINUTES,
                                      high=MAX_TIMEOUT_MINUTES)
    carrier = (preferred_carrier or "").strip() or None
    if carrier is not None and carrier != "cheapest" and not carrier.isdigit():
        errors["preferred_carrier"] = _("Choose a carrier from the list.")
    if errors:
        raise PolicyInvalid(errors)
    config = _config(shop)
    if config is None:
        config = ShopConfiguration(shop_id=shop.id)
        db.session.add(config)
    config.confirmation_policy, config.confirmation_timeout_minutes = confirmation, minutes
    config.confirmation_timeout_action, config.preferred_carrier = timeout_action, carrier
    db.session.commit()
    return order_policy(shop)


def callback_url(settings) -> str:
    """Where Ecomdrop flows send the customer's answer (POST JSON {"code", "answer"}), with the
    shop's secret in the X-Connector-Secret header."""
    return settings.shopify_app_url.rstrip("/") + CALLBACK_PATH
