"""What the import services hand back to the pages: previews, results and summaries."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.clients.dropi_models import DropiProduct
from app.models import ProductAssociation
from app.services.product_import.plan import ProductPlan


@dataclass(frozen=True)
class VariantPreview:
    dropi_variation_id: str
    label: str
    sku: str
    barcode: str | None
    cost: Decimal
    price: Decimal
    compare_at_price: Decimal | None
    margin_percent: Decimal | None
    notes: tuple[str, ...]
    stock_by_location: dict[str, int]


@dataclass(frozen=True)
class ImportPreview:
    """Exactly what import_product writes for these preferences."""

    product: DropiProduct
    title: str
    description_html: str
    variants: list[VariantPreview]
    warnings: list[str]
    images: list[str] = field(default_factory=list)
    options: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    handle: str = ""
    existing_association_id: int | None = None


def preview_from_plan(product: DropiProduct, plan: ProductPlan, location_names: dict[str, str],
                      association_id: int | None = None) -> ImportPreview:
    variants = [VariantPreview(
        dropi_variation_id=v.key, label=v.label, sku=v.sku, barcode=v.barcode,
        cost=v.quote.cost, price=v.quote.price, compare_at_price=v.quote.compare_at_price,
        margin_percent=v.quote.margin_percent, notes=v.quote.notes,
        stock_by_location={location_names.get(loc, loc): units for loc, units in v.stock.items()},
    ) for v in plan.variants]
    return ImportPreview(product=product, title=plan.title,
                         description_html=plan.description_html, variants=variants,
                         warnings=list(plan.warnings), images=list(plan.images),
                         options=list(plan.options), handle=plan.handle,
                         existing_association_id=association_id)


@dataclass
class ImportResult:
    """One import, link, re-sync or re-price. ``user_errors`` are Shopify's userErrors
    ({field, message, code}) and other refusals, each meant for the merchant."""

    association: ProductAssociation | None
    created: bool
    shopify_product_id: str | None
    user_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = True  # False: Shopify refused the product, nothing changed

    @property
    def ok(self) -> bool:
        return self.written and self.association is not None and not self.user_errors

    @property
    def error_text(self) -> str:
        """All user errors as one merchant-readable line."""
        return "; ".join(describe_user_error(e) for e in self.user_errors)


def describe_user_error(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "invalid value")
    field_path = error.get("field")
    if isinstance(field_path, list) and field_path:
        return f"{'.'.join(str(p) for p in field_path)}: {message}"
    return message
