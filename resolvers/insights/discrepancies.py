"""Where the systems disagree about one order.

Each rule runs only when every system it compares has answered, so an outage never
shows up as a false discrepancy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sources import OrderStatus, ShipmentStatus

from .facts import OrderFacts

__all__ = ["Finding", "find_discrepancies"]

# Orders reach the ERP by a replication job; younger ones may legitimately be missing.
ERP_REPLICATION_GRACE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement: what kind, how serious, in words, and which systems."""

    kind: str
    severity: str
    detail: str
    sources: tuple[str, ...]


def _erp_rules(facts: OrderFacts) -> list[Finding]:
    order, so = facts.order, facts.sales_order
    found: list[Finding] = []
    if so is None:
        return found
    if so.net_amount.currency != order.currency:
        found.append(
            Finding(
                "CURRENCY_MISMATCH",
                "BLOCKING",
                f"ERP sales order {so.document_number} is in {so.net_amount.currency}, "
                f"the order in {order.currency}",
                ("erp", "oms"),
            )
        )
    elif so.net_amount.amount != order.subtotal.amount:
        found.append(
            Finding(
                "AMOUNT_MISMATCH",
                "WARNING",
                f"ERP net {so.net_amount.amount} {order.currency} differs from OMS subtotal "
                f"{order.subtotal.amount} {order.currency}",
                ("erp", "oms"),
            )
        )
    cancelled_oms = order.status is OrderStatus.CANCELLED
    cancelled_erp = so.status == "CANCELLED"
    if cancelled_oms != cancelled_erp:
        where = "OMS" if cancelled_oms else "ERP"
        found.append(
            Finding(
                "CANCELLATION_SKEW",
                "WARNING",
                f"Cancelled in the {where} only (ERP status {so.status})",
                ("erp", "oms"),
            )
        )
    return found


def _billing_rules(facts: OrderFacts) -> list[Finding]:
    order = facts.order
    found: list[Finding] = []
    shipped = [f for f in order.fulfillments if not f.cancelled]
    invoices = [d for d in facts.billing if d.kind == "INVOICE" and not d.cancelled]
    if shipped and not invoices and facts.sales_order is not None:
        found.append(
            Finding(
                "SHIPPED_NOT_INVOICED",
                "WARNING",
                f"{len(shipped)} parcel(s) shipped but no invoice in the ERP",
                ("oms", "erp"),
            )
        )
    memo_refs = {d.oms_refund_id for d in facts.billing if d.kind == "CREDIT_MEMO"}
    for refund in order.refunds:
        if refund.id not in memo_refs:
            found.append(
                Finding(
                    "REFUND_WITHOUT_CREDIT_MEMO",
                    "WARNING",
                    f"Refund {refund.id} over {refund.amount.amount} {refund.amount.currency} "
                    "has no ERP credit memo",
                    ("oms", "erp"),
                )
            )
    return found


def _carrier_rules(facts: OrderFacts) -> list[Finding]:
    found: list[Finding] = []
    by_number = {t.tracking_number: t for t in facts.trackings}
    for parcel in facts.order.fulfillments:
        tracking = by_number.get(parcel.tracking_number or "")
        if tracking is None or parcel.cancelled:
            continue
        if (
            tracking.status is ShipmentStatus.DELIVERED
            and parcel.shipment_status is not ShipmentStatus.DELIVERED
        ):
            found.append(
                Finding(
                    "STATUS_SKEW",
                    "INFO",
                    f"{tracking.carrier} reports parcel {tracking.tracking_number} delivered; "
                    "the OMS does not know yet",
                    ("carrier", "oms"),
                )
            )
    return found


def find_discrepancies(facts: OrderFacts, now: datetime) -> list[Finding]:
    """Every rule whose systems all answered, in a stable order."""
    found: list[Finding] = []
    if facts.erp_answered:
        found += _erp_rules(facts) + _billing_rules(facts)
        replicated_by = facts.order.placed_at + ERP_REPLICATION_GRACE
        if (
            facts.sales_order is None
            and facts.order.status is not OrderStatus.CANCELLED
            and now >= replicated_by
        ):
            found.append(
                Finding(
                    "MISSING_IN_ERP",
                    "WARNING",
                    f"Order {facts.order.number} has no ERP sales order",
                    ("oms", "erp"),
                )
            )
    if facts.carrier_answered:
        found += _carrier_rules(facts)
    return found
