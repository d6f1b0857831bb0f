"""Item mapping: Shopify products the merchant already sells, matched to Dropi by SKU or
barcode (mapping.py), the variant links it writes (links.py), the Dropi look-ups
(dropi_lookup.py), the products/update and products/delete webhooks (webhooks.py) and the
sync option (option.py)."""
from app.services.item_mapping import option, webhooks  # noqa: F401  (they register themselves)
