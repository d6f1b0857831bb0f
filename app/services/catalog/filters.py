"""What the merchant searches the Dropi catalog for, read from a query string or form."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping

PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 24
SEARCH_LIMIT = 200
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})


@dataclass(frozen=True)
class CatalogFilters:
    """What the merchant searches for; `start` and `page_size` are Dropi's startData/pageSize."""

    search: str = ""
    favorites: bool = False
    private: bool = False
    in_stock: bool = False
    category: int | None = None
    warehouse: int | None = None
    start: int = 0
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> "CatalogFilters":
        """Filters from a query string or form; anything malformed falls back to its default."""
        size = _number(args.get("page_size"))
        return cls(
            search=str(args.get("q") or "").strip()[:SEARCH_LIMIT],
            favorites=_flag(args.get("favorites")), private=_flag(args.get("private")),
            in_stock=_flag(args.get("in_stock")),
            category=_number(args.get("category")), warehouse=_number(args.get("warehouse")),
            start=max(0, _number(args.get("start")) or 0),
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The query parameters that reproduce these filters (defaults left out)."""
        chosen = replace(self, **changes)
        values = {"q": chosen.search, "favorites": "1" if chosen.favorites else None,
                  "private": "1" if chosen.private else None,
                  "in_stock": "1" if chosen.in_stock else None, "category": chosen.category,
                  "warehouse": chosen.warehouse, "start": chosen.start or None,
                  "page_size": chosen.page_size if chosen.page_size != DEFAULT_PAGE_SIZE
                  else None}
        return {key: value for key, value in values.items() if value not in (None, "")}

    def digest(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:24]


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in TRUE_VALUES


def _number(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
