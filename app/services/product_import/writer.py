"""Writing to Shopify: one productSet (new variants carry their stock and metafields in it),
then the stock of the app's existing variants with inventorySetQuantities (compare-and-set on
changeFromQuantity, an @idempotent key per operation), then the app's metafields where they
are missing."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from app.clients.shopify import ShopifyClient, ShopifyUserErrors
from app.services.product_import.plan import fold
from app.services.product_import.product_input import ProductWrite, metafield
from app.services.product_import.shopify_reads import read_available

log = logging.getLogger(__name__)

QUANTITIES_PER_CALL = 250  # Shopify's input array limit
METAFIELDS_PER_CALL = 25
STALE = "CHANGE_FROM_QUANTITY_STALE"
STOCK_REASON = "correction"
VARIANT_TITLE_SEPARATOR = " / "


@dataclass
class WrittenVariant:
    key: str | None
    variant_id: str
    inventory_item_id: str
    created: bool
    sku: str | None
    stock: dict[str, int] | None


@dataclass
class WriteOutcome:
    product_id: str
    handle: str
    title: str
    variants: list[WrittenVariant]
    user_errors: list[dict[str, Any]] = field(default_factory=list)

    def owned(self) -> dict[str, WrittenVariant]:
        return {v.key: v for v in self.variants if v.key is not None}


def write_product(client: ShopifyClient, write: ProductWrite) -> WriteOutcome:
    """Run productSet (raises ShopifyUserErrors untouched) and pair each input variant with
    the variant Shopify answered with."""
    first = max(1, min(250, len(write.variants)))
    payload = client.mutate("product_set", {"identifier": write.identifier,
                                            "input": write.input, "variantsFirst": first},
                            idempotent=True)  # an upsert by handle or id: safe to repeat
    product = payload["product"]
    nodes = list(product["variants"]["nodes"])
    info = product["variants"]["pageInfo"]
    if info.get("hasNextPage"):
        nodes += list(client.paginate("product_variants_page",
                                      {"id": product["id"], "first": 100,
                                       "after": info["endCursor"]},
                                      path=("product", "variants")))
    # A variant's title is its option values joined by " / " (free to select, where the list of
    # selected options costs a point per variant).
    by_title = {fold(n["title"]): n for n in nodes}
    written = []
    for variant in write.variants:
        node = by_title.get(fold(VARIANT_TITLE_SEPARATOR.join(v for _n, v in variant.options)))
        if node is None:
            log.warning("productSet on %s answered without the variant %s", product["id"],
                        variant.options)
            continue
        written.append(WrittenVariant(variant.key, node["id"], node["inventoryItem"]["id"],
                                      variant.id is None, variant.sku, variant.stock))
    return WriteOutcome(product["id"], product["handle"], product["title"], written)


def sync_stock(client: ShopifyClient, variants: list[WrittenVariant]) -> list[dict]:
    """Set available units of the app's variants at the mapped locations; returns userErrors."""
    wanted = [(v.inventory_item_id, loc, units, v.created) for v in variants if v.stock
              for loc, units in v.stock.items()]
    if not wanted:
        return []
    errors: list[dict] = []
    current = _current_levels(client, wanted, errors)
    for attempt in (1, 2):
        changes = [_quantity(item, loc, units, current[(item, loc)])
                   for item, loc, units, _new in wanted
                   if (item, loc) in current and current[(item, loc)] != units]
        try:
            for start in range(0, len(changes), QUANTITIES_PER_CALL):
                _set_quantities(client, changes[start:start + QUANTITIES_PER_CALL])
            return errors
        except ShopifyUserErrors as exc:
            if attempt == 2 or not any(e.get("code") == STALE for e in exc.errors):
                return errors + exc.errors
            # Someone sold or edited stock between our read and write: read again, once.
            current = _current_levels(client, [(i, loc, u, False) for i, loc, u, _n in wanted],
                                      errors)
    return errors


def _current_levels(client, wanted, errors) -> dict[tuple[str, str], int]:
    """Units now at each (item, location); new variants start at 0, unstocked pairs are
    activated first."""
    current = {(item, loc): 0 for item, loc, _u, new in wanted if new}
    unknown: dict[str, list[str]] = {}
    for item, loc, _units, new in wanted:
        if not new:
            unknown.setdefault(loc, []).append(item)
    for loc, items in unknown.items():
        for item, units in read_available(client, items, loc).items():
            if units is None:
                if not _activate(client, item, loc, errors):
                    continue
                units = 0
            current[(item, loc)] = units
    return current


def _activate(client, item_id: str, location_id: str, errors: list[dict]) -> bool:
    try:
        client.mutate("inventory_activate", {"inventoryItemId": item_id, "locationId":
                                             location_id, "idempotencyKey": str(uuid.uuid4())},
                      idempotent=True)
        return True
    except ShopifyUserErrors as exc:
        errors.extend(exc.errors)
        return False


def _quantity(item: str, location: str, units: int, current: int) -> dict[str, Any]:
    return {"inventoryItemId": item, "locationId": location, "quantity": units,
            "changeFromQuantity": current}


def _set_quantities(client: ShopifyClient, quantities: list[dict]) -> None:
    if not quantities:
        return
    # One key per distinct write; the client repeats the same body (same key) on retries.
    client.mutate("inventory_set_quantities",
                  {"input": {"name": "available", "reason": STOCK_REASON,
                             "quantities": quantities},
                   "idempotencyKey": str(uuid.uuid4())}, idempotent=True)


def set_metafields(client: ShopifyClient, entries: list[tuple[str, str, str]]) -> list[dict]:
    """Write (owner id, key, value) app metafields with metafieldsSet; returns userErrors."""
    inputs = [{**metafield(key, value), "ownerId": owner} for owner, key, value in entries]
    errors: list[dict] = []
    for start in range(0, len(inputs), METAFIELDS_PER_CALL):
        try:
            client.mutate("metafields_set", {"metafields": inputs[start:start +
                                                                  METAFIELDS_PER_CALL]},
                          idempotent=True)
        except ShopifyUserErrors as exc:
            errors.extend(exc.errors)
    return errors
