"""Access scopes as the schema file states them: a field answers only when the granted scopes
cover both its own rule and the rule of the type it returns (for connections, their node type).
Any one alternative suffices and a write_ scope implies its read_ scope."""
from __future__ import annotations

from typing import Iterable

from graphql import GraphQLError, GraphQLObjectType, get_named_type

from standins.shopify.resolvers.common import stand_in_field_resolver

DOCUMENTATION = "https://shopify.dev/api/usage/access-scopes"


def expand_scopes(granted: Iterable[str]) -> frozenset[str]:
    scopes = {s.strip() for s in granted if s and s.strip()}
    scopes |= {"read_" + s[len("write_"):] for s in scopes if s.startswith("write_")}
    return frozenset(scopes)


def _node_type_name(graphql_type) -> str:
    named = get_named_type(graphql_type)
    fields = getattr(named, "fields", None) or {}
    if named.name.endswith("Connection") and "nodes" in fields:
        return get_named_type(fields["nodes"].type).name
    if named.name.endswith("Edge") and "node" in fields:
        return get_named_type(fields["node"].type).name
    return named.name


def _sentence(text: str) -> str:
    return text.split(" Also:")[0].strip()


def _requirements(admin, type_name: str, field_name: str, field) -> list[tuple[list[str], str]]:
    found = []
    for key in ((type_name, field_name), (_node_type_name(field.type), None)):
        if key in admin.scope_rules:
            found.append((admin.scope_rules[key], _sentence(admin.scope_texts[key])))
    return found


def _guard(resolve, requirements, field_name):
    inner = resolve or stand_in_field_resolver

    def checked(source, info, **args):
        granted = info.context.granted_scopes
        for alternatives, text in requirements:
            if not any(scope in granted for scope in alternatives):
                raise GraphQLError(
                    f"Access denied for {field_name} field. Required access: {text}",
                    extensions={"code": "ACCESS_DENIED", "documentation": DOCUMENTATION,
                                "requiredAccess": text})
        return inner(source, info, **args)

    return checked


def install_scope_checks(admin) -> int:
    """Wrap every field that needs a scope; returns how many were wrapped."""
    wrapped = 0
    for type_name, graphql_type in admin.schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            requirements = _requirements(admin, type_name, field_name, field)
            if requirements:
                field.resolve = _guard(field.resolve, requirements, field_name)
                wrapped += 1
    return wrapped
