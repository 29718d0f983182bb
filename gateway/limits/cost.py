"""Query cost: an estimate of the upstream loads an operation can trigger.

The price list is the resolvers' own fan-out. A field costs its weight when resolving it
asks an upstream (through a dataloader) for something the parent object does not hold;
everything else (scalars, money, order lines, ``__typename``, introspection) is free.

A list multiplies what is selected under it. A paged field (one with a ``first``
argument: a Relay connection, or a list that takes ``first``) multiplies its items by the
page size asked for (the schema's default when absent, a variable's value when given, at
most 250), and every item costs at least 1, as Shopify prices each object of a
connection: the upstream sends it and the gateway builds it even when the selection on it
loads nothing more. Without that floor a page whose items read only fields of the page's
own records was priced as its one call, so a page of pages
(``orders(first: 100) { ... customer { orders(first: 100) { ... number } } }``) cost 202
while it asked for 10,000 orders in 100 unbatched OMS pages. Any other list is assumed to
hold ``ASSUMED_LIST_SIZE`` items, which cost only what they load: their length is not the
client's to choose, and they arrive in their parent's load. Every operation costs at
least 1.

Loads that one parent object makes once (an order's ERP billing documents, a parcel's
tracking) are charged once per selection set however many fields read them. The
estimate is an upper bound: dataloaders batch and de-duplicate across objects, which a
static estimate cannot see.

Fragments, inline fragments and variables are followed; names never matter (an
operation or fragment called ``__schema`` is priced like any other; only the
introspection *fields*, which never reach an upstream, are free).

    {"Order.customer": Load(1)} and orders(first: 20) { edges { node { customer { name } } } }
    -> 1 (operation) + 1 (Query.orders) + 20 * max(1, 1 (Order.customer)) = 22
    orders(first: 20) { edges { node { number } } }
    -> 1 (operation) + 1 (Query.orders) + 20 * max(1, 0) = 22
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from .document import CAP, MAX_NESTING, FragmentMemo, operations

__all__ = [
    "ASSUMED_LIST_SIZE",
    "LOADS",
    "MAX_PAGE_SIZE",
    "Load",
    "estimate_cost",
    "estimate_cost_reading",
]

ASSUMED_LIST_SIZE = 5
"""Items assumed in a list with no ``first``: parcels, cases, invoices, refunds of one order."""
MAX_PAGE_SIZE = 250
"""The resolvers refuse larger pages; pricing never assumes more."""
MUTATION_WEIGHT = 10
"""A root mutation field not priced below: a governed process, several upstream calls."""
GATHER_WEIGHT = 5
"""An order's ERP order, ERP billing, CRM cases, CRM contact and carrier tracking."""


@dataclass(frozen=True, slots=True)
class Load:
    """What resolving one field costs, and which per-parent load it shares (if any)."""

    weight: int
    shared: str | None = None


LOADS: Mapping[str, Load] = {
    "Query.order": Load(1),  # OMS order by number or id
    "Query.orders": Load(1),  # one OMS page
    "Query.customer": Load(1),  # CRM contact
    "Query.case": Load(1),  # CRM case
    "Order.customer": Load(1, "crm:contact"),
    "Order.erpSalesOrder": Load(1, "erp:sales-order"),
    "Order.invoices": Load(1, "erp:billing"),
    # The ERP's cap (billing, with its sales order: one load as the bench prices it) and
    # the journal's open requests; a line's refundable units ride on the order's loads.
    "Order.refundable": Load(1, "erp:billing"),
    "Order.cases": Load(1, "crm:cases"),
    "Order.timeline": Load(GATHER_WEIGHT, "gather"),
    "Order.discrepancies": Load(GATHER_WEIGHT, "gather"),
    "Order.sections": Load(GATHER_WEIGHT, "gather"),
    "Refund.erpCreditMemo": Load(1, "erp:billing"),
    "Shipment.status": Load(1, "carrier:tracking"),
    "Shipment.estimatedDelivery": Load(1, "carrier:tracking"),
    "Shipment.deliveredAt": Load(1, "carrier:tracking"),
    "Shipment.events": Load(1, "carrier:tracking"),
    "Customer.orders": Load(1),  # one OMS page
    # CRM cases, and for a partner one OMS batch proving which are about its orders.
    "Customer.cases": Load(2, "crm:cases"),
    "Case.order": Load(1, "oms:order"),
}


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
    ) -> None:
        self.schema = schema
        self.memo = FragmentMemo(document)
        self.mutation = schema.mutation_type
        self.variables = dict(variables)
        self.read: set[str] = set()  # variables some ``first`` argument read
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)

    def page_size(self, node: FieldNode, field: GraphQLField) -> int | None:
        """``first`` of a connection field, clamped; ``None`` when the field has none."""
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
    ) -> tuple[int, Load | None]:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0, None  # __typename and introspection: answered by the gateway
        field = parent.fields.get(name)
        if field is None:
            return 0, None
        load = LOADS.get(f"{parent.name}.{name}")
        if load is None and parent is self.mutation:
            load = Load(MUTATION_WEIGHT)
        if node.selection_set is None:
            return 0, load
        child = get_named_type(field.type)
        is_list = is_list_type(get_nullable_type(field.type))
        page = self.page_size(node, field)
        if page is not None:
            # A connection's items are the lists of its selection (edges), already
            # counted here: ``paged`` tells them so. A paged list is its own items, and
            # lists inside those items are lists like any other.
            each = self.cost(node.selection_set, child, not is_list, level + 1)
            return page * max(1, each), load
        times = (1 if paged else ASSUMED_LIST_SIZE) if is_list else 1
        return times * self.cost(node.selection_set, child, False, level + 1), load

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, paged: bool, level: int
    ) -> int:
        if level > MAX_NESTING:
            return CAP
        total = 0
        charged: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below, load = self.field_cost(selection, parent, paged, level)
                total += below
                if load is not None and (load.shared is None or load.shared not in charged):
                    total += load.weight
                    if load.shared is not None:
                        charged.add(load.shared)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                if target is not None:
                    total += self.cost(selection.selection_set, target, paged, level + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                total += self.memo.measure(name, (name, paged), self._fragment(paged, level))
            if total >= CAP:
                return CAP
        return total

    def _fragment(self, paged: bool, level: int) -> Callable[[FragmentDefinitionNode], int]:
        def compute(fragment: FragmentDefinitionNode) -> int:
            target = self.schema.get_type(fragment.type_condition.name.value)
            if target is None:
                return 0
            return self.cost(fragment.selection_set, target, paged, level + 1)

        return compute


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """Estimated upstream loads of the operation (the costliest one when it is ambiguous)."""
    return estimate_cost_reading(schema, document, operation_name, variables)[0]


def estimate_cost_reading(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> tuple[int, frozenset[str]]:
    """``estimate_cost`` and the names of the variables the estimate depends on."""
    costs = [0]
    read: set[str] = set()
    for operation in _selected(document, operation_name):
        root = schema.get_root_type(operation.operation)
        if root is None:
            continue
        estimator = _Estimator(schema, document, operation, variables or {})
        costs.append(estimator.cost(operation.selection_set, root, False, 0))
        read |= estimator.read
    return min(1 + max(costs), CAP), frozenset(read)
