"""/app/products: the Dropi catalog and importing one product (catalog.py), bulk imports and
the Imported page (imported.py), all on the `products` blueprint (blueprint.py)."""
from app.admin.products import catalog, imported  # noqa: F401  (their routes join the blueprint)
from app.admin.products.blueprint import bp

__all__ = ["bp"]
