"""Errors go to Sentry when SENTRY_DSN is set: no personal data, and every string redacted the
way the logs are, so no token or key leaves the server."""
from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from app.config import Settings
from app.logging_setup import redact


def scrub(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def before_send(event, hint):
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("headers", None)
        request.pop("cookies", None)
        request.pop("data", None)
    return scrub(event)


def configure_error_reporting(settings: Settings) -> bool:
    """Start Sentry when a DSN is configured; returns whether it did."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(dsn=settings.sentry_dsn, integrations=[FlaskIntegration()],
                    environment=settings.environment, send_default_pii=False,
                    before_send=before_send, traces_sample_rate=0.0)
    return True
