"""Service cases from the CRM."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import CrmCase

from ..context import Info
from ..permissions import requires

if TYPE_CHECKING:
    from .order import Order

__all__ = ["Case"]


@strawberry.type(description="A customer service case (Salesforce Case).")
class Case:
    """GraphQL face of a CRM case."""

    record: strawberry.Private[CrmCase]

    @strawberry.field(description="Case number, e.g. 00001027.")
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
        description="The order this case is about, if any.", extensions=requires("orders:read")
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
