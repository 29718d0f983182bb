"""ERP documents: the sales order, invoices and credit memos, and OMS refunds joined to them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from sources import ErpBillingDocument, OmsRefund
from sources import ErpSalesOrder as ErpSalesOrderModel

from ..context import Info
from ..loads import Load, reads
from ..ready import Ready, then
from .money import Money

__all__ = ["ErpSalesOrder", "Invoice", "Refund"]


@strawberry.type(description="The ERP's sales order for this order.")
class ErpSalesOrder:
    """GraphQL face of an ERP sales order."""

    document_number: str = strawberry.field(description="ERP sales order number, e.g. 5000123.")
    status: str = strawberry.field(
        description="ERP processing status: OPEN, IN_PROGRESS, COMPLETED, CANCELLED, ON_HOLD "
        "or PENDING."
    )
    net_amount: Money = strawberry.field(description="Net amount (before tax) the ERP holds.")
    created_at: datetime = strawberry.field(
        description="When the ERP booked the order (midnight UTC where it keeps a date only)."
    )

    @classmethod
    def of(cls, order: ErpSalesOrderModel) -> ErpSalesOrder:
        """Wrap a canonical sales order."""
        return cls(
            document_number=order.document_number,
            status=order.status,
            net_amount=Money.of(order.net_amount),
            created_at=order.created_at,
        )


@strawberry.type(description="An ERP billing document: an invoice or a credit memo.")
class Invoice:
    """GraphQL face of an ERP billing document."""

    document_number: str = strawberry.field(description="ERP billing document number.")
    issued_at: datetime = strawberry.field(description="Billing date.")
    amount: Money = strawberry.field(description="Gross amount (net plus tax).")
    kind: str = strawberry.field(
        description="INVOICE or CREDIT_MEMO (or INVOICE_CANCELLATION, DEBIT_MEMO)."
    )

    @classmethod
    def of(cls, document: ErpBillingDocument) -> Invoice:
        """Wrap a canonical billing document."""
        return cls(
            document_number=document.document_number,
            issued_at=document.issued_at,
            amount=Money.of(document.gross_amount),
            kind=document.kind,
        )


@strawberry.type(
    description="Money returned to the customer, from the OMS, with its ERP credit memo."
)
class Refund:
    """An OMS refund; ``erpCreditMemo`` joins the ERP's side."""

    refund: strawberry.Private[OmsRefund]
    order_number: strawberry.Private[str]

    @strawberry.field(description="Refund id.")
    def id(self) -> strawberry.ID:
        """``shopify:Refund:<id>``."""
        return strawberry.ID(f"shopify:Refund:{self.refund.id}")

    @strawberry.field(description="When the refund was processed.")
    def created_at(self) -> datetime:
        """Processing time."""
        return self.refund.created_at

    @strawberry.field(description="Money actually returned.")
    def amount(self) -> Money:
        """Sum of successful refund transactions."""
        return Money.of(self.refund.amount)

    @strawberry.field(description="Note recorded with the refund.")
    def reason(self) -> str | None:
        """The OMS refund note."""
        return self.refund.note

    @strawberry.field(
        description="ERP credit memo number, once the ERP has posted it.",
        graphql_type=str | None,
        # Found among the order's billing documents: one read for the whole order.
        metadata=reads(Load.ERP_BILLING, of="Order"),
    )
    def erp_credit_memo(self, info: Info) -> Ready[str | None]:
        """The credit memo whose external reference is this refund's id."""
        number, refund_id = self.order_number, self.refund.id

        def shape(documents: list[ErpBillingDocument]) -> str | None:
            info.context.mark_stale(info, "billing", number)
            return next(
                (
                    d.document_number
                    for d in documents
                    if d.kind == "CREDIT_MEMO" and d.oms_refund_id == refund_id
                ),
                None,
            )

        return then(info.context.loaders.billing_by_order_number.load(number), shape)
