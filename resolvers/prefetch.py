"""Load what a page of orders will need before its fields run, in one wait.

The root field that produces orders (``order``, ``orders``, a customer's ``orders``)
reads the selection under the order node, starts every loader those fields will ask
for (for all orders of the page at once, so each still batches into one upstream call
per key kind) and waits for them together. The fields themselves then find their
futures done and resolve without a task each (``resolvers.ready``). Only what the
selection names is loaded: a page without ``invoices`` or refund memos never reads
billing, so upstream calls stay at their minimum. A failed load stays in its future
and costs only the fields that read it, exactly as before.

Which loads a field needs is what the field declares (``resolvers.loads``), read from
the schema for the order's fields and their children's; this module only knows how to
start each kind of load for an order. A field the caller may not read (``cases``
without ``cases:read``) starts nothing.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, get_named_type
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.nodes import SelectedField, Selection

from sources import OmsOrder

from .context import Context, Info
from .gather import gather_order, parcel_refs
from .loads import BACKREF, Load, declarations

__all__ = ["STARTERS", "order_loads", "order_selection", "prefetch", "typed_selection"]

Start = Callable[[Context, OmsOrder], Iterable[Awaitable[object]]]


def _contact(context: Context, order: OmsOrder) -> Iterable[Awaitable[object]]:
    if order.customer is None:
        return ()
    return (context.loaders.contact_by_oms_customer.load(order.customer.id),)


STARTERS: Mapping[Load, Start] = {
    # The cross-system view loads every system for its order.
    Load.ORDER_VIEW: lambda context, order: (gather_order(order, context),),
    Load.CRM_CONTACT: _contact,
    Load.ERP_SALES_ORDER: lambda context, order: (
        context.loaders.sales_order_by_order_number.load(order.number),
    ),
    Load.JOURNAL_RESERVATIONS: lambda context, order: (
        context.loaders.reservations.load(order.number),
    ),
    Load.ERP_BILLING: lambda context, order: (
        context.loaders.billing_by_order_number.load(order.number),
    ),
    Load.CRM_CASES_BY_ORDER: lambda context, order: (
        context.loaders.cases_by_order_number.load(order.number),
    ),
    Load.CARRIER_TRACKING: lambda context, order: (
        context.loaders.tracking.load(ref) for ref in parcel_refs(order)
    ),
}
"""How to start each load that an order alone keys, in the order they are started."""


@dataclass(frozen=True, slots=True)
class _Step:
    """The loads one selected path under an order declares, and who may ask for them."""

    loads: frozenset[Load]
    permissions: tuple[BasePermission, ...]


_plans: weakref.WeakKeyDictionary[GraphQLSchema, Mapping[str, _Step]] = weakref.WeakKeyDictionary()


def _permissions(field: GraphQLField) -> tuple[BasePermission, ...]:
    definition = (field.extensions or {}).get(BACKREF)
    return tuple(
        permission
        for extension in getattr(definition, "extensions", ())
        if isinstance(extension, PermissionExtension)
        for permission in extension.permissions
    )


def _plan(schema: GraphQLSchema) -> Mapping[str, _Step]:
    """Paths under an order (``cases``, ``shipments.status``) to the loads they declare."""
    found = _plans.get(schema)
    if found is not None:
        return found
    declared = declarations(schema)
    plan: dict[str, _Step] = {}
    order = schema.type_map.get("Order")
    for name, field in order.fields.items() if isinstance(order, GraphQLObjectType) else ():
        gate = _permissions(field)
        needs = declared.get(f"Order.{name}")
        if needs is not None and needs.per is not None:
            plan[name] = _Step(frozenset(needs.loads), gate)
        child = get_named_type(field.type)
        if not isinstance(child, GraphQLObjectType):
            continue
        for inner, inner_field in child.fields.items():
            needs = declared.get(f"{child.name}.{inner}")
            if needs is not None and needs.per is not None:
                step = _Step(frozenset(needs.loads), gate + _permissions(inner_field))
                plan[f"{name}.{inner}"] = step
    _plans[schema] = plan
    return plan


def order_loads(info: Info, wanted: frozenset[str]) -> frozenset[Load]:
    """The loads the order fields in ``wanted`` declare, of the fields the caller may read."""
    plan = _plan(info.schema._schema)
    loads: set[Load] = set()
    for path in wanted:
        step = plan.get(path)
        if step is None or step.loads <= loads:
            continue
        # Only strawberry's sync scope checks here: ours ask the policy, never await.
        if all(p.has_permission(None, info) is True for p in step.permissions):
            loads |= step.loads
    return frozenset(loads)


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, with fragments and inline fragments spread."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def order_selection(info: Info, *path: str) -> frozenset[str]:
    """Field names (and ``parent.child`` pairs) selected on the orders ``path`` leads to."""
    selections: list[Selection] = [s for f in info.selected_fields for s in f.selections]
    for name in path:
        selections = [s for f in _fields(selections) if f.name == name for s in f.selections]
    return _wanted(selections)


def typed_selection(info: Info, type_name: str) -> frozenset[str]:
    """What ``order_selection`` says, for the fragments on ``type_name`` directly under a
    field of union type (``_entities``, whose ``... on Order`` selects the orders)."""
    selections = [
        s
        for f in info.selected_fields
        for s in f.selections
        if not isinstance(s, SelectedField) and s.type_condition == type_name
    ]
    return _wanted(selections)


def _wanted(selections: Iterable[Selection]) -> frozenset[str]:
    wanted: set[str] = set()
    for field in _fields(selections):
        wanted.add(field.name)
        wanted.update(f"{field.name}.{child.name}" for child in _fields(field.selections))
    return frozenset(wanted)


async def prefetch(info: Info, orders: Sequence[OmsOrder], wanted: frozenset[str]) -> None:
    """Start every load ``wanted`` declares for ``orders`` and wait until all have settled."""
    context = info.context
    loads = order_loads(info, wanted)
    pending: list[Awaitable[object]] = [
        started
        for load, start in STARTERS.items()
        if load in loads
        for order in orders
        for started in start(context, order)
    ]
    if pending:
        # Errors stay in their futures for the fields that read them.
        await asyncio.gather(*pending, return_exceptions=True)
