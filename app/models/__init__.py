"""Typed models; every row belongs to a shop."""
from app.models.agent import (AGENT_MODES, AgentCall, AgentConfirmation, AgentKey,
                              AgentToolSettings)
from app.models.agent_profile import (
    AgentEcomdropLink,
    AgentProfileVersion,
    MerchantNotification,
    NotificationStatus,
)
from app.models.ai import AIConfiguration
from app.models.checkouts import AbandonedCheckout, RecoveryStatus
from app.models.compliance import ComplianceRequest, ComplianceStatus
from app.models.configuration import InventoryBehaviour, LocationMapping, ShopConfiguration
from app.models.imports import ImportItemStatus, ImportJob, ImportJobItem, ImportJobStatus
from app.models.order_pipeline import (
    CityChoice,
    ConfirmationPolicy,
    OrderEvent,
    OrderRecord,
    OrderStep,
    StepName,
    StepState,
    TimeoutAction,
)
from app.models.orders import OrderFulfillment, Refund
from app.models.price_changes import (
    PRICE_CHANGE_APPLIED,
    PRICE_CHANGE_APPROVED,
    PRICE_CHANGE_PENDING,
    PRICE_CHANGE_REJECTED,
    PendingPriceChange,
)
from app.models.products import (
    IMPORT_TYPES,
    OUT_OF_STOCK_POLICIES,
    PRODUCT_STATUSES,
    ProductAssociation,
    VariantLink,
)
from app.models.shipments import Shipment, ShipmentPoll, ShipmentStatus
from app.models.shop import Session, Shop
from app.models.sync import SyncLogEntry, SyncRun, SyncState
from app.models.webhooks import WebhookEvent, WebhookStatus

__all__ = [
    "PRICE_CHANGE_APPLIED",
    "PRICE_CHANGE_APPROVED",
    "PRICE_CHANGE_PENDING",
    "PRICE_CHANGE_REJECTED",
    "PendingPriceChange",
    "Shipment",
    "ShipmentPoll",
    "ShipmentStatus",
    "AbandonedCheckout",
    "RecoveryStatus",
    "AIConfiguration",
    "CityChoice",
    "ConfirmationPolicy",
    "OrderEvent",
    "OrderRecord",
    "OrderStep",
    "StepName",
    "StepState",
    "TimeoutAction",
    "AGENT_MODES",
    "AgentCall",
    "AgentConfirmation",
    "AgentKey",
    "AgentToolSettings",
    "AIConfiguration",
    "AgentEcomdropLink",
    "AgentProfileVersion",
    "MerchantNotification",
    "NotificationStatus",
    "ComplianceRequest",
    "ComplianceStatus",
    "IMPORT_TYPES",
    "ImportItemStatus",
    "ImportJob",
    "ImportJobItem",
    "ImportJobStatus",
    "InventoryBehaviour",
    "LocationMapping",
    "OUT_OF_STOCK_POLICIES",
    "PRODUCT_STATUSES",
    "ProductAssociation",
    "OrderFulfillment",
    "Refund",
    "Session",
    "Shop",
    "ShopConfiguration",
    "SyncLogEntry",
    "SyncRun",
    "SyncState",
    "VariantLink",
    "WebhookEvent",
    "WebhookStatus",
]
