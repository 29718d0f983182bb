"""Collect what every system says about one order, without failing on any of them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, TypeVar

from sources import CrmContact, OmsOrder, SourceError, Tracking

from .context import Context
from .insights import OrderFacts
from .outcomes import Outcome, settle

__all__ = ["OrderView", "gather_order", "parcel_refs"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OrderView:
    """The facts, plus the first error of each system that failed (for ``sections``)."""

    facts: OrderFacts
    errors: dict[str, SourceError]
    stale_ages: dict[str, float]


async def _ready(value: T) -> T:
    return value


def parcel_refs(order: OmsOrder) -> list[tuple[str, str]]:
    """(company, tracking number) of every live parcel that has a tracking number."""
    return [
        (f.tracking_company or "unknown", f.tracking_number)
        for f in order.fulfillments
        if f.tracking_number and not f.cancelled
    ]


def gather_order(order: OmsOrder, context: Context) -> asyncio.Future[OrderView]:
    """The order's view across systems, computed once per request and order.

    ``timeline``, ``discrepancies`` and ``sections`` all need it; the first asks, the
    others share the same future.
    """
    found = context.views.get(order.id)
    if found is None:
        found = asyncio.ensure_future(_gather(order, context))
        context.views[order.id] = found
    view: asyncio.Future[OrderView] = found
    return view


async def _gather(order: OmsOrder, context: Context) -> OrderView:
    """Load the order's ERP, CRM and carrier data through the request's loaders."""
    loaders = context.loaders
    customer_id = order.customer.id if order.customer else None
    no_contact: Outcome[CrmContact | None] = Outcome()
    sales, billing, cases, contact, parcels = await asyncio.gather(
        settle(loaders.sales_order_by_order_number.load(order.number)),
        settle(loaders.billing_by_order_number.load(order.number)),
        settle(loaders.cases_by_order_number.load(order.number)),
        settle(loaders.contact_by_oms_customer.load(customer_id))
        if customer_id
        else _ready(no_contact),
        asyncio.gather(*(settle(loaders.tracking.load(ref)) for ref in parcel_refs(order))),
    )
    errors: dict[str, SourceError] = {}
    checks: tuple[tuple[str, Outcome[Any]], ...] = (
        ("erp", sales),
        ("erp", billing),
        ("crm", cases),
        ("crm", contact),
    )
    for name, outcome in checks:
        if outcome.error and name not in errors:
            errors[name] = outcome.error
    trackings: list[Tracking] = []
    for parcel in parcels:
        if parcel.error and "carrier" not in errors:
            errors["carrier"] = parcel.error
        if parcel.value is not None:
            trackings.append(parcel.value)
    facts = OrderFacts(
        order=order,
        sales_order=sales.value,
        billing=tuple(billing.value or ()),
        erp_answered="erp" not in errors,
        cases=tuple(cases.value or ()),
        crm_answered="crm" not in errors,
        trackings=tuple(trackings),
        carrier_answered="carrier" not in errors,
    )
    stale = context.stale
    keys: list[tuple[str, str, object]] = [
        ("erp", "sales_order", order.number),
        ("erp", "billing", order.number),
        ("crm", "cases_by_order", order.number),
        ("crm", "contact_by_oms_customer", customer_id),
        *(("carrier", "tracking", ref) for ref in parcel_refs(order)),
    ]
    stale_ages: dict[str, float] = {}
    for source, kind, key in keys:
        age = stale.age(kind, key) if key is not None else None
        if age is not None:
            stale_ages[source] = max(age, stale_ages.get(source, 0.0))
    return OrderView(facts, errors, stale_ages)
