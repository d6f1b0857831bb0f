"""Shopify's search syntax for the `query:` argument: free text, `field:value`, comparisons
(`field:>10`, `updated_at:>='2026-01-01'`), prefix wildcards (`title:cam*`), quoted values,
`-field:value` / `NOT`, `OR` and parentheses. Terms are ANDed by default. Unknown fields are
ignored with a warning, as Shopify does."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from standins.shopify.records import parse_iso

_TOKEN = re.compile(r"""\s*(?:(\()|(\))"""
                    r"""|((?:-)?[A-Za-z_.]+:(?:>=|<=|>|<)?(?:"[^"]*"|'[^']*'|[^\s()]*))"""
                    r"""|("[^"]*"|'[^']*')|([^\s()]+))""")
# kind: "text" (substring), "exact", "number", "date", "id", "bool"
Field = tuple[str, Callable[[dict], Any]]


@dataclass
class Term:
    field: str | None
    op: str
    value: str
    negate: bool = False


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _tokens(query: str) -> list:
    result = []
    for match in _TOKEN.finditer(query):
        opening, closing, fielded, quoted, word = match.groups()
        if opening or closing:
            result.append(opening or closing)
        elif fielded:
            negate = fielded.startswith("-")
            name, _, rest = fielded.lstrip("-").partition(":")
            op = next((o for o in (">=", "<=", ">", "<") if rest.startswith(o)), ":")
            value = rest[len(op):] if op != ":" else rest
            result.append(Term(name.lower(), op, _unquote(value), negate))
        elif quoted:
            result.append(Term(None, ":", _unquote(quoted)))
        elif word in ("AND", "OR", "NOT"):
            result.append(word)
        elif word:
            negate = word.startswith("-") and len(word) > 1
            result.append(Term(None, ":", word[1:] if negate else word, negate))
    return result


def _parse(tokens: list, position: int = 0):
    """Returns (expression, next position); expression is ("and"|"or", [...]) or a Term."""
    alternatives, current, negate_next = [], [], False
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == ")":
            break
        if token == "(":
            expression, position = _parse(tokens, position)
        elif token == "OR":
            alternatives.append(("and", current))
            current = []
            continue
        elif token in ("AND", "NOT"):
            negate_next = token == "NOT"
            continue
        else:
            expression = token
        current.append(("not", expression) if negate_next else expression)
        negate_next = False
    alternatives.append(("and", current))
    return ("or", alternatives), position


def matcher(query: str | None, fields: dict[str, Field], default_fields: list[str],
            warnings: list | None = None) -> Callable[[dict], bool]:
    """A predicate for records; unknown fields are reported in `warnings` and ignored."""
    if not query or not query.strip():
        return lambda record: True
    expression, _ = _parse(_tokens(query))

    def evaluate(node, record) -> bool:
        if isinstance(node, Term):
            result = _match_term(node, record, fields, default_fields, warnings)
            return result != node.negate if result is not None else True
        kind, children = node
        if kind == "not":
            return not evaluate(children, record)
        if kind == "and":
            return all(evaluate(child, record) for child in children)
        return any(evaluate(child, record) for child in children)

    return lambda record: evaluate(expression, record)


def _match_term(term: Term, record, fields, default_fields, warnings) -> bool | None:
    if term.field is None:
        needle = term.value.lower().rstrip("*")
        return any(needle in str(value).lower() for name in default_fields
                   for value in _values(fields[name][1](record)))
    if term.field not in fields:
        if warnings is not None:
            warnings.append({"field": term.field, "message": "Invalid search field for this "
                                                              "query."})
        return None
    kind, getter = fields[term.field]
    return any(_compare(kind, term, value) for value in _values(getter(record)))


def _values(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _compare(kind: str, term: Term, value) -> bool:
    wanted = term.value
    if kind in ("text", "exact"):
        text, needle = str(value).lower(), wanted.lower()
        if needle == "*":
            return True
        if needle.endswith("*"):
            return text.startswith(needle[:-1]) or (
                kind == "text" and any(w.startswith(needle[:-1]) for w in text.split()))
        if kind == "exact":
            return text in needle.split(",")
        return needle in text
    if kind == "bool":
        return str(value).lower() == wanted.lower()
    try:
        if kind == "date":
            left, right = parse_iso(str(value)), parse_iso(wanted)
        elif kind == "id":
            left, right = int(value), int(str(wanted).rsplit("/", 1)[-1])
        else:
            left, right = Decimal(str(value)), Decimal(wanted)
    except (ValueError, InvalidOperation):
        return False
    return {":": left == right, ">": left > right, "<": left < right,
            ">=": left >= right, "<=": left <= right}[term.op]
