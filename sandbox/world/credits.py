"""Booking a credit in the world: the request and, posted at once, its credit memo.

Every ERP emulation books refunds through here (SAP's credit memo request, Dynamics'
free-text credit note), so a credit written through one vendor's API shows in every
other's billing documents, numbered in the one billing number range.
"""

from __future__ import annotations

from sandbox.world.orders import money
from sandbox.world.records import (
    AfterSalesItem,
    BillingDocument,
    BillingItem,
    CreditMemoRequest,
    SalesOrder,
)
from sandbox.world.writer import WorldWriter

Reference = tuple[str, str, BillingDocument | None]
"""(document, category, invoice) a credit refers to: the sales order ("C") or an invoice."""


def book_credit(
    writer: WorldWriter,
    so: SalesOrder,
    items: list[AfterSalesItem],
    *,
    doc_type: str,
    reason: str,
    currency: str,
    reference: Reference,
    external_id: str,
    oms_refund_id: str,
) -> CreditMemoRequest:
    """Record a credit request for ``items`` of ``so`` and post its credit memo."""
    order = so.order
    ref_document, ref_category, invoice = reference
    now = writer.now()
    request = CreditMemoRequest(
        number=str(writer.credit_memo_request_numbers.next()),
        sales_order=so,
        created_at=now,
        doc_type=doc_type,
        reason=reason,
        currency=currency,
        reference_document=ref_document,
        reference_category=ref_category,
        external_id=external_id,
        oms_refund_id=oms_refund_id,
        items=items,
    )
    invoiced = {id(it.line): it for it in invoice.items} if invoice is not None else {}
    billing_items = [
        BillingItem(
            number=item.number,
            line=item.line,
            quantity=item.quantity,
            net=item.net,
            tax=money(item.net * order.customer.tax_rate),
            reference_document=ref_document,
            reference_item=(
                invoiced[id(item.line)].number if id(item.line) in invoiced else item.line.sap_item
            ),
            reference_category=ref_category,
            invoice=invoice,
        )
        for item in items
    ]
    refund = next((r for r in order.refunds if str(r.shopify_id) == oms_refund_id), None)
    memo = BillingDocument(
        number=str(writer.billing_numbers.next()),
        category="O",
        doc_type="G2",
        order=order,
        sales_order=so,
        date=now,
        items=billing_items,
        accounting_document=str(writer.accounting_numbers.next()),
        refund=refund,
        oms_refund_id=oms_refund_id,
    )
    request.credit_memo = memo
    writer.add_billing_document(memo)
    writer.add_credit_memo_request(request)
    return request
