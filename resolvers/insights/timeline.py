"""Everything that happened to an order, across systems, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .facts import OrderFacts

__all__ = ["Happening", "OrderFacts", "build_timeline"]


@dataclass(frozen=True, slots=True)
class Happening:
    """One timeline entry."""

    at: datetime
    source: str
    kind: str
    summary: str


def _amount(value: object, currency: str) -> str:
    return f"{value} {currency}"


def build_timeline(facts: OrderFacts) -> list[Happening]:
    """Merge OMS, ERP, CRM and carrier events into one list sorted by time (stable)."""
    order = facts.order
    events = [Happening(order.placed_at, "oms", "order.placed", f"Order {order.number} placed")]
    if order.cancelled_at:
        events.append(Happening(order.cancelled_at, "oms", "order.cancelled", "Order cancelled"))
    for parcel in order.fulfillments:
        company = parcel.tracking_company or "carrier"
        events.append(
            Happening(
                parcel.created_at,
                "oms",
                "shipment.created",
                f"Parcel {parcel.tracking_number or parcel.name} handed to {company}",
            )
        )
    for refund in order.refunds:
        summary = f"Refunded {_amount(refund.amount.amount, refund.amount.currency)}"
        events.append(Happening(refund.created_at, "oms", "refund.completed", summary))
    # SAP document dates are dates (midnight UTC); one dated the order's own day did
    # not happen before the order, so it is placed no earlier than the order.
    if facts.sales_order:
        so = facts.sales_order
        events.append(
            Happening(
                max(so.created_at, order.placed_at),
                "erp",
                "erp.sales_order.created",
                f"Sales order {so.document_number} created",
            )
        )
    for document in facts.billing:
        kind = "invoice.issued" if document.kind == "INVOICE" else f"{document.kind.lower()}.issued"
        label = document.kind.replace("_", " ").lower()
        money = _amount(document.gross_amount.amount, document.gross_amount.currency)
        events.append(
            Happening(
                max(document.issued_at, order.placed_at),
                "erp",
                kind,
                f"{label.capitalize()} {document.document_number} over {money}",
            )
        )
    for case in facts.cases:
        events.append(
            Happening(
                case.opened_at, "crm", "case.opened", f"Case {case.number} opened: {case.subject}"
            )
        )
        if case.closed_at:
            events.append(
                Happening(case.closed_at, "crm", "case.closed", f"Case {case.number} closed")
            )
    for tracking in facts.trackings:
        for scan in tracking.events:
            where = f" ({scan.location})" if scan.location else ""
            events.append(
                Happening(
                    scan.at,
                    "carrier",
                    f"shipment.{scan.status.value.lower()}",
                    f"{tracking.carrier} {tracking.tracking_number}: {scan.message}{where}",
                )
            )
    return sorted(events, key=lambda e: e.at)
