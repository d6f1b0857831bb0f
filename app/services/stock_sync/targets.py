"""What Shopify should hold: the units of each linked variant at each mapped location, read
from one Dropi product's stock per warehouse (several warehouses may feed one location)."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.clients.dropi import DropiProduct
from app.models import LocationMapping, ProductAssociation


@dataclass(frozen=True)
class Slot:
    """One inventory item at one Shopify location."""

    inventory_item_id: str
    location_id: str


@dataclass
class ProductTargets:
    """The wanted units per slot of one association, the labels of its slots for the log, and
    the linked Dropi variations Dropi no longer has (left alone)."""

    association: ProductAssociation
    units: dict[Slot, int] = field(default_factory=dict)
    labels: dict[Slot, str] = field(default_factory=dict)
    missing_variations: list[str] = field(default_factory=list)

    @property
    def out_of_stock(self) -> bool:
        return bool(self.units) and not any(self.units.values())


def product_targets(association: ProductAssociation, product: DropiProduct,
                    mappings: list[LocationMapping]) -> ProductTargets:
    """Units per (inventory item, location) for every linked variant of the association."""
    result = ProductTargets(association)
    variations = {str(v.id): v for v in product.variations}
    locations = {m.shopify_location_id: m.shopify_location_name for m in mappings}
    for link in association.variant_links:
        if not link.shopify_inventory_item_id:
            continue
        key = link.dropi_variation_id or ""
        if key and key not in variations:
            result.missing_variations.append(key)
            continue
        holder = variations[key] if key else product
        per_location = _per_location(holder.warehouse_stocks, holder.stock, mappings)
        for location_id, units in per_location.items():
            slot = Slot(link.shopify_inventory_item_id, location_id)
            result.units[slot] = units
            result.labels[slot] = f"{link.sku or key or product.sku} @ {locations[location_id]}"
    return result


def _per_location(stocks, total: int, mappings: list[LocationMapping]) -> dict[str, int]:
    """Each mapped location gets the stock of the warehouses mapped to it (0 where Dropi has
    none); a product without rows per warehouse gives its total to a single location, and
    nothing at all when several locations are mapped (which one holds it is unknown)."""
    result = {m.shopify_location_id: 0 for m in mappings}
    if not stocks:
        if len(result) != 1:
            return {}
        result[next(iter(result))] = max(0, total)
        return result
    by_warehouse = {str(m.dropi_warehouse_id): m.shopify_location_id for m in mappings}
    for row in stocks:
        location = by_warehouse.get(str(row.warehouse_id))
        if location is not None:
            result[location] += max(0, row.stock)
    return result
