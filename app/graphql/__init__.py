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
