"""Bulk query operations: the query runs at once without pagination and its result becomes a
JSONL file, one object per line, with the objects of nested connections on their own lines
carrying `__parentId` (Shopify's format). Shopify's limits apply: at least one connection, at
most five, nested at most two deep, no top-level node/nodes, parents of nested connections
must select `id`."""
from __future__ import annotations

from collections.abc import Iterator

from graphql import (FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode,
                     OperationDefinitionNode, get_named_type, parse, validate)

from standins.shopify.records import DomainError
from standins.shopify.schema import load_admin_schema

MAX_CONNECTIONS = 5
MAX_DEPTH = 2


def _invalid(message: str) -> DomainError:
    return DomainError.single(["query"], message, "INVALID")


def _fields(selection_set, fragments):
    for selection in selection_set.selections if selection_set else []:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def _node_selection(field: FieldNode, fragments):
    """The selection on the items of a connection (edges.node or nodes)."""
    for child in _fields(field.selection_set, fragments):
        if child.name.value == "nodes":
            return child.selection_set
        if child.name.value == "edges":
            for grandchild in _fields(child.selection_set, fragments):
                if grandchild.name.value == "node":
                    return grandchild.selection_set
    return None


def _is_connection(graphql_type) -> bool:
    named = get_named_type(graphql_type)
    return named.name.endswith("Connection") and "edges" in getattr(named, "fields", {})


def _node_type(graphql_type):
    return get_named_type(get_named_type(graphql_type).fields["edges"].type).fields["node"].type


def check_structure(document, schema) -> None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise _invalid("Bulk queries must contain exactly one query operation.")
    if operations[0].variable_definitions:
        # bulkOperationRunQuery has no variables argument, so a declared variable could never
        # get a value: refused outright (stricter than leaving it to fail while running).
        raise _invalid("Bulk queries cannot declare variables: write their values into the "
                       "query.")
    fragments = {d.name.value: d for d in document.definitions
                 if d.__class__.__name__ == "FragmentDefinitionNode"}
    found = []

    def walk(selection_set, parent_type, depth):
        for field in _fields(selection_set, fragments):
            definition = getattr(get_named_type(parent_type), "fields", {}).get(field.name.value)
            if definition is None:
                continue
            if _is_connection(definition.type):
                found.append(field.name.value)
                if depth + 1 > MAX_DEPTH:
                    raise _invalid("Bulk queries cannot contain connections with a nesting "
                                   f"depth greater than {MAX_DEPTH}.")
                node_selection = _node_selection(field, fragments)
                node_fields = {f.name.value for f in _fields(node_selection, fragments)}
                walk(node_selection, _node_type(definition.type), depth + 1)
                if depth == 0 and _has_nested_connection(node_selection, _node_type(
                        definition.type), fragments) and "id" not in node_fields:
                    raise _invalid(f"The parent 'node' field for a nested connection must "
                                   f"select the 'id' field. Connection fields without 'id': "
                                   f"{field.name.value}.")
            elif field.selection_set:
                walk(field.selection_set, definition.type, depth)

    top = list(_fields(operations[0].selection_set, fragments))
    if any(f.name.value in ("node", "nodes") for f in top):
        raise _invalid("Bulk queries cannot contain a top level `node` or `nodes` field.")
    walk(operations[0].selection_set, schema.query_type, 0)
    if not found:
        raise _invalid("Bulk queries must contain at least one connection.")
    if len(found) > MAX_CONNECTIONS:
        raise _invalid(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")


def _has_nested_connection(selection_set, parent_type, fragments) -> bool:
    for field in _fields(selection_set, fragments):
        definition = getattr(get_named_type(parent_type), "fields", {}).get(field.name.value)
        if definition is not None and _is_connection(definition.type):
            return True
    return False


def flatten(document, schema, data: dict) -> Iterator[dict]:
    """JSONL objects from an executed bulk query, one at a time, each parent before its
    children (the file is written line by line, never built whole)."""
    fragments = {d.name.value: d for d in document.definitions
                 if d.__class__.__name__ == "FragmentDefinitionNode"}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))

    def emit(field, definition, value, parent_id):
        selection, node_type = _node_selection(field, fragments), _node_type(definition.type)
        for item in _items(value):
            line, children = {}, []
            for child in _fields(selection, fragments):
                key = child.alias.value if child.alias else child.name.value
                if key not in item:
                    continue
                child_definition = get_named_type(node_type).fields.get(child.name.value)
                if child_definition is not None and _is_connection(child_definition.type):
                    children.append((child, child_definition, item[key]))
                else:
                    line[key] = item[key]
            if parent_id is not None:
                line["__parentId"] = parent_id
            yield line
            for child, child_definition, child_value in children:
                yield from emit(child, child_definition, child_value, item.get("id"))

    for field in _fields(operation.selection_set, fragments):
        definition = schema.query_type.fields.get(field.name.value)
        if definition is not None and _is_connection(definition.type):
            yield from emit(field, definition, data.get(field.alias.value if field.alias else
                                                        field.name.value), None)


def _items(value) -> list[dict]:
    if not value:
        return []
    if value.get("nodes") is not None:
        return value["nodes"]
    return [edge["node"] for edge in value.get("edges") or []]


def parse_bulk_query(query: str):
    """The parsed document of a bulk query Shopify would accept; DomainError otherwise."""
    schema = load_admin_schema().schema
    try:
        document = parse(query)
    except GraphQLError as error:
        raise _invalid(f"Invalid bulk query: {error.message}") from error
    errors = validate(schema, document)
    if errors:
        raise _invalid(f"Invalid bulk query: {errors[0].message}")
    check_structure(document, schema)
    return document
