"""Bulk query operations: the query runs at once without pagination and its result becomes a
JSONL file, one object per line, with the objects of nested connections on their own lines
carrying `__parentId` (Shopify's format). Shopify's limits apply: at least one connection, at
most five, nested at most two deep, no top-level node/nodes, parents of nested connections
must select `id`."""
from __future__ import annotations

import json

from graphql import (FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode,
                     OperationDefinitionNode, get_named_type, parse, validate)

from standins.shopify.payloads import bulk_operation_payload
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


def flatten(document, schema, data: dict) -> list[dict]:
    """JSONL objects from an executed bulk query, each parent followed by its children."""
    fragments = {d.name.value: d for d in document.definitions
                 if d.__class__.__name__ == "FragmentDefinitionNode"}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    lines: list[dict] = []

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
            lines.append(line)
            for child, child_definition, child_value in children:
                emit(child, child_definition, child_value, item.get("id"))

    for field in _fields(operation.selection_set, fragments):
        definition = schema.query_type.fields.get(field.name.value)
        if definition is not None and _is_connection(definition.type):
            emit(field, definition, data.get(field.alias.value if field.alias else
                                              field.name.value), None)
    return lines


def _items(value) -> list[dict]:
    if not value:
        return []
    if value.get("nodes") is not None:
        return value["nodes"]
    return [edge["node"] for edge in value.get("edges") or []]


def run_bulk_query(context, query: str) -> dict:
    """bulkOperationRunQuery: validate, run now, store the JSONL, emit bulk_operations/finish."""
    from standins.shopify.graphql_api import run_operation
    schema = load_admin_schema().schema
    try:
        document = parse(query)
    except GraphQLError as error:
        raise _invalid(f"Invalid bulk query: {error.message}") from error
    errors = validate(schema, document)
    if errors:
        raise _invalid(f"Invalid bulk query: {errors[0].message}")
    check_structure(document, schema)
    shop = context.shop
    number, operation_id = shop.new_id("BulkOperation")
    operation = {"__typename": "BulkOperation", "id": operation_id, "_number": number,
                 "type": "QUERY", "query": query, "createdAt": shop.now(), "status": "RUNNING",
                 "errorCode": None, "completedAt": None, "objectCount": 0,
                 "rootObjectCount": 0, "fileSize": None, "url": None, "partialDataUrl": None}
    shop.bulk_operations[operation_id] = operation
    result = run_operation(context, document, {}, None, bulk=True)
    if result.errors:
        code = "ACCESS_DENIED" if any((e.extensions or {}).get("code") == "ACCESS_DENIED"
                                      for e in result.errors) else "INTERNAL_SERVER_ERROR"
        operation.update(status="FAILED", errorCode=code, completedAt=shop.now())
    else:
        lines = flatten(document, schema, result.data or {})
        text = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
                       for line in lines)
        context.store.save_bulk_result(number, text)
        operation.update(status="COMPLETED", completedAt=shop.now(), objectCount=len(lines),
                         rootObjectCount=sum(1 for line in lines if "__parentId" not in line),
                         fileSize=len(text.encode()) if lines else None,
                         url=context.store.bulk_result_url(number) if lines else None)
    shop.emit("bulk_operations/finish", bulk_operation_payload(operation))
    return operation
