"""Short digests of what the app last wrote to Shopify for a Dropi product (title,
description, images, each variant's SKU and barcode), so Get products finds what changed at
Dropi without reading or writing Shopify for products that did not change."""
from __future__ import annotations

import hashlib

from app.services.product_import.plan import ProductPlan


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def plan_fingerprints(plan: ProductPlan) -> dict:
    """{"title", "description", "images": digest, "variants": {key: digest}} of a plan."""
    return {
        "title": digest(plan.title),
        "description": digest(plan.description_html),
        "images": digest("\n".join(plan.images)),
        "variants": {pv.key: digest(f"{pv.sku}\n{pv.barcode or ''}") for pv in plan.variants},
    }
