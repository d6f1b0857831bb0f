"""Dropi orders placed outside the Shopify integration (Dropi's panel, an Ecomdrop flow), created
in Shopify with orderCreate.

discovery.py      the shop's new Dropi orders that did not come from us (incremental scan)
shopify_input.py  the orderCreate input: lines through the variant links, customer, options
creation.py       one order created once: the import row, the lookup before any retry
records.py        our OrderRecord of the created order (the Orders page, shipments)
option.py         the "orders" sync option (config flag create_orders, every 10 minutes)
"""
from app.models.dropi_orders import dropi_id_of, source_identifier
from app.services.orders_from_dropi.creation import (
    ALREADY,
    CREATED,
    FOUND,
    LOOKUP_GRACE,
    REFUSED,
    UNCONFIRMED,
    WAITING,
    Creation,
    create_in_shopify,
    find_in_shopify,
)
from app.services.orders_from_dropi.discovery import Scan, new_dropi_orders, not_ours
from app.services.orders_from_dropi.option import create_orders_from_dropi

__all__ = ["ALREADY", "CREATED", "FOUND", "LOOKUP_GRACE", "REFUSED", "UNCONFIRMED", "WAITING",
           "Creation", "Scan", "create_in_shopify", "create_orders_from_dropi", "dropi_id_of",
           "find_in_shopify", "new_dropi_orders", "not_ours", "source_identifier"]
