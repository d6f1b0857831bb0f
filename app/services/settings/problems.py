"""Failures of Dropi, Ecomdrop and Shopify calls in the merchant's language.

The clients' own messages are precise but English; each error class gets a translated
sentence here, and Dropi's or Ecomdrop's own words are added only where they explain more.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.clients.dropi import (
    DropiAccessDenied,
    DropiAuthError,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
    DropiTokenInvalid,
    DropiUnavailable,
)
from app.clients.dropi_core import COUNTRY_NAMES
from app.clients.ecomdrop import (
    EcomdropAuthError,
    EcomdropError,
    EcomdropNotFound,
    EcomdropUnavailable,
)
from app.clients.shopify import ShopifyError


def ecomdrop_problem(exc: EcomdropError) -> str:
    """What went wrong with Ecomdrop, as a merchant would say it."""
    if isinstance(exc, EcomdropAuthError):
        return _("Ecomdrop rejected the API key. Copy it again from your Ecomdrop account "
                 "and paste it here.")
    if isinstance(exc, EcomdropUnavailable):
        return _("Ecomdrop is not answering right now. Try again in a few minutes.")
    if isinstance(exc, EcomdropNotFound):
        return _("Ecomdrop could not find what we asked for: %(detail)s",
                 detail=exc.merchant_message)
    return _("Ecomdrop refused the request: %(detail)s", detail=exc.merchant_message)


def dropi_problem(exc: DropiError, country: str | None = None) -> str:
    """What went wrong with Dropi (in `country`), as a merchant would say it."""
    where = COUNTRY_NAMES.get((country or exc.country or "").upper(), "")
    if isinstance(exc, DropiTokenInvalid):
        return _("That is not a Dropi integration token. Copy the whole token from Dropi "
                 "(Mis integraciones): a long text in three parts that starts with “eyJ”.")
    if isinstance(exc, DropiAccessDenied):
        return exc.merchant_message
    if isinstance(exc, DropiAuthError):
        return _("Dropi %(country)s rejected the integration token. Check that it is the "
                 "current token of your %(country)s store in Dropi (Mis integraciones) and that "
                 "it was created for this app.", country=where or "")
    if isinstance(exc, DropiRateLimited):
        return _("Dropi is limiting requests for this token right now. Try again in a minute.")
    if isinstance(exc, DropiUnavailable):
        return _("Dropi %(country)s is not answering right now. Try again in a few minutes.",
                 country=where or "")
    if isinstance(exc, DropiNotFound):
        return _("Dropi could not find what we asked for: %(detail)s",
                 detail=exc.merchant_message)
    return _("Dropi refused the request: %(detail)s", detail=exc.merchant_message)


def shopify_problem(exc: ShopifyError) -> str:
    """What went wrong with Shopify; the client's message already says what to do."""
    return _("Shopify could not list your locations: %(detail)s", detail=exc.merchant_message)
