"""Per-request dataloaders: one per (source, key kind).

Each batch function sends the keys of one event-loop tick to the source's batch
call and returns one slot per key, in key order. A missing key is ``None`` where
"no record" is a normal answer (an order not yet in the ERP), or a ``NotFound``
instance where the caller asked for that exact record; aiodataloader rejects only
that key. A failed batch call rejects every key of the batch with the same
``SourceError``, and aiodataloader forgets those keys so a retry can happen later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from aiodataloader import DataLoader

from sources import (
    CachedRead,
    CallContext,
    CrmCase,
    CrmContact,
    ErpBillingDocument,
    ErpSalesOrder,
    Journal,
    NotFound,
    OmsOrder,
    Reservation,
    SourceName,
    Sources,
    Tracking,
    TrackingRef,
)

from .stale import StaleLog

__all__ = ["LoaderKit", "Loaders"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Fetch = Callable[[list[K]], Awaitable[Mapping[K, V | Exception]]]


@dataclass(frozen=True, slots=True)
class LoaderKit:
    """What every loader of a request shares: the cache, the partition, the stale log."""

    cache: CachedRead | None
    partition: str
    stale: StaleLog


def _loader(
    kit: LoaderKit,
    source: SourceName,
    kind: str,
    fetch: Fetch[K, V],
    missing: Callable[[K], V | Exception],
) -> DataLoader[K, V]:
    async def complete(keys: list[K]) -> Mapping[K, V | Exception]:
        # Fill "no record" answers in before caching, so they are cached too.
        found = await fetch(keys)
        return {key: found[key] if key in found else missing(key) for key in keys}

    async def batch(keys: list[K]) -> list[V]:
        if kit.cache is None:
            plain = await complete(keys)
            return [cast(V, plain[key]) for key in keys]
        served = await kit.cache.load_many(kit.partition, source, kind, keys, complete)
        slots: list[V] = []
        for key in keys:
            answer = served[key]
            if isinstance(answer, Exception):
                # An Exception in a slot rejects that key alone (aiodataloader's contract).
                slots.append(cast(V, answer))
                continue
            if answer.stale:
                kit.stale.note(source, kind, key, answer.age_s)
            slots.append(answer.value)
        return slots

    return DataLoader(batch_load_fn=batch)


def _none(_: object) -> None:
    return None


def _empty(_: object) -> list[CrmCase]:
    return []


def _no_documents(_: object) -> list[ErpBillingDocument]:
    return []


@dataclass(frozen=True, slots=True)
class Loaders:
    """The dataloaders of one request, each named by the kind of key it takes."""

    order_by_id: DataLoader[str, OmsOrder]
    contact_by_oms_customer: DataLoader[str, CrmContact | None]
    contact_by_id: DataLoader[str, CrmContact | None]
    cases_by_order_number: DataLoader[str, list[CrmCase]]
    cases_by_contact: DataLoader[str, list[CrmCase]]
    case_by_number: DataLoader[str, CrmCase | None]
    sales_order_by_order_number: DataLoader[str, ErpSalesOrder | None]
    billing_by_order_number: DataLoader[str, list[ErpBillingDocument]]
    tracking: DataLoader[TrackingRef, Tracking | None]
    reservations: DataLoader[str, Reservation]
    """What open refund requests hold per order number (the journal; never cached)."""

    @classmethod
    def for_request(
        cls,
        sources: Sources,
        call: CallContext,
        *,
        cache: CachedRead | None = None,
        partition: str = "*",
        stale: StaleLog | None = None,
        journal: Journal | None = None,
    ) -> Loaders:
        """Fresh loaders bound to one request's call context, over the shared cache."""
        oms, erp, crm = sources.oms, sources.erp, sources.crm
        kit = LoaderKit(cache, partition, stale if stale is not None else StaleLog())

        # The hub answers per parcel (a Tracking or a SourceError), so one carrier
        # failing rejects only its own parcels. A parcel no carrier knows yet is a
        # normal answer (None) and is cached like any other.
        async def track(
            refs: list[TrackingRef],
        ) -> Mapping[TrackingRef, Tracking | Exception | None]:
            answers = await sources.carriers.track(refs, call)
            return {
                ref: None if isinstance(answer, NotFound) else answer
                for ref, answer in answers.items()
            }

        def no_order(_: object) -> NotFound:
            return NotFound("oms", "no such order")

        async def holds(numbers: list[str]) -> list[Reservation]:
            if journal is None:  # a read-only gateway: nothing can be held
                return [Reservation() for _ in numbers]
            found = await journal.reservations(numbers)
            return [found.get(n, Reservation()) for n in numbers]

        return cls(
            order_by_id=_loader(
                kit, "oms", "order", lambda ids: oms.orders_by_id(ids, call), no_order
            ),
            contact_by_oms_customer=_loader(
                kit,
                "crm",
                "contact_by_oms_customer",
                lambda ids: crm.contacts_by_oms_customer(ids, call),
                _none,
            ),
            contact_by_id=_loader(
                kit, "crm", "contact", lambda ids: crm.contacts_by_id(ids, call), _none
            ),
            cases_by_order_number=_loader(
                kit,
                "crm",
                "cases_by_order",
                lambda numbers: crm.cases_by_order_number(numbers, call),
                _empty,
            ),
            cases_by_contact=_loader(
                kit, "crm", "cases_by_contact", lambda ids: crm.cases_by_contact(ids, call), _empty
            ),
            case_by_number=_loader(
                kit, "crm", "case", lambda numbers: crm.cases_by_number(numbers, call), _none
            ),
            sales_order_by_order_number=_loader(
                kit, "erp", "sales_order", lambda numbers: erp.sales_orders(numbers, call), _none
            ),
            billing_by_order_number=_loader(
                kit,
                "erp",
                "billing",
                lambda numbers: erp.billing_documents(numbers, call),
                _no_documents,
            ),
            tracking=_loader(kit, "carrier", "tracking", track, _none),
            reservations=DataLoader(batch_load_fn=holds),
        )
