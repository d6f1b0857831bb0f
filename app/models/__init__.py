"""Typed models; every row belongs to a shop."""
from app.models.ai import AIConfiguration
from app.models.configuration import InventoryBehaviour, LocationMapping, ShopConfiguration
from app.models.orders import Refund
from app.models.products import IMPORT_TYPES, ProductAssociation, VariantLink
from app.models.shop import Session, Shop
from app.models.webhooks import WebhookEvent, WebhookStatus

__all__ = [
    "AIConfiguration",
    "IMPORT_TYPES",
    "InventoryBehaviour",
    "LocationMapping",
    "ProductAssociation",
    "Refund",
    "Session",
    "Shop",
    "ShopConfiguration",
    "VariantLink",
    "WebhookEvent",
    "WebhookStatus",
]
