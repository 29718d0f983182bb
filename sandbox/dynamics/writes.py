"""Creating a free-text credit note or a return order, header and lines, validated like F&O.

Both are written through the `WorldWriter`, so every emulation sees them: the credit
note is posted at once (as an integration's posting batch job would soon after) and
shows as a credit memo in every ERP's billing documents. `O360WorkflowReference` is
the integration's extension field; its extension carries a unique index, so a second
document with the same reference is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.dynamics.entities import COMPANY
from sandbox.dynamics.errors import DynamicsError
from sandbox.world import AfterSalesItem, CustomerReturn, OrderLine, SalesOrder, WorldWriter
from sandbox.world.credits import book_credit
from sandbox.world.orders import money

Entity = dict[str, Any]


def _text(data: Entity, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise DynamicsError(400, f"The value of '{name}' is not a string.")
    return value


def _number(data: Entity, name: str) -> Decimal:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DynamicsError(400, f"The value of '{name}' is not a number.")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise DynamicsError(400, f"The value of '{name}' is not a number.") from exc


def _sales_order(writer: WorldWriter, reference: str, account: str) -> SalesOrder:
    order = writer.world.order_by_name.get(reference)
    if order is None or order.sales_order is None:
        raise DynamicsError(400, f"No sales order has customer reference {reference}.")
    if account and account != order.customer.sap_number:
        raise DynamicsError(400, f"Customer {account} is not the customer of {reference}.")
    return order.sales_order


def _company(data: Entity) -> None:
    company = _text(data, "dataAreaId") or COMPANY
    if company != COMPANY:
        raise DynamicsError(400, f"Company '{company}' does not exist.")


def _line(so: SalesOrder, sku: str) -> OrderLine:
    for line in so.order.lines:
        if line.product.sku == sku:
            return line
    raise DynamicsError(400, f"Item {sku} is not on sales order {so.number}.")


def create_credit_note(writer: WorldWriter, header: Entity, lines: list[Entity]) -> str:
    """Validate, then book the credit note; returns its free-text number."""
    _company(header)
    reference = _text(header, "O360WorkflowReference")
    if reference and reference in writer.world.credit_memo_request_by_external_id:
        raise DynamicsError(400, f"A free text invoice with reference {reference} already exists.")
    so = _sales_order(writer, _text(header, "CustomerReference"), _text(header, "CustomerAccount"))
    currency = _text(header, "CurrencyCode") or so.order.currency
    if currency != so.order.currency:
        raise DynamicsError(400, f"Currency {currency} is not the currency of {so.number}.")
    if not lines:
        raise DynamicsError(400, "A free text invoice needs at least one line.")
    items: list[AfterSalesItem] = []
    for position, data in enumerate(lines, start=1):
        _company(data)
        quantity, amount = _number(data, "Quantity"), _number(data, "LineAmount")
        if quantity >= 0 or amount >= 0 or quantity != quantity.to_integral_value():
            raise DynamicsError(400, f"Line {position}: a credit note line must be negative.")
        line = _line(so, _text(data, "Description"))
        items.append(AfterSalesItem(str(10 * position), line, int(-quantity), money(-amount)))
    request = book_credit(
        writer,
        so,
        items,
        doc_type="CR",
        reason=_text(header, "O360RefundReason"),
        currency=currency,
        reference=(so.number, "C", None),
        external_id=reference,
        oms_refund_id=_text(header, "O360OmsRefundId"),
    )
    return request.number


def create_return_order(writer: WorldWriter, header: Entity, lines: list[Entity]) -> str:
    """Validate, then record the return order; returns its RMA number."""
    _company(header)
    reference = _text(header, "O360WorkflowReference")
    if reference and reference in writer.world.customer_return_by_external_id:
        raise DynamicsError(400, f"A return order with reference {reference} already exists.")
    so = _sales_order(
        writer, _text(header, "CustomersOrderReference"), _text(header, "CustomerAccountNumber")
    )
    if not lines:
        raise DynamicsError(400, "A return order needs at least one line.")
    reason = _text(header, "ReturnReasonCodeId")
    items: list[AfterSalesItem] = []
    for position, data in enumerate(lines, start=1):
        _company(data)
        line = _line(so, _text(data, "ItemNumber"))
        quantity = _number(data, "ExpectedReturnQuantity")
        if quantity <= 0 or quantity > line.quantity or quantity != quantity.to_integral_value():
            raise DynamicsError(400, f"Line {position}: return quantity {quantity} is not valid.")
        qty = int(quantity)
        net = line.net if qty >= line.quantity else money(line.net * qty / line.quantity)
        items.append(AfterSalesItem(str(10 * position), line, qty, net, reason))
    customer_return = CustomerReturn(
        number=str(writer.customer_return_numbers.next()),
        sales_order=so,
        created_at=writer.now(),
        doc_type="CBAR",  # the world's return type, as the SAP emulation renders it
        reason=reason,
        external_id=reference,
        items=items,
    )
    writer.add_customer_return(customer_return)
    return customer_return.number
