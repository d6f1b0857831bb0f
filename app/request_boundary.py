"""What a request may carry into the app, decided once for every view.

- Text: query and form values lose their control characters (app/services/plain_text.py)
  before any view reads them.
- Ids: `<int:...>` in a URL only matches what fits a database integer (1 to 2^31 - 1), so a
  larger id is a 404 like any other id that is not the shop's.
- Size: a body larger than MAX_REQUEST_BYTES is refused with 413 before it is parsed (webhooks
  keep their own limit, WEBHOOK_MAX_BODY_BYTES).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from app.services.plain_text import without_control_characters

MAX_DATABASE_ID = 2**31 - 1
# Forms of the admin are a few kilobytes; this leaves room for long descriptions.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
OWN_LIMIT_PREFIXES = ("/webhooks",)
ID_TEXT = re.compile(r"[0-9]{1,10}")


class CleanValues(ImmutableMultiDict):
    """An ImmutableMultiDict whose keys and values have no control characters."""

    def __init__(self, mapping=None) -> None:
        super().__init__(_clean_items(mapping))


def _clean_items(mapping) -> Iterable[tuple]:
    if mapping is None:
        return []
    return [(_clean(key), _clean(value)) for key, value in MultiDict(mapping).items(multi=True)]


def _clean(value):
    return without_control_characters(value) if isinstance(value, str) else value


class BoundedRequest(Request):
    """Mixed in front of the app's request class (htmx's, which adds `request.htmx`)."""

    parameter_storage_class = CleanValues

    @property
    def max_content_length(self) -> int | None:
        if self.path.startswith(OWN_LIMIT_PREFIXES):
            return None  # the webhook endpoint reads its body with its own limit
        return super().max_content_length


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` bounded to the ids a database row can have, 1 to 2^31 - 1.

    The bound is in the regex, not only in `max`: Werkzeug checks a rule's methods before its
    converters, so a POST-only rule refusing 2^31 by `max` next to a GET rule on the same path
    would answer 405 instead of 404.
    """

    regex = (r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
             r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d"
             r"|214748364[0-7])")

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def database_ids(values: Iterable[str]) -> list[int]:
    """The values that are database ids, once each, in order; anything else is dropped."""
    return [int(v) for v in dict.fromkeys(values)
            if ID_TEXT.fullmatch(v or "") and 0 < int(v) <= MAX_DATABASE_ID]


def register(app: Flask) -> None:
    """Call after the extensions (htmx sets its request class) and before the blueprints
    (their rules pick the converter up when registered)."""
    app.request_class = type("MerchantRequest", (BoundedRequest, app.request_class), {})
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
