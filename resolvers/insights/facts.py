"""What each system said about one order; ``None`` where the system did not answer."""

from __future__ import annotations

from dataclasses import dataclass

from sources import CrmCase, ErpBillingDocument, ErpSalesOrder, OmsOrder, Tracking

__all__ = ["OrderFacts"]


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """The order from the OMS plus whatever the other systems returned.

    ``erp_answered`` / ``crm_answered`` / ``carrier_answered`` tell "the system has
    nothing" apart from "the system failed", so no rule fires on missing data.
    """

    order: OmsOrder
    sales_order: ErpSalesOrder | None
    billing: tuple[ErpBillingDocument, ...]
    erp_answered: bool
    cases: tuple[CrmCase, ...]
    crm_answered: bool
    trackings: tuple[Tracking, ...]
    carrier_answered: bool
