"""Errors handled in one place: htmx gets a banner, documents an error page, webhooks a status.

Nothing internal reaches the merchant: no stack trace, no exception text, no secret. A 500
rolls the database session back and logs a short reference the page shows, so a report from
a merchant can be matched to the log line.
"""
from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)

BARE_STATUS_PREFIXES = ("/webhooks",)
UPSTREAM_FAILURE_STATUS = 502
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

MESSAGES = {
    400: (_l("Bad request"),
          _l("The request could not be understood. Reload the page and try again.")),
    401: (_l("Session expired"),
          _l("Your Shopify session has expired. Reload the app from your Shopify admin.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or was moved.")),
    405: (_l("Action not allowed"),
          _l("This page does not accept that action. Reload the page and try again.")),
    410: (_l("No longer available"), _l("This page is no longer available.")),
    409: (_l("Not ready yet"), _l("Finish setting up the app in Settings first.")),
    413: (_l("Too large"), _l("What you sent is too large. Send less data or a smaller file.")),
    422: (_l("This cannot be done"),
          _l("What you sent cannot be used as it is. Check it and try again.")),
    429: (_l("Too many requests"),
          _l("Too many requests in a short time. Wait a moment and try again.")),
    502: (_l("Service unavailable"),
          _l("An external service did not answer as expected. Try again in a moment.")),
    503: (_l("Temporarily unavailable"),
          _l("The app is temporarily unavailable. Try again in a moment.")),
}
GENERIC = (_l("Something went wrong"),
           _l("Something went wrong on our side. Try again in a moment."))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_exception)


def handle_http_exception(error: HTTPException) -> Response:
    if error.response is not None:
        return error.response  # abort(response): the view already decided what to answer
    status = error.code or 500
    if status >= 500:
        cause = getattr(error, "original_exception", None) or error
        response = _server_failure(status, cause)
    else:
        response = error_response(status)
    for name, value in error.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    return response


def handle_unexpected_exception(error: Exception) -> Response:
    merchant_message = getattr(error, "merchant_message", None)
    if merchant_message:
        # A domain error (Shopify, Dropi, Ecomdrop...) no view handled: its message is
        # written for the merchant, so it is shown as it is.
        db.session.rollback()
        log.warning("unhandled %s on %s: %s", type(error).__name__, request.path, merchant_message)
        return error_response(UPSTREAM_FAILURE_STATUS, message=str(merchant_message))
    return _server_failure(500, error)


def _server_failure(status: int, error: BaseException) -> Response:
    db.session.rollback()
    reference = uuid.uuid4().hex[:12]
    if isinstance(error, HTTPException):
        log.error("error %s on %s %s: %s", reference, request.method, request.path, status)
    else:
        log.error("error %s on %s %s", reference, request.method, request.path,
                  exc_info=(type(error), error, error.__traceback__))
    return error_response(status, reference=reference)


def error_response(status: int, *, message: str | None = None,
                   reference: str | None = None) -> Response:
    """The answer for an error: bare status under /webhooks, a banner for htmx, else a page."""
    if request.path.startswith(BARE_STATUS_PREFIXES):
        return Response(status=status)
    title, default_message = MESSAGES.get(status, GENERIC)
    context = {"status": status, "title": title, "message": message or default_message,
               "reference": reference}
    htmx = bool(getattr(request, "htmx", False))
    template = "errors/_banner.html" if htmx else "errors/page.html"
    try:
        response = make_response(render_template(template, **context), status)
    except Exception:  # the error page itself failed (database down, say): plain text
        log.exception("could not render the %s error %s", status, template)
        response = Response(f"{title}. {context['message']}", status, mimetype="text/plain")
    if htmx:
        response.headers["HX-Retarget"] = "#app-errors"
        response.headers["HX-Reswap"] = "innerHTML"
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response
