"""Deep inserts of credit memo requests and customer returns, validated like SAP would.

A credit memo request is released and billed at once: the sandbox also posts
the credit memo (billing document category O, type G2) in the billing number
range, so it shows in `A_BillingDocument` and among the sales order's credit
memos. SAP has no idempotency keys: a second document with the same external
reference (`YY1_Order360...`) is refused, and clients look up before re-posting.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.erp.entities import (
    CREDIT_MEMO_REQUEST,
    CREDIT_MEMO_REQUEST_ITEM,
    CUSTOMER_RETURN,
    CUSTOMER_RETURN_ITEM,
)
from sandbox.erp.errors import ODataError
from sandbox.erp.payload import Payload, check_properties, decimal, items, quantity, text
from sandbox.world import (
    AfterSalesItem,
    BillingDocument,
    CustomerReturn,
    OrderLine,
    SalesOrder,
    World,
    WorldWriter,
)
from sandbox.world.credits import book_credit
from sandbox.world.orders import money

NO_ORDER = "SD_SLS_API/012"
DOC_TYPE = "SD_SLS_API/010"
REFERENCE = "SD_SLS_API/014"
SOLD_TO = "SD_SLS_API/016"
CURRENCY = "SD_SLS_API/020"
AMOUNT = "SD_SLS_API/030"
MATERIAL = "SD_SLS_API/031"
DUPLICATE = "SD_SLS_API/409"
_RETURN_TYPES = ("CBAR", "RE")


def _sales_order(world: World, data: Payload) -> SalesOrder:
    reference = text(data, "PurchaseOrderByCustomer")
    if not reference:
        raise ODataError(400, "Enter the customer reference (PurchaseOrderByCustomer)", NO_ORDER)
    order = world.order_by_name.get(reference)
    if order is None or order.sales_order is None:
        message = f"Sales order with customer reference {reference} does not exist"
        raise ODataError(400, message, NO_ORDER)
    so = order.sales_order
    sold_to = text(data, "SoldToParty")
    if sold_to and sold_to != order.customer.sap_number:
        message = f"Sold-to party {sold_to} is not the sold-to party of sales order {so.number}"
        raise ODataError(400, message, SOLD_TO)
    return so


def _line(so: SalesOrder, data: Payload) -> OrderLine:
    material = text(data, "Material")
    if not material:
        # An amount-only credit names no material; SAP books it on the first item.
        return so.order.lines[0]
    for line in so.order.lines:
        if line.product.sku == material:
            return line
    raise ODataError(400, f"Material {material} is not part of sales order {so.number}", MATERIAL)


def _item_number(data: Payload, key: str, position: int, seen: set[str]) -> str:
    number = text(data, key) or str(10 * position)
    if number in seen:
        raise ODataError(400, f"Item {number} occurs more than once")
    seen.add(number)
    return number


def _pro_rata(line: OrderLine, qty: int) -> Decimal:
    return line.net if qty >= line.quantity else money(line.net * qty / line.quantity)


def _reference(data: Payload, so: SalesOrder) -> tuple[str, str, BillingDocument | None]:
    """(document, category, invoice) the credit refers to: the sales order or an invoice."""
    document = text(data, "ReferenceSDDocument")
    category = text(data, "ReferenceSDDocumentCategory")
    invoices = {doc.number: doc for doc in so.invoices}
    if not document:
        return so.number, "C", None
    if category in ("", "C") and document == so.number:
        return so.number, "C", None
    if category in ("", "M") and document in invoices:
        return document, "M", invoices[document]
    message = f"Reference document {document} ({category or '?'}) does not belong to {so.number}"
    raise ODataError(400, message, REFERENCE)


def _net(data: Payload, number: str, line: OrderLine, qty: int) -> Decimal:
    """The item's NetAmount, or its share of the order line's net when none is given."""
    net = decimal(data, "NetAmount")
    if net is None:
        return _pro_rata(line, qty)
    if net < 0:
        raise ODataError(400, f"Net amount of item {number} must not be negative", AMOUNT)
    return net


def create_credit_memo_request(writer: WorldWriter, data: Payload) -> str:
    """Validate, then create the request and its credit memo; returns the request number."""
    world = writer.world
    check_properties(data, CREDIT_MEMO_REQUEST)
    external = text(data, "YY1_Order360RefundID_SDH")
    if external and external in world.credit_memo_request_by_external_id:
        message = f"Credit memo request for external reference {external} already exists"
        raise ODataError(400, message, DUPLICATE)
    doc_type = text(data, "CreditMemoRequestType", "CR")
    if doc_type != "CR":
        raise ODataError(400, f"Sales document type {doc_type} is not defined", DOC_TYPE)
    so = _sales_order(world, data)
    order = so.order
    currency = text(data, "TransactionCurrency", order.currency)
    if currency != order.currency:
        message = f"Currency {currency} differs from currency {order.currency} of {so.number}"
        raise ODataError(400, message, CURRENCY)
    ref_document, ref_category, invoice = _reference(data, so)
    lines: list[AfterSalesItem] = []
    seen: set[str] = set()
    for pos, raw in enumerate(items(data, "to_Item", CREDIT_MEMO_REQUEST_ITEM), start=1):
        number = _item_number(raw, "CreditMemoRequestItem", pos, seen)
        line = _line(so, raw)
        qty = quantity(raw, "RequestedQuantity")
        lines.append(AfterSalesItem(number, line, qty, _net(raw, number, line, qty)))
    total = sum((item.net for item in lines), Decimal("0.00"))
    if total <= 0:
        raise ODataError(400, "The total net amount must be greater than zero", AMOUNT)
    request = book_credit(
        writer,
        so,
        lines,
        doc_type=doc_type,
        reason=text(data, "SDDocumentReason"),
        currency=currency,
        reference=(ref_document, ref_category, invoice),
        external_id=external,
        oms_refund_id=text(data, "YY1_OMSRefundID_SDH"),
    )
    return request.number


def create_customer_return(writer: WorldWriter, data: Payload) -> str:
    """Validate, then create the return; returns its number. Stock is untouched until
    the goods arrive, which the sandbox does not simulate."""
    world = writer.world
    check_properties(data, CUSTOMER_RETURN)
    external = text(data, "YY1_Order360RequestID_SDH")
    if external and external in world.customer_return_by_external_id:
        message = f"Customer return for external reference {external} already exists"
        raise ODataError(400, message, DUPLICATE)
    doc_type = text(data, "CustomerReturnType", "CBAR")
    if doc_type not in _RETURN_TYPES:
        raise ODataError(400, f"Sales document type {doc_type} is not defined", DOC_TYPE)
    so = _sales_order(world, data)
    lines: list[AfterSalesItem] = []
    seen: set[str] = set()
    for pos, raw in enumerate(items(data, "to_Item", CUSTOMER_RETURN_ITEM), start=1):
        number = _item_number(raw, "CustomerReturnItem", pos, seen)
        if not text(raw, "Material"):
            raise ODataError(400, f"Enter a material for item {number}", MATERIAL)
        line = _line(so, raw)
        qty = quantity(raw, "RequestedQuantity")
        if qty > line.quantity:
            message = f"Item {number}: {qty} exceeds the ordered quantity {line.quantity}"
            raise ODataError(400, message, MATERIAL)
        net = _net(raw, number, line, qty)
        lines.append(AfterSalesItem(number, line, qty, net, text(raw, "ReturnReason")))
    customer_return = CustomerReturn(
        number=str(writer.customer_return_numbers.next()),
        sales_order=so,
        created_at=writer.now(),
        doc_type=doc_type,
        reason=text(data, "SDDocumentReason"),
        external_id=external,
        items=lines,
    )
    writer.add_customer_return(customer_return)
    return customer_return.number
