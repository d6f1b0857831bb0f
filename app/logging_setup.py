"""Logging configured once, with a filter that redacts tokens and keys. Every record carries the
shop, order and job ids in scope (`log_context`, and the verified shop of a request); production
writes one JSON object per line."""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

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


# Every secret pattern above contains one of these words (lower-cased); a message with none of
# them (most application and access-log lines) skips the regular expressions.
_SECRET_MARKERS = ("shp", "bearer", "token", "secret", "key", "eyj")


def redact(text: str) -> str:
    lowered = text.lower()
    if not any(marker in lowered for marker in _SECRET_MARKERS):
        return text
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


CONTEXT_FIELDS = ("shop", "order", "job")
_log_context: ContextVar[dict] = ContextVar("log_context", default={})


@contextmanager
def log_context(**ids):
    """Attach ids (shop=, order=, job=) to every record logged inside the block."""
    token = _log_context.set({**_log_context.get(),
                              **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _log_context.reset(token)


class ContextFilter(logging.Filter):
    """Adds the ids in scope to a record: those of `log_context`, and in a request the shop its
    session token verified."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = dict(_log_context.get())
        if "shop" not in ids and has_request_context():
            shop = g.get("shop_domain")
            if shop:
                ids["shop"] = shop
        for name, value in ids.items():
            setattr(record, name, value)
        record.context = "".join(f" {k}={ids[k]}" for k in CONTEXT_FIELDS if k in ids)
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message and the ids in scope."""
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger"},
                         reserved_attrs=[*JsonFormatter().reserved_attrs, "context"])


def text_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s")


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    # Alembic announces each of its plugins at INFO whenever it is imported.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    _install_redacting_record_factory()
    if _configured:
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if isinstance(handler, logging.StreamHandler) and handler.formatter is None:
            handler.setFormatter(json_formatter() if log_format == "json" else text_formatter())
    _configured = True
