"""Shopify Admin GraphQL operations, one ``<name>.graphql`` file per operation, loaded by name."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownOperation(LookupError):
    """No app/graphql/<name>.graphql file exists for the requested operation."""


def operation_names() -> list[str]:
    """The names (file stems) of every operation shipped in app/graphql/, sorted."""
    return sorted(path.stem for path in OPERATIONS_DIR.glob("*.graphql"))


@lru_cache(maxsize=None)
def load_operation(name: str) -> str:
    """The GraphQL text of operation ``name`` (the file stem, e.g. ``"shop_details"``)."""
    if not _NAME.match(name or ""):
        raise UnknownOperation(f"{name!r} is not a valid operation name (snake_case file stem).")
    path = OPERATIONS_DIR / f"{name}.graphql"
    if not path.is_file():
        raise UnknownOperation(f"No GraphQL operation named {name!r} in {OPERATIONS_DIR}.")
    return path.read_text(encoding="utf-8")
