"""Load what a page of orders will need before its fields run, in one wait.

The root field that produces orders (``order``, ``orders``, a customer's ``orders``)
reads the selection under the order node, starts every loader those fields will ask
for (for all orders of the page at once, so each still batches into one upstream call
per key kind) and waits for them together. The fields themselves then find their
futures done and resolve without a task each (``resolvers.ready``). Only what the
selection names is loaded: a page without ``invoices`` or refund memos never reads
billing, so upstream calls stay at their minimum. A failed load stays in its future
and costs only the fields that read it, exactly as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Iterator, Sequence

from strawberry.types.nodes import SelectedField, Selection

from sources import OmsOrder

from .context import Info
from .gather import gather_order, parcel_refs

__all__ = ["order_selection", "prefetch"]

VIEW_FIELDS = frozenset({"timeline", "discrepancies", "sections"})
TRACKING_FIELDS = frozenset(
    {"shipments.status", "shipments.estimatedDelivery", "shipments.deliveredAt", "shipments.events"}
)
BILLING_FIELDS = frozenset({"invoices", "refunds.erpCreditMemo", "refundable"})
# What a refund can take needs the ERP's order and the journal's open requests.
REFUNDABLE_FIELDS = frozenset({"refundable", "lines.refundableQuantity"})


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
    wanted: set[str] = set()
    for field in _fields(selections):
        wanted.add(field.name)
        wanted.update(f"{field.name}.{child.name}" for child in _fields(field.selections))
    return frozenset(wanted)


async def prefetch(info: Info, orders: Sequence[OmsOrder], wanted: frozenset[str]) -> None:
    """Start every load ``wanted`` implies for ``orders`` and wait until all have settled."""
    context = info.context
    loaders = context.loaders
    pending: list[Awaitable[object]] = []
    if wanted & VIEW_FIELDS:  # the cross-system view loads every system for its order
        pending.extend(gather_order(order, context) for order in orders)
    if "customer" in wanted:
        pending.extend(
            loaders.contact_by_oms_customer.load(order.customer.id)
            for order in orders
            if order.customer is not None
        )
    if "erpSalesOrder" in wanted or wanted & REFUNDABLE_FIELDS:
        pending.extend(loaders.sales_order_by_order_number.load(o.number) for o in orders)
    if wanted & REFUNDABLE_FIELDS:
        pending.extend(loaders.reservations.load(o.number) for o in orders)
    if wanted & BILLING_FIELDS:
        pending.extend(loaders.billing_by_order_number.load(o.number) for o in orders)
    if "cases" in wanted and context.policy.allows(context.principal, "cases:read"):
        pending.extend(loaders.cases_by_order_number.load(o.number) for o in orders)
    if wanted & TRACKING_FIELDS:
        pending.extend(loaders.tracking.load(ref) for o in orders for ref in parcel_refs(o))
    if pending:
        # Errors stay in their futures for the fields that read them.
        await asyncio.gather(*pending, return_exceptions=True)
