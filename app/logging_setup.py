"""Logging configured once, with a filter that redacts tokens and keys."""
from __future__ import annotations

import logging
import re

REDACTED = "[REDACTED]"
_SECRET_PATTERNS = [
    re.compile(r"\b(shp(?:at|rt|ca|ss|ua|pa)_[A-Za-z0-9]+)"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|id_token|subject_token|api_key|"
        r"token|x-shopify-access-token|x-access-token|dropi-integration-key)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
    re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 1 and pattern.pattern.startswith(r"\b(shp"):
            text = pattern.sub(REDACTED, text)
        elif pattern.groups >= 1:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites every record's message so no token or key reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = cleaned, ()
        return True


_configured = False


def _install_redacting_record_factory() -> None:
    """Redact at record creation, so every handler (ours, gunicorn's, pytest's) sees clean text."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        RedactingFilter().filter(record)
        return record

    factory.redacts = True
    logging.setLogRecordFactory(factory)


def configure_logging(level: str = "INFO") -> None:
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    _install_redacting_record_factory()
    if _configured:
        return
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    _configured = True
