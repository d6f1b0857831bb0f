"""Abandoned checkouts won back with the merchant's Ecomdrop flow: recording checkouts from
Shopify's webhooks, sending the flow once after the delay, and the list the Orders page shows."""
from app.services.recovery import checkouts as _checkouts  # noqa: F401  (webhook handlers)
from app.services.recovery import privacy as _privacy  # noqa: F401  (privacy data source)
from app.services.recovery.checkouts import record_checkout, record_order_from_checkout
from app.services.recovery.overview import CheckoutsOverview, checkouts_overview
from app.services.recovery.sending import (
    due_checkouts,
    release_stale_claims,
    send_recovery,
)

__all__ = ["CheckoutsOverview", "checkouts_overview", "due_checkouts", "record_checkout",
           "record_order_from_checkout", "release_stale_claims", "send_recovery"]
