"""The Admin GraphQL endpoint of the stand-in, minus HTTP: parse and validate against the real
2026-10 schema, price the query, take it from the shop's leaky bucket, execute with access scopes
enforced, and answer in Shopify's shapes (200 with `errors` for GraphQL problems, THROTTLED,
MAX_COST_EXCEEDED, ACCESS_DENIED; 404 for an unknown version or shop; 400 without a query)."""
from __future__ import annotations

import copy
import functools
import logging
import re
import threading
from dataclasses import replace

from graphql import (ExecutionResult, GraphQLError, execute, get_operation_ast, parse, validate)
from graphql.execution.values import get_variable_values
from graphql.language import ast as graphql_ast

from standins.shopify import resolvers
from standins.shopify.cost import CostCalculator
from standins.shopify.resolvers.common import (parse_decimal_input, serialize_decimal,
                                                  serialize_money)
from standins.shopify.schema import SERVED_VERSIONS, AdminSchema, load_admin_schema
from standins.shopify.scopes import expand_scopes, install_scope_checks

log = logging.getLogger(__name__)

MAX_QUERY_COST = 1000
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
VALIDATION_CODES = (
    (re.compile(r"^Cannot query field"), "undefinedField"),
    (re.compile(r"^Unknown argument"), "argumentNotAccepted"),
    (re.compile(r"^Unknown type"), "undefinedType"),
    (re.compile(r"^Unknown directive"), "undefinedDirective"),
    (re.compile(r"argument .* is required, but it was not provided"), "missingRequiredArguments"),
    (re.compile(r"^Variable .* is never used"), "variableNotUsed"),
    (re.compile(r"^Variable .* is not defined"), "undefinedVariable"),
)

_prepare_lock = threading.Lock()
_prepared = False


def prepared_schema() -> AdminSchema:
    """The Admin schema with the stand-in's resolvers, scalars and scope checks attached."""
    global _prepared
    admin = load_admin_schema()
    with _prepare_lock:
        if not _prepared:
            _install_scalars(admin.schema)
            resolvers.attach_resolvers(admin.schema)
            install_scope_checks(admin)
            _prepared = True
    return admin


def _literal_decimal(node, _variables=None):
    if isinstance(node, (graphql_ast.StringValueNode, graphql_ast.IntValueNode,
                         graphql_ast.FloatValueNode)):
        return parse_decimal_input(node.value)
    raise ValueError("expected a decimal number as a string")


def _install_scalars(schema) -> None:
    # graphql-core 3.3 reads coerce_*; 3.2 reads serialize/parse_*: set both.
    for name, serialize in (("Money", serialize_money), ("Decimal", serialize_decimal)):
        scalar = schema.get_type(name)
        scalar.serialize = scalar.coerce_output_value = serialize
        scalar.parse_value = scalar.coerce_input_value = parse_decimal_input
        scalar.parse_literal = _literal_decimal
    unsigned = schema.get_type("UnsignedInt64")
    unsigned.serialize = unsigned.coerce_output_value = lambda value: str(int(value))


def execute_admin_graphql(store, shop_domain: str, body, *, granted_scopes, api_version: str,
                          app_id: str = "default") -> tuple[int, dict]:
    """Answer one POST to /admin/api/{api_version}/graphql.json: (HTTP status, JSON body)."""
    if api_version not in SERVED_VERSIONS or not store.has_shop(shop_domain):
        return 404, {"errors": "Not Found"}
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return 400, {"errors": {"query": "Required parameter missing or invalid"}}
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return 400, {"errors": {"variables": "Variables must be a JSON object"}}
    admin = prepared_schema()
    document, refusal = _checked_document(query)
    if refusal is not None:
        return 200, copy.deepcopy(refusal)
    operation_name = body.get("operationName")
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (f"No operation named '{operation_name}'" if operation_name else
                   "An operation name is required when the document has several operations.")
        return 200, {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    coerced = get_variable_values(admin.schema, operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        return 200, {"errors": [_shaped(e, "INVALID_VARIABLE") for e in coerced]}
    return _priced_execution(store, shop_domain, admin, document, operation, variables,
                             coerced, operation_name, granted_scopes, api_version, app_id)


@functools.lru_cache(maxsize=512)
def _checked_document(query: str):
    """(document, None) for a valid query, (None, Shopify's error body) otherwise. Apps send
    the same few operations again and again, so the answer is kept per query text."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, {"errors": [_shaped(error, "PARSE_ERROR")]}
    problems = validate(prepared_schema().schema, document)
    if problems:
        return None, {"errors": [_shaped(e, _validation_code(e.message)) for e in problems]}
    return document, None


def _priced_execution(store, shop_domain, admin, document, operation, variables, coerced,
                      operation_name, granted_scopes, api_version, app_id) -> tuple[int, dict]:
    calculator = CostCalculator(admin, document, coerced)
    requested = calculator.requested(operation)
    bucket = store.bucket(shop_domain, app_id)
    if requested > MAX_QUERY_COST:
        return 200, {"errors": [_max_cost_error(requested)],
                     "extensions": _cost(requested, None, bucket.status())}
    if not bucket.try_spend(requested):
        return 200, {"errors": [{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": RATE_LIMIT_DOCS}}],
            "extensions": _cost(requested, None, bucket.status())}
    with store.transaction():
        store.shop(shop_domain).acting_app = app_id
        context = resolvers.RequestContext(
            store=store, shop=store.shop(shop_domain),
            granted_scopes=expand_scopes(granted_scopes), api_version=api_version,
            app_id=app_id)
        result = run_operation(context, document, variables, operation_name)
    actual = calculator.actual(operation, result.data)
    bucket.refund(requested - actual)
    response: dict = {}
    if result.errors:
        response["errors"] = [_execution_error(e) for e in result.errors]
    response["data"] = result.data
    response["extensions"] = _cost(requested, actual, bucket.status())
    if context.search_warnings:
        response["extensions"]["search"] = [{"warnings": context.search_warnings}]
    return 200, response


def run_operation(context, document, variables: dict, operation_name: str | None,
                  bulk: bool = False) -> ExecutionResult:
    """Execute a validated document for `context` (bulk: connections are not paginated)."""
    admin = prepared_schema()
    if bulk:
        context = replace(context, bulk=True, search_warnings=[])
    return execute(admin.schema, document, root_value={}, context_value=context,
                   variable_values=variables, operation_name=operation_name,
                   field_resolver=resolvers.stand_in_field_resolver,
                   type_resolver=resolvers.resolve_abstract_type)


def _cost(requested: int, actual: int | None, status: dict) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": status}}


def _max_cost_error(requested: int) -> dict:
    return {"message": f"Query cost is {requested}, which exceeds the single query max cost "
                       f"limit ({MAX_QUERY_COST}).\n\nSee {RATE_LIMIT_DOCS} for more information "
                       "on how the cost of a query is calculated.\n\nTo query larger amounts of "
                       "data with fewer limits, bulk operations should be used instead.",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                           "maxCost": MAX_QUERY_COST, "documentation": RATE_LIMIT_DOCS}}


def _validation_code(message: str) -> str:
    for pattern, code in VALIDATION_CODES:
        if pattern.search(message):
            return code
    return "GRAPHQL_VALIDATION_FAILED"


def _shaped(error: GraphQLError, code: str) -> dict:
    shaped = dict(error.formatted)
    shaped["extensions"] = {**(shaped.get("extensions") or {}), "code": code}
    return shaped


def _execution_error(error: GraphQLError) -> dict:
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        log.error("stand-in resolver failed at %s: %r", error.path, original,
                  exc_info=original)
        shaped = dict(error.formatted)
        shaped["message"] = "Internal error. Looks like something went wrong on our end."
        shaped["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "exception": repr(original)}
        return shaped
    return dict(error.formatted)
