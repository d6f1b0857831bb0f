"""Which Shopify location receives the stock of each Dropi warehouse.

Both lists come from the services, kept a minute: the shop's active locations (GraphQL
`Locations`, paginated) and the Dropi account's warehouses. Each warehouse maps to at most one location; several
warehouses may share a location.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.clients.dropi import DropiError
from app.clients.shopify import ShopifyError
from app.extensions import cache, db
from app.models import LocationMapping, Shop, ShopConfiguration
from app.services.catalog.cache import cache_scope, cached
from app.services.settings.clients import IntegrationClients
from app.services.settings.common import (
    DROPI,
    SettingsInvalid,
    configuration_for_update,
    load_configuration,
    record_failure,
    record_success,
)
from app.services.settings.problems import dropi_problem, shopify_problem

log = logging.getLogger(__name__)

FIELD_PREFIX = "warehouse-"


@dataclass(frozen=True)
class ShopifyLocation:
    id: str
    name: str
    city: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class MappingRow:
    """One Dropi warehouse and the Shopify location chosen for it ("" when none)."""

    warehouse_id: str
    warehouse_name: str
    location_id: str = ""
    listed: bool = True  # False: mapped earlier, but Dropi no longer lists the warehouse


@dataclass
class LocationsSection:
    locations: list[ShopifyLocation] = field(default_factory=list)
    rows: list[MappingRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stock_sync_unmapped: bool = False

    @property
    def ready(self) -> bool:
        return not self.problems


def saved_mappings(shop: Shop) -> list[LocationMapping]:
    """The shop's mappings, by warehouse name."""
    return list(db.session.scalars(
        select(LocationMapping).where(LocationMapping.shop_id == shop.id)
        .order_by(LocationMapping.dropi_warehouse_name, LocationMapping.id)
    ))


def stock_sync_unmapped(config: ShopConfiguration | None, mapping_count: int) -> bool:
    """Stock sync is on but no warehouse feeds any location: nothing would be updated."""
    return bool(config and config.get_stock) and mapping_count == 0


# Shops have a handful of locations; a smaller page requests ~100 cost points instead of ~500.
LOCATIONS_PAGE_SIZE = 50
# Both lists change rarely; keeping them a minute spares Shopify's cost bucket and the Dropi
# token's request budget on every render of the form.
LISTS_CACHE_SECONDS = 60


def shopify_locations(client) -> list[ShopifyLocation]:
    """Every active location of the shop, following the pages of the Locations query."""
    locations = []
    pages = client.paginate("locations", {"first": LOCATIONS_PAGE_SIZE}, path=("locations",))
    for node in pages:
        if node.get("isActive") is False:
            continue
        address = node.get("address") or {}
        locations.append(ShopifyLocation(id=str(node["id"]), name=str(node.get("name") or ""),
                                         city=address.get("city"),
                                         country_code=address.get("countryCode")))
    return locations


def _warehouses(clients: IntegrationClients, config: ShopConfiguration) -> list[MappingRow]:
    try:
        found = clients.dropi(config.dropi_token, config.dropi_country).warehouses()
    except DropiError as exc:
        message = dropi_problem(exc, config.dropi_country)
        record_failure(config, DROPI, message)
        raise _Unavailable(message) from None
    record_success(config, DROPI)
    db.session.commit()
    return [MappingRow(warehouse_id=str(w.id), warehouse_name=w.name) for w in found]


class _Unavailable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_locations(clients: IntegrationClients, shop: Shop,
                   chosen: Mapping[str, str] | None = None) -> LocationsSection:
    """Both lists (fetched at most once a minute) and the saved (or just chosen) mapping;
    problems say what could not be loaded."""
    config = load_configuration(shop)
    mappings = saved_mappings(shop)
    section = LocationsSection(stock_sync_unmapped=stock_sync_unmapped(config, len(mappings)))
    if config is None or not (config.dropi_token and config.dropi_country):
        section.problems.append(_("Connect Dropi above to map its warehouses."))
        return section
    scope = f"{cache_scope(shop, config)}:locations"
    try:
        section.locations = cached(cache, f"{scope}:shopify", LISTS_CACHE_SECONDS,
                                   lambda: shopify_locations(clients.shopify(shop)))
    except ShopifyError as exc:
        section.problems.append(shopify_problem(exc))
    try:
        warehouses = cached(cache, f"{scope}:dropi", LISTS_CACHE_SECONDS,
                            lambda: _warehouses(clients, config))
    except _Unavailable as exc:
        section.problems.append(exc.message)
        return section
    section.rows = _rows(warehouses, mappings, chosen)
    return section


def _rows(warehouses: list[MappingRow], mappings: list[LocationMapping],
          chosen: Mapping[str, str] | None) -> list[MappingRow]:
    saved = {m.dropi_warehouse_id: m for m in mappings}
    listed = {row.warehouse_id for row in warehouses}
    rows = warehouses + [MappingRow(m.dropi_warehouse_id, m.dropi_warehouse_name, listed=False)
                         for m in mappings if m.dropi_warehouse_id not in listed]
    picked = {}
    for row in rows:
        if chosen is not None:
            picked[row.warehouse_id] = chosen.get(row.warehouse_id, "")
        else:
            mapping = saved.get(row.warehouse_id)
            picked[row.warehouse_id] = mapping.shopify_location_id if mapping else ""
    return [MappingRow(r.warehouse_id, r.warehouse_name, picked[r.warehouse_id], r.listed)
            for r in rows]


def locations_form(form: Mapping[str, str]) -> dict[str, str]:
    """warehouse id -> chosen Shopify location id ("" for none), from `warehouse-<id>` fields."""
    return {name[len(FIELD_PREFIX):]: (value or "").strip()
            for name, value in form.items() if name.startswith(FIELD_PREFIX)}


def save_location_mappings(clients: IntegrationClients, shop: Shop, chosen: dict[str, str]
                           ) -> LocationsSection:
    """Replace the shop's mappings with `chosen`, checked against both live lists.

    Raises SettingsInvalid (nothing stored) when a list cannot be loaded or a choice is not
    one of the shop's active locations."""
    section = load_locations(clients, shop, chosen)
    if not section.ready:
        raise SettingsInvalid(section, {"locations": " ".join(section.problems)})
    locations = {location.id: location for location in section.locations}
    errors = {f"{FIELD_PREFIX}{row.warehouse_id}": _(
        "This location is not one of your shop's active locations any more; choose again.")
        for row in section.rows if row.location_id and row.location_id not in locations}
    if errors:
        raise SettingsInvalid(section, errors)
    db.session.execute(delete(LocationMapping).where(LocationMapping.shop_id == shop.id))
    for row in section.rows:
        if row.location_id:
            db.session.add(LocationMapping(
                shop_id=shop.id, shopify_location_id=row.location_id,
                shopify_location_name=locations[row.location_id].name,
                dropi_warehouse_id=row.warehouse_id, dropi_warehouse_name=row.warehouse_name))
    db.session.commit()
    log.info("Location mapping saved for shop %s", shop.domain)
    config = configuration_for_update(shop)
    section.stock_sync_unmapped = stock_sync_unmapped(config, len(saved_mappings(shop)))
    return section
