"""Query cost: an estimate of the upstream loads an operation can trigger.

The price list is the resolvers' own declaration (``resolvers.loads``): each field that
reaches a source says next to itself which loads it makes, and each load has a weight.
Everything else (scalars, money, order lines, ``__typename``, introspection) is free.

A load is charged once per object that keys it, however many fields read it: an order's
ERP billing documents once per order whether ``invoices``, ``refundable`` or a refund's
``erpCreditMemo`` asks, a parcel's tracking once per parcel. A field declared on an
object inside another (a line's ``refundableQuantity`` rides on its order's loads) is
charged with that enclosing object, once, not once per line. A lookup or a page is keyed
by its arguments and charged every time it is selected.

A list multiplies what is selected under it. A paged field (one with a ``first``
argument: a Relay connection, or a list that takes ``first``) multiplies its items by the
page size asked for (the schema's default when absent, a variable's value when given, at
most 250; a batch of lookups by key, ``_entities(representations:)``, by the length of
the list its declaration names in ``items_from``), and every item costs at least 1, as
Shopify prices each object of a connection: the upstream sends it and the gateway builds
it even when the selection on it loads nothing more. Without that floor a page whose items
read only fields of the page's own records was priced as its one call, so a page of pages
(``orders(first: 100) { ... customer { orders(first: 100) { ... number } } }``) cost 202
while it asked for 10,000 orders in 100 unbatched OMS pages. Any other list is assumed to
hold ``ASSUMED_LIST_SIZE`` items, which cost only what they load: their length is not the
client's to choose, and they arrive in their parent's load. Every operation costs at
least 1.

The estimate is an upper bound: dataloaders batch and de-duplicate across objects, which a
static estimate cannot see.

Fragments, inline fragments and variables are followed; names never matter (an
operation or fragment called ``__schema`` is priced like any other; only the
introspection *fields*, which never reach an upstream, are free).

    Order.customer reads Load.CRM_CONTACT (weight 1), so
    orders(first: 20) { edges { node { customer { name } } } }
    -> 1 (operation) + 1 (Query.orders) + 20 * max(1, 1 (Order.customer)) = 22
    orders(first: 20) { edges { node { number } } }
    -> 1 (operation) + 1 (Query.orders) + 20 * max(1, 0) = 22
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from resolvers.loads import Load, Needs, declarations

from .document import CAP, MAX_NESTING, FragmentMemo, operations

__all__ = [
    "ASSUMED_LIST_SIZE",
    "MAX_PAGE_SIZE",
    "Prices",
    "estimate_cost",
    "estimate_cost_reading",
]

ASSUMED_LIST_SIZE = 5
"""Items assumed in a list with no ``first``: parcels, cases, invoices, refunds of one order."""
MAX_PAGE_SIZE = 250
"""The resolvers refuse larger pages; pricing never assumes more."""

Prices = Mapping[str, Needs]
"""``"Type.field"`` to what resolving it loads (``resolvers.loads.declarations``)."""

_Owed = frozenset[tuple[str, Load]]
"""Loads a selection set leaves to an enclosing object: (the type that keys each, load)."""


def _selected(document: DocumentNode, operation_name: str | None) -> list[OperationDefinitionNode]:
    found = list(operations(document))
    if operation_name is not None:
        named = [op for op in found if op.name is not None and op.name.value == operation_name]
        return named or found
    return found


class _Estimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        prices: Prices,
    ) -> None:
        self.schema = schema
        self.prices = prices
        self.memo = FragmentMemo(document)
        self.fragment_owed: dict[tuple[str, bool], _Owed] = {}
        self.variables = dict(variables)
        self.read: set[str] = set()  # variables some ``first`` argument read
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)

    def items_asked(self, node: FieldNode, argument: str) -> int:
        """Elements of the list argument ``argument`` (a literal or a variable), clamped."""
        given: object = None
        for arg in node.arguments or ():
            if arg.name.value != argument:
                continue
            if isinstance(arg.value, ListValueNode):
                given = len(arg.value.values)
            elif isinstance(arg.value, VariableNode):
                self.read.add(arg.value.name.value)
                value = self.variables.get(arg.value.name.value)
                given = len(value) if isinstance(value, list) else MAX_PAGE_SIZE
            else:
                given = 1  # one value where a list is expected: coerced to a list of one
        if not isinstance(given, int):
            return 0  # absent: validation refuses the document before it is priced
        return min(given, MAX_PAGE_SIZE)

    def page_size(
        self, node: FieldNode, field: GraphQLField, needs: Needs | None = None
    ) -> int | None:
        """``first`` of a connection field, clamped; ``None`` when the field has none."""
        if needs is not None and needs.items_from is not None:
            return self.items_asked(node, needs.items_from)
        argument = field.args.get("first")
        if argument is None:
            return None
        given: object = argument.default_value
        default_node = argument.ast_node.default_value if argument.ast_node else None
        if isinstance(default_node, IntValueNode):
            # graphql-core 3.3 keeps an SDL-built schema's defaults as literals.
            given = int(default_node.value)
        for arg in node.arguments or ():
            if arg.name.value != "first":
                continue
            if isinstance(arg.value, IntValueNode):
                given = int(arg.value.value)
            elif isinstance(arg.value, VariableNode):
                self.read.add(arg.value.name.value)
                given = self.variables.get(arg.value.name.value, given)
        if not isinstance(given, int) or isinstance(given, bool):
            given = MAX_PAGE_SIZE  # unknown: price the worst page the resolvers allow
        return max(0, min(given, MAX_PAGE_SIZE))

    def field_cost(
        self, node: FieldNode, parent: GraphQLNamedType, paged: bool, level: int
    ) -> tuple[int, Needs | None, _Owed]:
        """What is selected under the field, the field's own loads, and loads owed upward."""
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0, None, frozenset()  # __typename and introspection: answered by the gateway
        field = parent.fields.get(name)
        if field is None:
            return 0, None, frozenset()
        needs = self.prices.get(f"{parent.name}.{name}")
        if node.selection_set is None:
            return 0, needs, frozenset()
        child = get_named_type(field.type)
        is_list = is_list_type(get_nullable_type(field.type))
        page = self.page_size(node, field, needs)
        if page is not None:
            # A connection's items are the lists of its selection (edges), already
            # counted here: ``paged`` tells them so. A paged list is its own items, and
            # lists inside those items are lists like any other.
            each, owed = self.cost(node.selection_set, child, not is_list, level + 1)
            return page * max(1, each), needs, owed
        times = (1 if paged else ASSUMED_LIST_SIZE) if is_list else 1
        below, owed = self.cost(node.selection_set, child, False, level + 1)
        return times * below, needs, owed

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, paged: bool, level: int
    ) -> tuple[int, _Owed]:
        """The selection set's cost, and the loads it owes an enclosing object."""
        if level > MAX_NESTING:
            return CAP, frozenset()
        total = 0
        charged: set[Load] = set()  # loads this object has paid for
        owed: set[tuple[str, Load]] = set()
        for selection in selection_set.selections:
            below: int
            due: set[tuple[str, Load]] = set()  # (the type that keys it, load)
            if isinstance(selection, FieldNode):
                below, needs, from_below = self.field_cost(selection, parent, paged, level)
                due.update(from_below)
                per = needs.per if needs is not None else None
                if needs is not None and per is None:
                    # A lookup or a page: keyed by its arguments, charged every time.
                    total += sum(load.weight for load in needs.loads)
                elif needs is not None and per is not None:
                    due.update((per, load) for load in needs.loads)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                below, from_below = (
                    self.cost(selection.selection_set, target, paged, level + 1)
                    if target is not None
                    else (0, frozenset())
                )
                due.update(from_below)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                key = (name, paged)
                below = self.memo.measure(name, key, self._fragment(key, paged, level))
                due.update(self.fragment_owed.get(key, frozenset()))
            else:  # pragma: no cover - graphql-core has no other selection
                below = 0
            total += below
            for keyed_by, load in due:
                if keyed_by != parent.name:
                    owed.add((keyed_by, load))  # keyed by an enclosing object: charged there
                elif load not in charged:
                    charged.add(load)
                    total += load.weight
            if total >= CAP:
                return CAP, frozenset()
        return total, frozenset(owed)

    def _fragment(
        self, key: tuple[str, bool], paged: bool, level: int
    ) -> Callable[[FragmentDefinitionNode], int]:
        def compute(fragment: FragmentDefinitionNode) -> int:
            target = self.schema.get_type(fragment.type_condition.name.value)
            if target is None:
                return 0
            total, owed = self.cost(fragment.selection_set, target, paged, level + 1)
            self.fragment_owed[key] = owed
            return total

        return compute


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    prices: Prices | None = None,
) -> int:
    """Estimated upstream loads of the operation (the costliest one when it is ambiguous).

    ``prices`` default to what the schema's own fields declare.
    """
    return estimate_cost_reading(schema, document, operation_name, variables, prices)[0]


def estimate_cost_reading(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    prices: Prices | None = None,
) -> tuple[int, frozenset[str]]:
    """``estimate_cost`` and the names of the variables the estimate depends on."""
    table = declarations(schema) if prices is None else prices
    costs = [0]
    read: set[str] = set()
    for operation in _selected(document, operation_name):
        root = schema.get_root_type(operation.operation)
        if root is None:
            continue
        estimator = _Estimator(schema, document, operation, variables or {}, table)
        total, owed = estimator.cost(operation.selection_set, root, False, 0)
        # Keyed by an object no selection encloses (a declaration naming a type that is
        # not above it): charged once rather than never.
        costs.append(total + sum(load.weight for load in {load for _, load in owed}))
        read |= estimator.read
    return min(1 + max(costs), CAP), frozenset(read)
