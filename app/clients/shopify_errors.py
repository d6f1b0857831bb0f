"""Typed errors of the Shopify Admin GraphQL client and the mapping from Shopify's answers."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class ShopifyError(Exception):
    """Base of every Shopify client error; ``merchant_message`` is safe to show to merchants."""

    merchant_message = _l("Shopify could not complete the request. Please try again in a moment.")
    # Seconds Shopify asked us to wait (Retry-After header), and the exact wait a THROTTLED
    # answer implies; the client uses them to schedule its retry.
    retry_after: float | None = None
    bucket_wait: float | None = None

    def __init__(
        self,
        detail: str = "",
        *,
        shop: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        merchant_message: str | None = None,
    ) -> None:
        # Resolved now, in the language of whoever raised it: callers store and format it.
        self.merchant_message = str(merchant_message or self.merchant_message)
        self.detail = detail or self.merchant_message
        self.shop = shop
        self.operation = operation
        self.status = status
        where = " ".join(part for part in (shop, operation) if part)
        super().__init__(f"{where}: {self.detail}" if where else self.detail)


class ShopifyUnauthorized(ShopifyError):
    """Shopify refused the access token even after one refresh: the shop must re-authorize."""

    merchant_message = _l(
        "Shopify no longer accepts the app's access to your store. "
        "Open the app from your Shopify admin to authorize it again."
    )


class ShopifyShopFrozen(ShopifyError):
    """HTTP 402: the shop is frozen or its plan is unpaid."""

    merchant_message = _l(
        "Your Shopify store is frozen or has an unpaid plan, so Shopify refused the request. "
        "Settle the store's billing in Shopify, then try again."
    )


class ShopifyForbidden(ShopifyError):
    """HTTP 403 or the GraphQL ACCESS_DENIED error: a permission (access scope) is missing."""

    merchant_message = _l(
        "The app is missing a Shopify permission it needs. "
        "Open the app from your Shopify admin and approve the requested permissions."
    )


class ShopifyNotFound(ShopifyError):
    """HTTP 404: the shop (or the API version path) does not exist."""

    merchant_message = _l("Shopify could not find your store. It may have been closed or renamed.")


class ShopifyLocked(ShopifyError):
    """HTTP 423: Shopify locked the shop."""

    merchant_message = _l(
        "Your Shopify store is locked by Shopify. Contact Shopify support, then try again."
    )


class ShopifyServerError(ShopifyError):
    """HTTP 5xx or an INTERNAL_SERVER_ERROR answer that did not clear after retrying."""

    merchant_message = _l(
        "Shopify is having trouble right now. Please try again in a few minutes."
    )


class ShopifyThrottled(ShopifyError):
    """Shopify kept rate-limiting the request until the attempts ran out."""

    merchant_message = _l(
        "Shopify is receiving too many requests from the app for your store. "
        "Please wait a minute and try again."
    )


class ShopifyTransportError(ShopifyError):
    """The request timed out or the connection failed."""

    merchant_message = _l(
        "The app could not reach Shopify (the connection failed or timed out). "
        "Please try again in a moment."
    )


class ShopifyGraphQLError(ShopifyError):
    """Shopify answered with top-level GraphQL errors or an unexpected response."""

    merchant_message = _l(
        "Shopify rejected the app's request. Please try again; "
        "if it keeps happening, contact the app's support."
    )


class ShopifyUserErrors(ShopifyError):
    """A mutation answered with userErrors; ``errors`` is a list of {field, message, code}."""

    def __init__(self, errors: list[dict[str, Any]], **context: Any) -> None:
        self.errors = errors
        messages = "; ".join(_describe_user_error(error) for error in errors)
        super().__init__(
            messages,
            merchant_message=_("Shopify did not accept the change: %(errors)s", errors=messages),
            **context,
        )


def _describe_user_error(error: dict[str, Any]) -> str:
    message = error.get("message") or _("invalid value")
    field = error.get("field")
    if isinstance(field, list) and field:
        return f"{field[-1]}: {message}"
    return str(message)


STATUS_ERRORS: dict[int, type[ShopifyError]] = {
    401: ShopifyUnauthorized,
    402: ShopifyShopFrozen,
    403: ShopifyForbidden,
    404: ShopifyNotFound,
    423: ShopifyLocked,
    429: ShopifyThrottled,
}


def error_for_status(status: int, body_text: str, **context: Any) -> ShopifyError:
    """The typed error for a non-200 HTTP status (``body_text`` becomes the detail)."""
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        cls = ShopifyServerError if status >= 500 else ShopifyGraphQLError
    detail = f"HTTP {status}: {body_text.strip()[:300]}" if body_text.strip() else f"HTTP {status}"
    return cls(detail, status=status, **context)


def error_code(error: dict[str, Any]) -> str | None:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions.get("code") if isinstance(extensions, dict) else None


def error_for_graphql(errors: list[dict[str, Any]], **context: Any) -> ShopifyError:
    """The typed error for the top-level ``errors`` list of a 200 answer."""
    codes = {error_code(error) for error in errors}
    detail = "; ".join(str(error.get("message", error)) for error in errors)[:500]
    if "ACCESS_DENIED" in codes:
        needed = _required_access(errors)
        merchant = None
        if needed:
            merchant = _(
                "The app is missing a Shopify permission it needs (%(access)s). Open the app "
                "from your Shopify admin and approve the requested permissions.", access=needed)
        return ShopifyForbidden(detail, merchant_message=merchant, **context)
    if "SHOP_INACTIVE" in codes:
        return ShopifyShopFrozen(detail, **context)
    if "INTERNAL_SERVER_ERROR" in codes:
        return ShopifyServerError(detail, **context)
    if "THROTTLED" in codes:
        return ShopifyThrottled(detail, **context)
    return ShopifyGraphQLError(detail, **context)


def _required_access(errors: list[dict[str, Any]]) -> str:
    for error in errors:
        extensions = error.get("extensions") or {}
        needed = extensions.get("requiredAccess")
        if isinstance(needed, str) and needed:
            return needed.replace("`", "").rstrip(".")
    return ""


def collect_user_errors(value: Any) -> list[dict[str, Any]]:
    """Every entry of any ``userErrors`` / ``*UserErrors`` list found anywhere in ``value``."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if (key == "userErrors" or key.endswith("UserErrors")) and isinstance(item, list):
                found.extend(_normalise_user_error(entry) for entry in item)
            else:
                found.extend(collect_user_errors(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(collect_user_errors(item))
    return found


def _normalise_user_error(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return {"field": None, "message": str(entry), "code": None}
    return {
        "field": entry.get("field"),
        "message": entry.get("message") or "",
        "code": entry.get("code"),
    }
