"""Reading a Shopify product before writing it, so a productSet (which replaces the variant
and file lists) can carry every variant and image the app does not own, by id."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.clients.shopify import ShopifyClient

APP_NAMESPACE = "$app:dropi"
PAGE_LIMIT = 100  # variants per snapshot page: keeps the requested cost far below 1000
MEDIA_PAGE = 100
LEVELS_BATCH = 100
HANDLES_PER_SEARCH = 50


@dataclass(frozen=True)
class SnapshotVariant:
    id: str
    title: str
    sku: str
    barcode: str | None
    price: Decimal | None
    compare_at_price: Decimal | None
    options: tuple[tuple[str, str], ...]
    inventory_item_id: str | None
    tracked: bool
    dropi_variation_id: str | None


@dataclass(frozen=True)
class SnapshotOption:
    id: str
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ProductSnapshot:
    id: str
    handle: str
    title: str
    status: str
    dropi_product_id: str | None
    options: tuple[SnapshotOption, ...]
    variants: tuple[SnapshotVariant, ...]

    def variant(self, variant_id: str) -> SnapshotVariant | None:
        return next((v for v in self.variants if v.id == variant_id), None)


def find_product_by_handle(client: ShopifyClient, handle: str) -> str | None:
    """The id of the product with this handle, if any."""
    found = client.query("product_by_handle", {"handle": handle}).get("productByIdentifier")
    return found["id"] if found else None


def existing_handles(client: ShopifyClient, handles: list[str]) -> set[str]:
    """Which of `handles` some product of the shop has, asked HANDLES_PER_SEARCH at a time (a
    search costs 2 points plus one per product found, where a look-up per handle costs a
    request each)."""
    found: set[str] = set()
    for start in range(0, len(handles), HANDLES_PER_SEARCH):
        chunk = handles[start:start + HANDLES_PER_SEARCH]
        query = " OR ".join(f"handle:{handle}" for handle in chunk)
        nodes = client.query("products_by_handles", {"first": len(chunk), "query": query})
        found.update(node["handle"] for node in nodes["products"]["nodes"])
    return found & set(handles)


def read_snapshot(client: ShopifyClient, product_id: str, *, expected_variants: int = 1
                  ) -> ProductSnapshot | None:
    """The product with all its variants (None when it no longer exists)."""
    first = max(1, min(PAGE_LIMIT, expected_variants + 5))
    product = client.query("product_snapshot", {"id": product_id, "variantsFirst": first}
                           ).get("product")
    if product is None:
        return None
    nodes = list(product["variants"]["nodes"])
    info = product["variants"]["pageInfo"]
    if info.get("hasNextPage"):
        nodes += list(client.paginate("product_variants_page",
                                      {"id": product_id, "first": PAGE_LIMIT,
                                       "after": info["endCursor"]},
                                      path=("product", "variants")))
    return ProductSnapshot(
        id=product["id"], handle=product["handle"], title=product["title"],
        status=product["status"], dropi_product_id=_value(product.get("dropiProductId")),
        options=tuple(SnapshotOption(o["id"], o["name"],
                                     tuple(v["name"] for v in o["optionValues"]))
                      for o in product["options"]),
        variants=tuple(_variant(node) for node in nodes))


def _variant(node: dict) -> SnapshotVariant:
    item = node.get("inventoryItem") or {}
    return SnapshotVariant(
        id=node["id"], title=node.get("title") or "", sku=node.get("sku") or "",
        barcode=node.get("barcode") or None, price=_money(node.get("price")),
        compare_at_price=_money(node.get("compareAtPrice")),
        options=tuple((o["name"], o["value"]) for o in node.get("selectedOptions") or []),
        inventory_item_id=item.get("id"), tracked=bool(item.get("tracked")),
        dropi_variation_id=_value(node.get("dropiVariationId")))


def read_media_sources(client: ShopifyClient, product_id: str) -> list[tuple[str, str | None]]:
    """(media id, original source URL) of every media of the product, in order."""
    return [(node["id"], (node.get("originalSource") or {}).get("url"))
            for node in client.paginate("product_media", {"id": product_id, "first": MEDIA_PAGE},
                                        path=("product", "media"))]


def read_available(client: ShopifyClient, item_ids: list[str], location_id: str
                   ) -> dict[str, int | None]:
    """Units available per inventory item at a location; None where it is not stocked."""
    found: dict[str, int | None] = {}
    for start in range(0, len(item_ids), LEVELS_BATCH):
        batch = item_ids[start:start + LEVELS_BATCH]
        nodes = client.query("inventory_levels_at_location",
                             {"ids": batch, "locationId": location_id})["nodes"]
        for item_id, node in zip(batch, nodes):
            level = (node or {}).get("inventoryLevel")
            found[item_id] = None if level is None else next(
                (q["quantity"] for q in level["quantities"] if q["name"] == "available"), 0)
    return found


def _value(metafield: dict | None) -> str | None:
    return (metafield or {}).get("value") or None


def _money(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
