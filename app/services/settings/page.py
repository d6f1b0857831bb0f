"""Everything the Settings page shows on a document load, read from what is stored and
cached: no live call, so the page renders at once even when Dropi or Ecomdrop are down."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.clients.dropi import Carrier
from app.clients.ecomdrop import Flow
from app.models import Shop
from app.services.settings.common import load_configuration
from app.services.settings.dropi import DropiSection, dropi_section
from app.services.settings.ecomdrop import EcomdropSection, cached_flows, ecomdrop_section
from app.services.settings.locations import saved_mappings, stock_sync_unmapped
from app.services.settings.options import saved_options
from app.services.settings.order_policy import OrderPolicyForm, cached_carriers, saved_order_policy
from app.services.settings.status import SettingsStatus, settings_status


@dataclass
class SettingsPage:
    ecomdrop: EcomdropSection
    flows: list[Flow] | None  # None: not cached, the page loads them after it renders
    dropi: DropiSection
    options: dict[str, bool | str]
    status: SettingsStatus
    stock_sync_unmapped: bool
    order_policy: OrderPolicyForm
    carriers: list[Carrier] | None  # None: not cached, the section loads them after it renders
    errors: dict[str, str] = field(default_factory=dict)


def settings_page(shop: Shop, cache, app_url: str, outgoing_ip: str | None = None
                  ) -> SettingsPage:
    """The saved settings of `shop`, sections ready to render; `outgoing_ip` is the configured
    IP this app calls Dropi from, when known."""
    config = load_configuration(shop)
    return SettingsPage(
        ecomdrop=ecomdrop_section(config),
        flows=cached_flows(shop, cache) if config and config.ecomdrop_api_key else None,
        dropi=dropi_section(config, app_url, outgoing_ip=outgoing_ip),
        options=saved_options(config),
        status=settings_status(shop),
        stock_sync_unmapped=stock_sync_unmapped(config, len(saved_mappings(shop))),
        order_policy=saved_order_policy(shop),
        carriers=cached_carriers(shop, cache) if config and config.dropi_token else None,
    )
