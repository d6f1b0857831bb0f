"""What a Dropi product becomes in Shopify, decided before anything is written: title,
sanitized description, options, one variant per Dropi variation with its price quote, SKU,
barcode and stock per mapped location. The preview shows this plan; the writer writes it."""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from app.clients.dropi_models import DropiProduct, DropiVariation, WarehouseStock
from app.services.html_sanitizer import sanitize_description
from app.services.pricing import PriceQuote, PricingError, PricingPolicy, quote_price
from app.services.product_import.context import LocationTarget
from app.services.product_import.errors import ImportRefused
from app.services.product_import.preferences import TITLE_LIMIT, ImportPreferences

SIMPLE_KEY = ""  # the variation key of a simple Dropi product (VariantLink.dropi_variation_id)
DEFAULT_OPTION = ("Title", "Default Title")
FALLBACK_OPTION = "Variante"
MAX_OPTIONS = 3
MAX_VARIANTS = 2048
VALUE_LIMIT = 255


@dataclass(frozen=True)
class PlannedVariant:
    key: str  # Dropi variation id, or SIMPLE_KEY
    label: str
    option_values: tuple[tuple[str, str], ...]
    sku: str
    barcode: str | None
    quote: PriceQuote
    suggested: Decimal | None
    stock: dict[str, int]  # Shopify location id -> units


@dataclass(frozen=True)
class ProductPlan:
    dropi_product_id: str
    handle: str
    title: str
    description_html: str
    product_type: str
    options: tuple[tuple[str, tuple[str, ...]], ...]
    variants: tuple[PlannedVariant, ...]
    images: tuple[str, ...]
    warnings: tuple[str, ...]

    def variant(self, key: str) -> PlannedVariant | None:
        return next((v for v in self.variants if v.key == key), None)


def build_plan(product: DropiProduct, prefs: ImportPreferences, policy: PricingPolicy,
               targets: list[LocationTarget], handle: str) -> ProductPlan:
    """The plan for ``product``; raises ImportRefused when it cannot be priced or shaped."""
    warnings: list[str] = []
    unmapped: Counter = Counter()
    options, rows = _shape(product)
    if len(rows) > MAX_VARIANTS:
        raise ImportRefused(_("This Dropi product has %(count)s variations; Shopify allows at "
                              "most %(limit)s.", count=len(rows), limit=MAX_VARIANTS))
    variants = tuple(_variant(product, variation, values, prefs, policy, targets, unmapped,
                              warnings) for variation, values in rows)
    for warehouse, units in unmapped.items():
        warnings.append(_("%(units)s units in the Dropi warehouse %(warehouse)s are not imported:"
                          " map that warehouse to a Shopify location in Settings.",
                          units=units, warehouse=warehouse))
    return ProductPlan(
        dropi_product_id=str(product.id), handle=handle, title=_title(product, prefs),
        description_html=_description(product, prefs), product_type=_product_type(product),
        options=options, variants=variants,
        images=tuple(dict.fromkeys(product.images)) if prefs.import_images else (),
        warnings=tuple(dict.fromkeys(warnings)))


def _title(product: DropiProduct, prefs: ImportPreferences) -> str:
    title = prefs.custom_title if prefs.title_source == "custom" else product.name
    title = " ".join((title or "").split())[:TITLE_LIMIT]
    if not title:
        raise ImportRefused(_("Dropi gives this product no name; choose a custom title."))
    return title


def _description(product: DropiProduct, prefs: ImportPreferences) -> str:
    if prefs.description_source == "custom":
        return sanitize_description(prefs.custom_description)
    return sanitize_description(product.description)


def _product_type(product: DropiProduct) -> str:
    return (product.categories[0] if product.categories else "").strip()[:VALUE_LIMIT]


# -- options ------------------------------------------------------------------------------------
def _shape(product: DropiProduct):
    """(options, [(variation or None, option values)]) for every variant to write."""
    if not product.is_variable or not product.variations:
        name, value = DEFAULT_OPTION
        return ((name, (value,)),), [(None, (DEFAULT_OPTION,))]
    names = _attribute_names(product.variations)
    rows = [(v, _attribute_values(v, names)) for v in product.variations] if names else []
    if not rows or any(values is None for _v, values in rows) or not _unique(rows):
        rows = _fallback_rows(product.variations)
        names = [FALLBACK_OPTION]
    options = tuple((name, tuple(dict.fromkeys(values[i][1] for _v, values in rows)))
                    for i, name in enumerate(names))
    return options, rows


def _attribute_names(variations: tuple[DropiVariation, ...]) -> list[str]:
    names: dict[str, str] = {}
    for variation in variations:
        for name in variation.attributes:
            clean = " ".join(name.split())[:VALUE_LIMIT]
            if clean:
                names.setdefault(fold(clean), clean)
    return list(names.values()) if len(names) <= MAX_OPTIONS else []


def _attribute_values(variation: DropiVariation, names: list[str]):
    found = {fold(name): " ".join(str(value).split())[:VALUE_LIMIT]
             for name, value in variation.attributes.items()}
    values = tuple((name, found.get(fold(name)) or "") for name in names)
    return None if any(not value for _name, value in values) else values


def _unique(rows) -> bool:
    combos = [tuple(fold(value) for _n, value in values) for _v, values in rows]
    return len(set(combos)) == len(combos)


def _fallback_rows(variations: tuple[DropiVariation, ...]):
    rows, seen = [], set()
    for variation in variations:
        label = " / ".join(v for v in variation.attributes.values() if str(v).strip())
        label = " ".join((label or variation.sku or f"#{variation.id}").split())[:VALUE_LIMIT - 12]
        if fold(label) in seen:
            label = f"{label} (#{variation.id})"
        seen.add(fold(label))
        rows.append((variation, ((FALLBACK_OPTION, label),)))
    return rows


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# -- variants -----------------------------------------------------------------------------------
def _variant(product, variation, values, prefs, policy, targets, unmapped, warnings):
    key = SIMPLE_KEY if variation is None else str(variation.id)
    label = product.name if variation is None else " / ".join(v for _n, v in values)
    cost = (variation.sale_price if variation and variation.sale_price is not None
            else product.sale_price)
    suggested = (variation.suggested_price if variation and variation.suggested_price is not None
                 else product.suggested_price)
    if cost is None:
        raise ImportRefused(_("Dropi gives no cost for %(label)s, so no price can be "
                              "calculated.", label=label))
    try:
        quote = quote_price(policy, cost=cost, suggested=suggested)
    except PricingError as exc:
        raise ImportRefused(f"{label}: {exc}") from None
    dropi_sku = (variation.sku if variation else product.sku).strip()
    sku = dropi_sku or (f"DROPI-{product.id}" if variation is None
                        else f"DROPI-{product.id}-DV{variation.id}")
    barcode = (dropi_sku or None) if prefs.use_dropi_barcode else None
    if prefs.use_dropi_barcode and barcode is None:
        warnings.append(_("Dropi has no code to use as barcode for %(label)s.", label=label))
    stocks = variation.warehouse_stocks if variation else product.warehouse_stocks
    total = variation.stock if variation else product.stock
    stock = _stock(stocks, total, targets, unmapped, warnings)
    return PlannedVariant(key=key, label=label, option_values=values, sku=sku, barcode=barcode,
                          quote=quote, suggested=suggested, stock=stock)


def _stock(stocks: tuple[WarehouseStock, ...], total: int, targets: list[LocationTarget],
           unmapped: Counter, warnings: list[str]) -> dict[str, int]:
    """Units per mapped location: each mapped warehouse's stock, 0 where Dropi has none."""
    result = {t.location_id: 0 for t in targets}
    if not stocks:
        if len(result) == 1:
            result[next(iter(result))] = max(0, total)
        elif total > 0:
            warnings.append(_("Dropi does not say which warehouse holds the stock, so it was "
                              "not imported."))
        return result
    by_warehouse = {t.warehouse_id: t.location_id for t in targets}
    for row in stocks:
        location = by_warehouse.get(str(row.warehouse_id))
        if location is not None:
            result[location] += max(0, row.stock)
        elif row.stock > 0:
            unmapped[row.name or str(row.warehouse_id)] += row.stock
    return result
