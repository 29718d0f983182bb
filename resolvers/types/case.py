"""Service cases from the CRM, and which of them a caller's tenancy lets through."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import CrmCase, NotFound, OmsOrder

from ..context import Info
from ..loads import Load, reads
from ..permissions import requires

if TYPE_CHECKING:
    from .order import Order

__all__ = ["Case", "visible_cases"]


@strawberry.type(description="A customer service case, as the service desk holds it.")
class Case:
    """GraphQL face of a CRM case."""

    record: strawberry.Private[CrmCase]

    @strawberry.field(
        description="Case number as the service desk quotes it, e.g. 00001027 or 1027."
    )
    def number(self) -> str:
        """The CRM case number."""
        return self.record.number

    @strawberry.field(description="Subject line.")
    def subject(self) -> str:
        """As the agent or customer wrote it."""
        return self.record.subject

    @strawberry.field(description="Status as the CRM names it (New, Working, Escalated, Closed).")
    def status(self) -> str:
        """The CRM picklist value."""
        return self.record.status

    @strawberry.field(description="Priority (High, Medium, Low).")
    def priority(self) -> str:
        """The CRM picklist value."""
        return self.record.priority

    @strawberry.field(description="When the case was opened (UTC).")
    def opened_at(self) -> datetime:
        """CRM creation time."""
        return self.record.opened_at

    @strawberry.field(
        description="The order this case is about, if any.",
        extensions=requires("orders:read"),
        metadata=reads(Load.OMS_ORDER),
    )
    async def order(self, info: Info) -> Annotated[Order, strawberry.lazy(".order")] | None:
        """Found by the OMS order id the CRM stores, else by order number."""
        from ..errors import OrderNotFound
        from ..lookup import find_order

        if not (self.record.oms_order_id or self.record.order_number):
            return None
        try:
            return await find_order(
                info, order_id=self.record.oms_order_id, number=self.record.order_number
            )
        except OrderNotFound:
            # Gone, or in a channel the caller may not see: both read as no order.
            return None


async def visible_cases(info: Info, records: Sequence[CrmCase]) -> list[CrmCase]:
    """The cases the caller may see, in order: for a partner, those whose order is theirs.

    The same rule as ``Query.case``, applied to a list with one batched OMS read: every
    case's order goes through the request's order loader together (which also primes
    ``Case.order``). A case that names its order only by number is hidden from partners:
    proving its channel would take one OMS call per case, and Order360 and the seeded
    CRM always store the order id beside the number. An OMS failure fails the list
    rather than guessing.
    """
    context = info.context
    if context.policy.channel_filter(context.principal) is None:
        return list(records)
    ids = sorted({r.oms_order_id for r in records if r.oms_order_id})
    loader = context.loaders.order_by_id
    found = await asyncio.gather(*(loader.load(i) for i in ids), return_exceptions=True)
    seen: set[str] = set()
    for order_id, answer in zip(ids, found, strict=True):
        if isinstance(answer, OmsOrder):
            if context.policy.may_see_channel(context.principal, answer.channel):
                seen.add(order_id)
        elif not isinstance(answer, NotFound):
            raise answer
    return [r for r in records if r.oms_order_id in seen]
