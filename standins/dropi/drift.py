"""Stock and prices that move over time, so a demo (and a test) sees sync at work.

`drift(state, country, stock=0.05, prices=0.02, seed=1)` changes the stock of one warehouse
row in about `stock` of the country's products (and of their variations) and the supplier price
of about `prices` of them; the same seed on the same catalog changes the same rows the same way.
`withdraw(state, country, product_id, reason)` takes a product away from the integrations API:
"deleted" (gone for everyone) or "private" (the supplier made it private to other stores).
Dropi's documents do not say how the detail answers for a product a store may no longer see;
the stand-in is strict and answers both with 404, as for a product that never existed."""
from __future__ import annotations

import random
from decimal import Decimal

from standins.dropi import catalog
from standins.dropi.state import ApiError

WITHDRAW_REASONS = ("deleted", "private")
PRICE_STEPS = (Decimal("-0.15"), Decimal("-0.08"), Decimal("0.05"), Decimal("0.10"),
               Decimal("0.20"))


def drift(state, country: str, *, stock: float = 0.0, prices: float = 0.0, seed: int = 1
          ) -> dict:
    """Change stock and prices of a share of the catalog; {"stock": [ids], "prices": [ids]}."""
    if not (0 <= stock <= 1 and 0 <= prices <= 1):
        raise ApiError(422, "stock y prices son fracciones entre 0 y 1")
    rng = random.Random(f"drift-{seed}-{country}")
    changed: dict[str, list[int]] = {"stock": [], "prices": []}
    with state.lock:
        products = [state.catalog(country)[pid] for pid in sorted(state.catalog(country))]
        for product in products:
            if rng.random() < stock:
                _move_stock(rng, product)
                changed["stock"].append(product["id"])
            if rng.random() < prices:
                _move_price(rng, product)
                changed["prices"].append(product["id"])
    return changed


def _move_stock(rng: random.Random, product: dict) -> None:
    holders = product.get("variations") or [product]
    holder = rng.choice(holders)
    rows = holder.get("warehouse_product_variation") or holder.get("warehouse_product") or []
    if not rows:
        return
    row = rng.choice(rows)
    # Never the same value: a drift that changes nothing would be invisible.
    choices = [0, 1, 2, 5, 12, 30, 60, 120]
    row["stock"] = rng.choice([units for units in choices if units != row["stock"]])
    catalog.refresh_stock(product)


def _move_price(rng: random.Random, product: dict) -> None:
    step = rng.choice(PRICE_STEPS)
    for holder in [product, *(product.get("variations") or [])]:
        if holder.get("sale_price") not in (None, ""):
            price = Decimal(str(holder["sale_price"]))
            holder["sale_price"] = str((price * (1 + step)).quantize(Decimal("0.01")))


def withdraw(state, country: str, product_id, reason: str) -> dict:
    """Hide a product from the integrations API (its detail answers 404 from now on)."""
    if reason not in WITHDRAW_REASONS:
        raise ApiError(422, f"reason debe ser uno de: {', '.join(WITHDRAW_REASONS)}")
    with state.lock:
        product = state.product(country, product_id)
        if reason == "deleted":
            del state.catalog(country)[product["id"]]
        else:
            product["_private"] = True
            product["_withdrawn"] = True
    return {"id": product["id"], "reason": reason}
