"""One item of a bulk import: import it, retry what is worth retrying (rate limits, outages,
a concurrent save), fail it with a merchant-readable reason, or stop the whole job when no
item can succeed (revoked access, Dropi token refused, nothing mapped)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from app.clients.dropi import DropiAuthError, DropiError, DropiRateLimited, DropiUnavailable
from app.clients.http import backoff_delay
from app.clients.shopify import (
    ShopifyError,
    ShopifyForbidden,
    ShopifyLocked,
    ShopifyNotFound,
    ShopifyServerError,
    ShopifyShopFrozen,
    ShopifyThrottled,
    ShopifyTransportError,
    ShopifyUnauthorized,
)
from app.extensions import db
from app.models import ImportJobItem, Shop
from app.services.product_import.errors import ImportNotReady, ImportProblem
from app.services.product_import.importer import import_product

log = logging.getLogger(__name__)

ITEM_ATTEMPTS = 4
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 60.0
TRANSIENT = (ShopifyThrottled, ShopifyServerError, ShopifyTransportError, DropiRateLimited,
             DropiUnavailable, IntegrityError, OperationalError)
FATAL = (ShopifyUnauthorized, ShopifyShopFrozen, ShopifyForbidden, ShopifyLocked,
         ShopifyNotFound, DropiAuthError, ImportNotReady)


@dataclass(frozen=True)
class ItemOutcome:
    done: bool
    shopify_product_id: str | None = None
    error: str | None = None
    dropi_name: str | None = None
    fatal: bool = False


def import_item(run, shop: Shop, item: ImportJobItem) -> ItemOutcome:
    """Import one Dropi product of the job, with up to four attempts for transient failures."""
    for attempt in range(1, ITEM_ATTEMPTS + 1):
        try:
            return _attempt(run, shop, item)
        except FATAL as exc:
            log.warning("Bulk import %s stopped on item %s: %s", run.job_id,
                        item.dropi_product_id, exc)
            return ItemOutcome(False, error=_message(exc), fatal=True)
        except TRANSIENT as exc:
            db.session.rollback()
            if attempt == ITEM_ATTEMPTS or run.stop.is_set():
                return ItemOutcome(False, error=_message(exc))
            wait = backoff_delay(attempt, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS,
                                 retry_after=getattr(exc, "retry_after", None))
            log.info("Bulk import %s item %s waits %.1fs after %s", run.job_id,
                     item.dropi_product_id, wait, type(exc).__name__)
            run.sleep(wait)
        except (ImportProblem, DropiError, ShopifyError) as exc:
            db.session.rollback()
            return ItemOutcome(False, error=_message(exc))
    return ItemOutcome(False, error=_("The import did not finish."))


def _attempt(run, shop: Shop, item: ImportJobItem) -> ItemOutcome:
    ctx = run.context(shop)
    result = import_product(ctx, item.dropi_product_id, run.prefs, import_type="bulk")
    name = result.association.original_dropi_name if result.association else None
    if not result.written or result.association is None:
        return ItemOutcome(False, error=result.error_text or _("Shopify refused the product."),
                           dropi_name=name)
    return ItemOutcome(True, result.shopify_product_id, result.error_text or None, name)


def _message(exc: Exception) -> str:
    return getattr(exc, "merchant_message", None) or _("Unexpected error: %(kind)s",
                                                       kind=type(exc).__name__)
