"""Calculated query cost as Shopify documents it: scalars and enums 0, objects 1, interfaces and
unions the most expensive of their possible selections, connections 2 plus their page size
(first/last) times the cost of one node, mutations 10 (plus the input complexity the schema
states, e.g. 0.2 per productSet variant). Requested cost comes from the document; actual cost
walks the response, so a page with fewer items costs less.

A mutation's fractional input complexity is rounded to the nearest point, not up: Shopify's
changelog "Dynamic complexity cost for productSet mutation" (2025-10,
https://shopify.dev/changelog/dynamic-complexity-cost-for-productset-mutation) prices a simple
product update with 1 variant (10 + 0.2) at 10 points, and its other examples (20 variants and
5 product metafields: 16; 200 variants, 10 files, 20 metafields: 77) are exact sums. Whether
Shopify rounds a half up or truncates is not stated; rounding half up is the dearer reading.

Approximations, stated: inside a mutation payload plain objects are free (only connections add
cost); a list of objects that is not a connection costs one element (`nodes(ids:)` costs
one per id); `pageInfo` is part of a connection's 2 points; `@skip`/`@include` are not
evaluated."""
from __future__ import annotations

import math

from graphql import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLObjectType,
                     InlineFragmentNode, OperationDefinitionNode, get_named_type, is_leaf_type)
from graphql.execution.values import get_argument_values

MUTATION_COST = 10
CONNECTION_COST = 2
DEFAULT_PAGE = 1


class CostCalculator:
    def __init__(self, admin, document, variables: dict):
        self.schema = admin.schema
        self.input_complexity = admin.input_complexity
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    # -- entry points -----------------------------------------------------------------------
    def requested(self, operation: OperationDefinitionNode) -> int:
        return self._root(operation, None)

    def actual(self, operation: OperationDefinitionNode, data: dict | None) -> int:
        return self._root(operation, data or {})

    def _root(self, operation, data) -> int:
        if operation.operation.value == "mutation":
            root_type, total = self.schema.mutation_type, 0.0
            for field in self._fields(operation.selection_set, root_type):
                definition = root_type.fields.get(field.name.value)
                if definition is None:
                    continue
                total += MUTATION_COST + self._input_cost(definition, field)
                total += self._selection(definition.type, field.selection_set,
                                         self._value(data, field), free_objects=True)
            return _nearest(total)
        return math.ceil(self._selection(self.schema.query_type, operation.selection_set,
                                         data, free_objects=False))

    # -- selections ----------------------------------------------------------------------------
    def _fields(self, selection_set, parent_type):
        for selection in selection_set.selections if selection_set else []:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, parent_type)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._fields(fragment.selection_set, parent_type)

    @staticmethod
    def _value(data, field):
        if data is None:
            return None
        key = field.alias.value if field.alias else field.name.value
        return data.get(key) if isinstance(data, dict) else None

    def _selection(self, parent_type, selection_set, data, free_objects: bool) -> float:
        """Cost of the fields selected on one object of `parent_type` (for interfaces and
        unions: the most expensive of the types the selection names)."""
        named = get_named_type(parent_type)
        best = 0.0
        for candidate in self._candidates(named, selection_set):
            total = 0.0
            for field in self._fields(selection_set, candidate):
                definition = getattr(candidate, "fields", {}).get(field.name.value)
                if definition is not None:
                    total += self._field(definition, field, self._value(data, field),
                                         data is not None, free_objects)
            best = max(best, total)
        return best

    def _candidates(self, named, selection_set) -> list:
        if isinstance(named, GraphQLObjectType):
            return [named]
        found = [named] if hasattr(named, "fields") else []
        for selection in selection_set.selections if selection_set else []:
            condition = None
            if isinstance(selection, InlineFragmentNode) and selection.type_condition:
                condition = selection.type_condition.name.value
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                condition = fragment.type_condition.name.value if fragment else None
            condition_type = self.schema.get_type(condition) if condition else None
            if condition_type is not None and condition_type not in found:
                found.append(condition_type)
        return found or [named]

    def _field(self, definition, field, value, actual: bool, free_objects: bool) -> float:
        named = get_named_type(definition.type)
        if is_leaf_type(named) or field.name.value.startswith("__"):
            return 0.0
        if named.name.endswith("Connection") and "edges" in getattr(named, "fields", {}):
            return self._connection(definition, field, named, value, actual)
        own = 0.0 if free_objects else 1.0
        if "ids" in definition.args:  # nodes(ids:) is priced per id
            return self._per_id(definition, field, named, value, actual)
        if actual and value is None:
            return own
        if isinstance(value, list):
            value = value[0] if value else None
            if actual and value is None:
                return own
        return own + self._selection(named, field.selection_set, value if actual else None,
                                     free_objects)

    def _per_id(self, definition, field, named, value, actual: bool) -> float:
        if actual:
            return sum(1 + self._selection(named, field.selection_set, item, False)
                       for item in value or [] if item is not None)
        try:
            ids = get_argument_values(definition, field, self.variables).get("ids") or []
        except Exception:  # invalid arguments fail validation or execution anyway
            ids = []
        return len(ids) * (1 + self._selection(named, field.selection_set, None, False))

    def _connection(self, definition, field, named, value, actual: bool) -> float:
        node_type = get_named_type(named.fields["edges"].type).fields["node"].type
        if actual:
            items = self._items(field, value)
            return CONNECTION_COST + sum(self._node_cost(field, node_type, item)
                                         for item in items)
        size = self._page_size(definition, field)
        return CONNECTION_COST + size * self._node_cost(field, node_type, None)

    def _node_cost(self, connection_field, node_type, item) -> float:
        total = 0.0
        for child in self._fields(connection_field.selection_set, None):
            if child.name.value == "nodes":
                total += 1 + self._selection(node_type, child.selection_set, item, False)
            elif child.name.value == "edges":
                for grandchild in self._fields(child.selection_set, None):
                    if grandchild.name.value == "node":
                        total += 1 + self._selection(node_type, grandchild.selection_set,
                                                     item, False)
        return total

    def _items(self, field, value) -> list:
        if not isinstance(value, dict):
            return []
        for child in self._fields(field.selection_set, None):
            key = child.alias.value if child.alias else child.name.value
            if child.name.value == "nodes" and isinstance(value.get(key), list):
                return value[key]
            if child.name.value == "edges" and isinstance(value.get(key), list):
                nodes = []
                for edge in value[key]:
                    for grandchild in self._fields(child.selection_set, None):
                        if grandchild.name.value == "node" and isinstance(edge, dict):
                            alias = grandchild.alias.value if grandchild.alias else "node"
                            nodes.append(edge.get(alias))
                return nodes
        return []

    def _page_size(self, definition, field) -> int:
        try:
            args = get_argument_values(definition, field, self.variables)
        except Exception:  # invalid arguments fail validation or execution anyway
            return DEFAULT_PAGE
        size = args.get("first") if args.get("first") is not None else args.get("last")
        return max(0, size) if isinstance(size, int) else DEFAULT_PAGE

    # -- input complexity ----------------------------------------------------------------------
    def _input_cost(self, definition, field) -> float:
        try:
            args = get_argument_values(definition, field, self.variables)
        except Exception:
            return 0.0
        total = 0.0
        for name, argument in definition.args.items():
            total += self._input_value(argument.type, args.get(name))
        return total

    def _input_value(self, graphql_type, value) -> float:
        named = get_named_type(graphql_type)
        if value is None or not hasattr(named, "fields"):
            return 0.0
        if isinstance(value, list):
            return sum(self._input_value(named, item) for item in value)
        total = 0.0
        for name, input_field in named.fields.items():
            item = value.get(name) if isinstance(value, dict) else None
            per_item = self.input_complexity.get((named.name, name))
            if per_item and isinstance(item, list):
                total += per_item * len(item)
            elif per_item and item is not None:
                total += per_item
            total += self._input_value(input_field.type, item)
        return total


def _nearest(points: float) -> int:
    """Whole points, a half rounded up (sums of 0.2, 0.4 and 1.9 carry float noise)."""
    return math.floor(round(points, 6) + 0.5)
