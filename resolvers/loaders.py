"""Per-request dataloaders: one per (source, key kind).

Each batch function sends the keys of one event-loop tick to the source's batch
call and returns one slot per key, in key order. A missing key is ``None`` where
"no record" is a normal answer (an order not yet in the ERP), or a ``NotFound``
instance where the caller asked for that exact record; aiodataloader rejects only
that key. A failed batch call rejects every key of the batch with the same
``SourceError``, and aiodataloader forgets those keys so a retry can happen later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from aiodataloader import DataLoader

from sources import (
    CallContext,
    CrmCase,
    CrmContact,
    ErpBillingDocument,
    ErpSalesOrder,
    NotFound,
    OmsOrder,
    Sources,
    Tracking,
    TrackingRef,
)

__all__ = ["Loaders"]

K = TypeVar("K")
V = TypeVar("V")


def _loader(
    fetch: Callable[[list[K]], Awaitable[Mapping[K, V | Exception]]],
    missing: Callable[[K], V | Exception],
) -> DataLoader[K, V]:
    async def batch(keys: list[K]) -> list[V]:
        found = await fetch(keys)
        # An Exception in a slot rejects that key alone (aiodataloader's contract).
        return [cast(V, found[key] if key in found else missing(key)) for key in keys]

    return DataLoader(batch_load_fn=batch)


def _none(_: object) -> None:
    return None


def _empty(_: object) -> list[CrmCase]:
    return []


def _no_documents(_: object) -> list[ErpBillingDocument]:
    return []


@dataclass(frozen=True, slots=True)
class Loaders:
    """The dataloaders of one request."""

    order_by_id: DataLoader[str, OmsOrder]
    contact_by_oms_customer: DataLoader[str, CrmContact | None]
    contact_by_id: DataLoader[str, CrmContact | None]
    cases_by_order_number: DataLoader[str, list[CrmCase]]
    cases_by_contact: DataLoader[str, list[CrmCase]]
    case_by_number: DataLoader[str, CrmCase | None]
    sales_order_by_order_number: DataLoader[str, ErpSalesOrder | None]
    billing_by_order_number: DataLoader[str, list[ErpBillingDocument]]
    tracking: DataLoader[TrackingRef, Tracking]

    @classmethod
    def for_request(cls, sources: Sources, call: CallContext) -> Loaders:
        """Fresh loaders bound to one request's call context (deadline, request id)."""
        oms, erp, crm = sources.oms, sources.erp, sources.crm

        # The hub answers per parcel (a Tracking or a SourceError), so one carrier
        # failing rejects only its own parcels.
        async def track(refs: list[TrackingRef]) -> Mapping[TrackingRef, Tracking | Exception]:
            return await sources.carriers.track(refs, call)

        def not_found(_: object) -> NotFound:
            return NotFound("oms", "no such order")

        return cls(
            order_by_id=_loader(lambda ids: oms.orders_by_id(ids, call), not_found),
            contact_by_oms_customer=_loader(
                lambda ids: crm.contacts_by_oms_customer(ids, call), _none
            ),
            contact_by_id=_loader(lambda ids: crm.contacts_by_id(ids, call), _none),
            cases_by_order_number=_loader(
                lambda numbers: crm.cases_by_order_number(numbers, call), _empty
            ),
            cases_by_contact=_loader(lambda ids: crm.cases_by_contact(ids, call), _empty),
            case_by_number=_loader(lambda numbers: crm.cases_by_number(numbers, call), _none),
            sales_order_by_order_number=_loader(
                lambda numbers: erp.sales_orders(numbers, call), _none
            ),
            billing_by_order_number=_loader(
                lambda numbers: erp.billing_documents(numbers, call), _no_documents
            ),
            tracking=_loader(track, lambda ref: NotFound("carrier", "unknown parcel")),
        )
