"""Plumbing for the resolvers: the request context, a registry that attaches resolvers to the
real schema's fields, the default resolver that refuses fields the stand-in does not implement,
Relay connections with Shopify's cursor rules, and money objects."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from graphql import GraphQLError, GraphQLResolveInfo
from graphql.execution.values import get_directive_values

from standins.shopify.records import money_bag, money_v2

MAX_PAGE_SIZE = 250
RESOLVERS: dict[tuple[str, str], Callable] = {}


@dataclass
class RequestContext:
    """What every resolver may read: the store, the shop and who is asking."""

    store: Any
    shop: Any
    granted_scopes: frozenset[str]
    api_version: str
    app_id: str = "default"
    bulk: bool = False  # inside bulkOperationRunQuery: connections are not paginated
    search_warnings: list = field(default_factory=list)


def resolver(type_name: str, *field_names: str):
    """Register `fn(source, info, **args)` as the resolver of type_name.field for each name."""
    def register(fn):
        for name in field_names:
            RESOLVERS[(type_name, name)] = fn
        return fn
    return register


def attach_resolvers(schema) -> None:
    for (type_name, field_name), fn in RESOLVERS.items():
        graphql_type = schema.get_type(type_name)
        if graphql_type is None or field_name not in graphql_type.fields:
            raise RuntimeError(f"{type_name}.{field_name} is not in the Admin schema")
        graphql_type.fields[field_name].resolve = fn


def stand_in_field_resolver(source, info: GraphQLResolveInfo, **_args):
    """Plain record fields; a key that is absent means the stand-in does not model it."""
    name = info.field_name
    if isinstance(source, dict) and name in source:
        return source[name]
    raise GraphQLError(
        f"Field {info.parent_type.name}.{name} is not implemented by the local Shopify stand-in.",
        extensions={"code": "NOT_IMPLEMENTED_BY_STAND_IN"})


def resolve_abstract_type(value, _info, _abstract_type):
    return value.get("__typename") if isinstance(value, dict) else None


def ctx(info: GraphQLResolveInfo) -> RequestContext:
    return info.context


def idempotency_key(info: GraphQLResolveInfo) -> str | None:
    """The key of `@idempotent(key:)` on the field being resolved (None when absent)."""
    directive = info.schema.get_directive("idempotent")
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return (values or {}).get("key")


# -- money -----------------------------------------------------------------------------------
def bag(info, amount: Decimal) -> dict:
    return money_bag(Decimal(amount), ctx(info).shop.currency)


def v2(info, amount: Decimal) -> dict:
    return money_v2(Decimal(amount), ctx(info).shop.currency)


def serialize_money(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def serialize_decimal(value) -> str:
    amount = Decimal(str(value))
    text = format(amount.normalize(), "f")
    return text if "." in text else text + ".0"


def parse_decimal_input(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("expected a decimal number as a string")
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise ValueError(f"{value!r} is not a decimal number") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a decimal number")
    return str(value).strip()


# -- connections ------------------------------------------------------------------------------
def _encode(sort_value, number: int) -> str:
    raw = json.dumps({"last_id": number, "last_value": sort_value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _decode(cursor: str):
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return (data["last_value"], data["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}",
                           extensions={"code": "BAD_REQUEST"}) from exc


def check_page_size(info, args: dict) -> None:
    first, last = args.get("first"), args.get("last")
    if ctx(info).bulk:
        return
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise GraphQLError(f"The {name} argument must be between 0 and {MAX_PAGE_SIZE}.",
                               extensions={"code": "BAD_REQUEST"})


def connection(info, items: list[dict], args: dict, type_name: str,
               sort_key: Callable[[dict], Any] | None = None) -> dict:
    """A Relay connection over `items` honouring first/last/after/before/reverse."""
    check_page_size(info, args)
    keyed = sorted((((sort_key(item) if sort_key else 0, item.get("_number", position)), item)
                    for position, item in enumerate(items)), key=lambda pair: pair[0])
    if args.get("reverse"):
        keyed.reverse()
    descending = bool(args.get("reverse"))
    window = keyed
    if args.get("after"):
        mark = tuple(_decode(args["after"]))
        window = [(k, i) for k, i in window if (k < mark if descending else k > mark)]
    if args.get("before"):
        mark = tuple(_decode(args["before"]))
        window = [(k, i) for k, i in window if (k > mark if descending else k < mark)]
    start, stop = 0, len(window)
    if args.get("first") is not None and not ctx(info).bulk:
        stop = min(stop, args["first"])
    if args.get("last") is not None and not ctx(info).bulk:
        start = max(start, stop - args["last"])
    page = window[start:stop]
    edges = [{"__typename": f"{type_name}Edge", "cursor": _encode(k[0], k[1]), "node": item}
             for k, item in page]
    has_previous = start > 0 or (bool(args.get("after")) and len(window) < len(keyed))
    return {"__typename": f"{type_name}Connection", "edges": edges,
            "nodes": [e["node"] for e in edges],
            "pageInfo": {"__typename": "PageInfo", "hasNextPage": stop < len(window),
                         "hasPreviousPage": has_previous,
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def count(value: int, limit: int | None = None) -> dict:
    if limit is not None and value > limit:
        return {"__typename": "Count", "count": limit, "precision": "AT_LEAST"}
    return {"__typename": "Count", "count": value, "precision": "EXACT"}


def user_errors(errors: list[dict], with_code: bool = True) -> list[dict]:
    """userErrors entries; `code`/`elementIndex` are harmless extra keys on UserError."""
    return [{"field": e.get("field"), "message": e["message"], "code": e.get("code"),
             "elementIndex": e.get("elementIndex")} for e in errors] if with_code else [
        {"field": e.get("field"), "message": e["message"]} for e in errors]


def legacy_id(record: dict) -> str:
    return str(record["_number"])
