"""The real Shopify Admin GraphQL schema (2026-10 introspection with per-field access scopes),
built once per process. Everything the stand-in knows about the contract comes from this file:
types, arguments, access scopes, which mutations need `@idempotent`, input complexity costs."""
from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from graphql import GraphQLInputObjectType, GraphQLSchema, build_client_schema

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "admin_2026-10.json.gz"
SCHEMA_VERSION = "2026-10"
# Versions answered with the 2026-10 schema; anything else is a 404 like an unknown route.
SERVED_VERSIONS = frozenset({"2026-04", "2026-07", "2026-10"})

_IDEMPOTENCY_REQUIRED = re.compile(r"the idempotency key is required", re.IGNORECASE)
_INPUT_COMPLEXITY = re.compile(r"Complexity cost: ([\d.]+) per \w+")


@dataclass
class AdminSchema:
    """The built schema plus the facts the stand-in derives from its descriptions."""

    schema: GraphQLSchema
    # (typeName, fieldName or None) -> list of alternative scopes (any one suffices)
    scope_rules: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)
    # (typeName, fieldName or None) -> Shopify's "requiredAccess" sentence
    scope_texts: dict[tuple[str, str | None], str] = field(default_factory=dict)
    idempotent_mutations: frozenset[str] = frozenset()
    # (input type, input field) -> extra cost per list element
    input_complexity: dict[tuple[str, str], float] = field(default_factory=dict)


_lock = threading.Lock()
_cached: AdminSchema | None = None


def load_admin_schema() -> AdminSchema:
    """The Admin schema for this process (built on first use, about 0.3 s)."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = _build(SCHEMA_FILE)
        return _cached


def _build(path: Path) -> AdminSchema:
    with gzip.open(path) as handle:
        data = json.load(handle)
    schema = build_client_schema(data["data"])
    # Six deprecated fields implement non-deprecated interface fields; Shopify serves the schema
    # as it is, so accept it instead of refusing every operation.
    schema._validation_errors = []
    admin = AdminSchema(schema=schema)
    for item in data.get("offline_scopes", {}).get("items", []):
        key = (item["typeName"], item.get("fieldName") if item["type"] == "field" else None)
        if item.get("offlineScopes"):
            admin.scope_rules[key] = list(item["offlineScopes"])
            admin.scope_texts[key] = item.get("requiredAccess") or ""
    admin.idempotent_mutations = frozenset(
        name for name, definition in schema.mutation_type.fields.items()
        if _IDEMPOTENCY_REQUIRED.search(definition.description or "")
    )
    for type_name, graphql_type in schema.type_map.items():
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                match = _INPUT_COMPLEXITY.search(input_field.description or "")
                if match:
                    admin.input_complexity[(type_name, field_name)] = float(match.group(1))
    return admin
