"""One item of a bulk import: import it, retry what is worth retrying (rate limits, outages,
a concurrent save), fail it with a merchant-readable reason, or stop the whole job when no
item can succeed (revoked access, Dropi token refused, nothing mapped)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from app.clients.dropi import (
    DropiAccessDenied,
    DropiAuthError,
    DropiError,
    DropiRateLimited,
    DropiUnavailable,
)
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
THROTTLE_PATIENCE_SECONDS = 600.0
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 60.0
TRANSIENT = (ShopifyThrottled, ShopifyServerError, ShopifyTransportError, DropiRateLimited,
             DropiUnavailable, IntegrityError, OperationalError)
FATAL = (ShopifyUnauthorized, ShopifyShopFrozen, ShopifyForbidden, ShopifyLocked,
         ShopifyNotFound, DropiAuthError, DropiAccessDenied, ImportNotReady)


@dataclass(frozen=True)
class ItemOutcome:
    done: bool
    shopify_product_id: str | None = None
    error: str | None = None
    dropi_name: str | None = None
    fatal: bool = False


def import_item(run, shop: Shop, item: ImportJobItem) -> ItemOutcome:
    """Import one Dropi product of the job. Failures that pass (outages, Dropi's 429) get up
    to four attempts; Shopify's throttling is waited out for up to ten minutes, since the
    cost budget always refills and a throttled item must not end as an error."""
    attempt, throttled_since = 0, None
    while True:
        attempt += 1
        try:
            return _attempt(run, shop, item)
        except FATAL as exc:
            log.warning("Bulk import %s stopped on item %s: %s", run.job_id,
                        item.dropi_product_id, exc)
            return ItemOutcome(False, error=_message(exc), fatal=True)
        except TRANSIENT as exc:
            db.session.rollback()
            throttled = isinstance(exc, ShopifyThrottled)
            throttled_since = throttled_since or (time.monotonic() if throttled else None)
            if run.stop.is_set() or _out_of_patience(throttled, attempt, throttled_since):
                return ItemOutcome(False, error=_message(exc))
            wait = backoff_delay(min(attempt, 5), base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS,
                                 retry_after=getattr(exc, "retry_after", None)
                                 or getattr(exc, "bucket_wait", None))
            log.info("Bulk import %s item %s waits %.1fs after %s", run.job_id,
                     item.dropi_product_id, wait, type(exc).__name__)
            run.sleep(wait)
        except (ImportProblem, DropiError, ShopifyError) as exc:
            db.session.rollback()
            return ItemOutcome(False, error=_message(exc))
        except Exception:  # one product's surprise fails that product, never the whole job
            db.session.rollback()
            log.exception("Bulk import %s item %s failed unexpectedly", run.job_id,
                          item.dropi_product_id)
            return ItemOutcome(False, error=_("This product could not be imported because of an "
                                              "error on our side. Try it again on its own."))


def _out_of_patience(throttled: bool, attempt: int, throttled_since: float | None) -> bool:
    if throttled:
        return time.monotonic() - throttled_since > THROTTLE_PATIENCE_SECONDS
    return attempt >= ITEM_ATTEMPTS


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
