"""Every Shopify operation validates against the real 2026-10 Admin schema and the app's scopes.

New files in app/graphql/ are picked up automatically: an operation with an unknown field, a
wrong argument or a field needing a scope that shopify.app.toml does not request fails here.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    parse,
    validate,
    visit,
)

from app.config import toml_scopes
from app.graphql import OPERATIONS_DIR, operation_names
from standins.shopify.schema import SCHEMA_FILE

DATA = Path(__file__).resolve().parent / "data"
TEST_OPERATIONS_DIR = DATA / "graphql"


@dataclass(frozen=True)
class AdminSchema:
    schema: GraphQLSchema
    # (type name, field name or None for the type itself) -> scopes, any one of which suffices
    scopes_needed: dict[tuple[str, str | None], frozenset[str]]


@pytest.fixture(scope="session")
def admin_schema() -> AdminSchema:
    with gzip.open(SCHEMA_FILE) as handle:
        raw = json.load(handle)
    schema = build_client_schema(raw["data"])
    # Shopify's schema has deprecated fields implementing non-deprecated interface fields,
    # which graphql-core 3.3 refuses by default; Shopify serves it as is, so accept it.
    schema._validation_errors = []
    needed = {
        (item["typeName"], item.get("fieldName") if item["type"] == "field" else None):
            frozenset(item["offlineScopes"])
        for item in raw["offline_scopes"]["items"]
        if item["offlineScopes"]
    }
    return AdminSchema(schema, needed)


@pytest.fixture(scope="session")
def app_scopes() -> set[str]:
    return {scope.strip() for scope in toml_scopes().split(",") if scope.strip()}


def _named_type(graphql_type):
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


def required_scopes(admin: AdminSchema, document) -> list[tuple[str, frozenset[str]]]:
    """(what, alternatives) for every selected field and returned type that needs a scope."""
    info = TypeInfo(admin.schema)
    found: list[tuple[str, frozenset[str]]] = []

    class Collect(Visitor):
        def enter_field(self, node, *_args):
            parent, field_type = info.get_parent_type(), info.get_type()
            if parent is not None and (parent.name, node.name.value) in admin.scopes_needed:
                key = (parent.name, node.name.value)
                found.append((f"{key[0]}.{key[1]}", admin.scopes_needed[key]))
            if field_type is not None:
                type_name = _named_type(field_type).name
                if (type_name, None) in admin.scopes_needed:
                    found.append((type_name, admin.scopes_needed[(type_name, None)]))

    visit(document, TypeInfoVisitor(info, Collect()))
    return found


def is_granted(alternatives: frozenset[str], granted: set[str]) -> bool:
    implied = {"read_" + scope[len("write_"):] for scope in granted if scope.startswith("write_")}
    return bool(alternatives & (granted | implied))


def contract_problems(admin: AdminSchema, text: str, granted: set[str]) -> list[str]:
    """Why an operation would fail against Shopify: syntax, schema or scope problems."""
    document = parse(text)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        return ["a file must hold exactly one named operation"]
    problems = [error.message for error in validate(admin.schema, document)]
    if problems:
        return problems
    return [
        f"{what} needs one of {sorted(alternatives)}"
        for what, alternatives in required_scopes(admin, document)
        if not is_granted(alternatives, granted)
    ]


@pytest.mark.parametrize("name", operation_names(), ids=str)
def test_app_operation_matches_schema_and_requested_scopes(admin_schema, app_scopes, name):
    text = (OPERATIONS_DIR / f"{name}.graphql").read_text()
    assert contract_problems(admin_schema, text, app_scopes) == []


@pytest.mark.parametrize("name", operation_names(TEST_OPERATIONS_DIR), ids=str)
def test_operations_used_by_client_tests_are_real_shopify_operations(
    admin_schema, app_scopes, name
):
    text = (TEST_OPERATIONS_DIR / f"{name}.graphql").read_text()
    assert contract_problems(admin_schema, text, app_scopes) == []


def test_app_ships_its_shopify_operations():
    assert {"shop_details", "locations"} <= set(operation_names())


def test_unknown_field_and_wrong_argument_are_reported(admin_schema, app_scopes):
    unknown_field = "query Broken { shop { name currency } }"
    wrong_argument = "query Broken { locations(first: 5, onlyActive: true) { nodes { id } } }"
    field_problems = contract_problems(admin_schema, unknown_field, app_scopes)
    argument_problems = contract_problems(admin_schema, wrong_argument, app_scopes)
    assert any("currency" in problem for problem in field_problems)
    assert any("onlyActive" in problem for problem in argument_problems)


def test_missing_scope_is_reported_and_write_scope_implies_read(admin_schema):
    orders = "query Orders { orders(first: 1) { nodes { id name } } }"
    gaps = contract_problems(admin_schema, orders, {"read_products"})
    assert any("read_orders" in gap for gap in gaps)
    assert contract_problems(admin_schema, orders, {"write_orders"}) == []


def test_file_with_two_operations_is_refused(admin_schema, app_scopes):
    two = "query A { shop { name } }\nquery B { shop { name } }"
    assert contract_problems(admin_schema, two, app_scopes) == [
        "a file must hold exactly one named operation"
    ]
