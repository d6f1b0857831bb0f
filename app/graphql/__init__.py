"""Shopify Admin GraphQL operations, one ``<name>.graphql`` file per operation, loaded by name."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownOperation(LookupError):
    """No <name>.graphql file exists for the requested operation, or it is malformed."""


def operation_names(directory: Path = OPERATIONS_DIR) -> list[str]:
    """The names (file stems) of every operation in ``directory`` (app/graphql/), sorted."""
    return sorted(path.stem for path in Path(directory).glob("*.graphql"))


@cache
def load_operation(name: str, directory: Path = OPERATIONS_DIR) -> str:
    """The GraphQL text of operation ``name`` (the file stem, e.g. ``"shop_details"``)."""
    if not _NAME.match(name or ""):
        raise UnknownOperation(f"{name!r} is not a valid operation name (snake_case file stem).")
    path = Path(directory) / f"{name}.graphql"
    if not path.is_file():
        raise UnknownOperation(f"No GraphQL operation named {name!r} in {directory}.")
    return path.read_text(encoding="utf-8")


@cache
def operation_kind(name: str, directory: Path = OPERATIONS_DIR) -> str:
    """``"query"`` or ``"mutation"``: the kind of the single operation in ``<name>.graphql``."""
    from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

    try:
        document = parse(load_operation(name, directory))
    except GraphQLSyntaxError as exc:
        raise UnknownOperation(f"{name}.graphql is not valid GraphQL: {exc.message}") from exc
    kinds = [
        node.operation.value
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode)
    ]
    if len(kinds) != 1:
        raise UnknownOperation(
            f"{name}.graphql must hold exactly one operation, found {len(kinds)}."
        )
    return kinds[0]


def with_inlined_variables(text: str, variables: dict) -> str:
    """The operation ``text`` with each ``$variable`` replaced by its value written as a literal
    and the variable definitions dropped. Bulk queries take no variables
    (``bulkOperationRunQuery(query: String!)``), so their filters are written into the text;
    building the literal from the syntax tree keeps any quote in a value from breaking it."""
    from graphql import (BooleanValueNode, FloatValueNode, IntValueNode, NullValueNode,
                         StringValueNode, Visitor, parse, print_ast, visit)

    def literal(value):
        if value is None:
            return NullValueNode()
        if isinstance(value, bool):
            return BooleanValueNode(value=value)
        if isinstance(value, int):
            return IntValueNode(value=str(value))
        if isinstance(value, float):
            return FloatValueNode(value=repr(value))
        if isinstance(value, str):
            return StringValueNode(value=value)
        raise TypeError(f"cannot inline a {type(value).__name__} into a GraphQL operation")

    class Inline(Visitor):
        def enter_variable_definition(self, *_args):
            return Visitor.REMOVE

        def enter_variable(self, node, *_args):
            if node.name.value not in variables:
                raise UnknownOperation(f"no value for ${node.name.value}")
            return literal(variables[node.name.value])

    return print_ast(visit(parse(text), Inline()))
