"""The F&O data entities the emulation serves, as rows of typed values built from the world.

Values are typed (str, Decimal, datetime) so `$filter` compares as F&O does; the
encoder spells them as OData v4 JSON. Every generated and written record is in one
legal entity, `COMPANY`; the service principal's default company is `DEFAULT_COMPANY`,
which holds nothing, so a query that forgets `cross-company=true` finds nothing, as it
would against an environment whose data lives in another company.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sandbox.timefmt import midnight
from sandbox.world import (
    BillingDocument,
    CreditMemoRequest,
    CustomerReturn,
    OrderLine,
    SalesOrder,
    World,
)

Row = dict[str, Any]
COMPANY = "usmf"
DEFAULT_COMPANY = "dat"
SITE, WAREHOUSE = "1", "11"


def _noon(at: datetime.datetime) -> datetime.datetime:
    # F&O writes a date-only field as noon UTC of that day.
    return midnight(at.date()) + datetime.timedelta(hours=12)


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _header_status(so: SalesOrder) -> str:
    """`SalesStatus` from the order's progress, as SAP's statuses record it."""
    if so.rejection_status == "C":
        return "Canceled"
    if so.process_status == "C":
        return "Invoiced"
    if so.process_status == "B" and so.delivery_status == "C":
        return "Delivered"
    return "Backorder"


def _line_status(so: SalesOrder, line: OrderLine) -> str:
    if so.rejection_status == "C":
        return "Canceled"
    if line.fulfilled < line.quantity:
        return "Backorder"  # a partly delivered line stays on backorder for the rest
    return "Invoiced" if so.process_status == "C" else "Delivered"


def sales_order_header(so: SalesOrder) -> Row:
    order = so.order
    return {
        "dataAreaId": COMPANY,
        "SalesOrderNumber": so.number,
        "SalesOrderName": order.customer.first_name + " " + order.customer.last_name,
        "CustomersOrderReference": order.name,
        "CustomerRequisitionNumber": "",
        "OrderingCustomerAccountNumber": order.customer.sap_number,
        "InvoiceCustomerAccountNumber": order.customer.sap_number,
        "CurrencyCode": order.currency,
        "SalesOrderStatus": _header_status(so),
        "SalesOrderProcessingStatus": "None",
        "IsSalesProcessingStopped": "No",
        "OrderCreationDateTime": order.created_at.replace(microsecond=0),
        "RequestedShippingDate": _noon(order.created_at + datetime.timedelta(days=5)),
        "DefaultShippingSiteId": SITE,
        "DefaultShippingWarehouseId": WAREHOUSE,
        "OrderTotalAmount": so.total_net_amount + order.tax,
        "OrderTotalTaxAmount": order.tax,
        "OrderTotalDiscountAmount": order.discounts,
        "OrderTotalChargesAmount": Decimal("0.00"),
        "AreTotalsCalculated": "Yes",
    }


def sales_order_lines(so: SalesOrder) -> list[Row]:
    order = so.order
    return [
        {
            "dataAreaId": COMPANY,
            "SalesOrderNumber": so.number,
            "LineNumber": Decimal(line.position),
            "ItemNumber": line.product.sku,
            "LineDescription": f"{line.product.title} {line.product.variant_title}",
            "OrderedSalesQuantity": Decimal(line.quantity),
            "SalesUnitSymbol": "ea",
            "SalesPrice": line.price,
            "LineDiscountAmount": line.discount,
            "LineAmount": line.net,
            "CurrencyCode": order.currency,
            "SalesOrderLineStatus": _line_status(so, line),
            "ShippingSiteId": SITE,
            "ShippingWarehouseId": WAREHOUSE,
        }
        for line in order.lines
    ]


def invoice_header(doc: BillingDocument) -> Row:
    """A posted customer invoice journal entry; a credit memo has negative totals."""
    sign = Decimal(-1) if doc.category == "O" else Decimal(1)
    order = doc.order
    return {
        "dataAreaId": COMPANY,
        "InvoiceNumber": doc.number,
        "InvoiceDate": _noon(doc.date),
        "CustomersOrderReference": order.name,
        "SalesOrderNumber": doc.sales_order.number,
        "InvoiceCustomerAccountNumber": order.customer.sap_number,
        "CurrencyCode": order.currency,
        "TotalInvoiceAmount": sign * doc.gross,
        "TotalTaxAmount": sign * doc.tax,
        "TotalDiscountAmount": Decimal("0.00"),
        "TotalChargeAmount": Decimal("0.00"),
        "LedgerVoucher": doc.accounting_document,
        "O360OmsRefundId": doc.refund_reference if doc.category == "O" else "",
    }


def free_text_header(request: CreditMemoRequest) -> Row:
    order = request.sales_order.order
    memo = request.credit_memo
    return {
        "dataAreaId": COMPANY,
        "FreeTextNumber": request.number,
        "InvoiceId": memo.number if memo is not None else "",
        "CustomerAccount": order.customer.sap_number,
        "InvoiceAccount": order.customer.sap_number,
        "CurrencyCode": request.currency,
        "CustomerReference": order.name,
        "InvoiceDate": _noon(request.created_at),
        "IsPosted": _yes(memo is not None),
        "O360WorkflowReference": request.external_id,
        "O360OmsRefundId": request.oms_refund_id,
        "O360RefundReason": request.reason,
    }


def free_text_lines(request: CreditMemoRequest) -> list[Row]:
    return [
        {
            "dataAreaId": COMPANY,
            "FreeTextNumber": request.number,
            "LineNumber": Decimal(position),
            "Description": item.line.product.sku,
            "Quantity": -Decimal(item.quantity),
            "UnitPrice": (item.net / item.quantity).quantize(Decimal("0.0001")),
            "LineAmount": -item.net,
        }
        for position, item in enumerate(request.items, start=1)
    ]


def return_header(customer_return: CustomerReturn) -> Row:
    order = customer_return.sales_order.order
    return {
        "dataAreaId": COMPANY,
        "ReturnOrderNumber": customer_return.number,
        "RMANumber": customer_return.number,
        "CustomerAccountNumber": order.customer.sap_number,
        "CustomersOrderReference": order.name,
        "CurrencyCode": order.currency,
        "ReturnReasonCodeId": customer_return.reason,
        "ReturnOrderStatus": "Created",
        "O360WorkflowReference": customer_return.external_id,
    }


def return_lines(customer_return: CustomerReturn) -> list[Row]:
    return [
        {
            "dataAreaId": COMPANY,
            "ReturnOrderNumber": customer_return.number,
            "LineNumber": Decimal(position),
            "ItemNumber": item.line.product.sku,
            "ExpectedReturnQuantity": Decimal(item.quantity),
            "ReturnLineStatus": "Awaiting",
        }
        for position, item in enumerate(customer_return.items, start=1)
    ]


def on_hand(world: World) -> list[Row]:
    rows = []
    for product in world.products:
        quantity = Decimal(world.stock[product.sku])
        rows.append(
            {
                "dataAreaId": COMPANY,
                "ItemNumber": product.sku,
                "ProductName": product.title,
                "InventorySiteId": SITE,
                "InventoryWarehouseId": WAREHOUSE,
                "OnHandQuantity": quantity,
                "ReservedOnHandQuantity": Decimal(0),
                "AvailablePhysicalQuantity": quantity,
                "TotalAvailableQuantity": quantity,
            }
        )
    return rows


def _each(rows: Callable[[Any], list[Row]], records: list[Any]) -> list[Row]:
    return [row for record in records for row in rows(record)]


BUILDERS: dict[str, Callable[[World], list[Row]]] = {
    "SalesOrderHeadersV2": lambda w: [sales_order_header(so) for so in w.sales_orders],
    "SalesOrderLines": lambda w: _each(sales_order_lines, w.sales_orders),
    "SalesInvoiceHeadersV2": lambda w: [invoice_header(d) for d in w.billing_documents],
    "FreeTextInvoiceHeaders": lambda w: [free_text_header(r) for r in w.credit_memo_requests],
    "FreeTextInvoiceLines": lambda w: _each(free_text_lines, w.credit_memo_requests),
    "ReturnOrderHeaders": lambda w: [return_header(r) for r in w.customer_returns],
    "ReturnOrderLines": lambda w: _each(return_lines, w.customer_returns),
    "WarehousesOnHandV2": on_hand,
}
"""Rows of each entity set, built from the world."""

# Which world change makes which sets stale.
STALE_ON = {
    "billing_document": ("SalesInvoiceHeadersV2",),
    "credit_memo_request": ("FreeTextInvoiceHeaders", "FreeTextInvoiceLines"),
    "customer_return": ("ReturnOrderHeaders", "ReturnOrderLines"),
    "stock": ("WarehousesOnHandV2",),
    "order": ("SalesOrderHeadersV2", "SalesOrderLines"),
}


class EntityStore:
    """Rows per entity set, built on first read and rebuilt after a world change."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._rows: dict[str, list[Row]] = {}
        self._index: dict[tuple[str, str], dict[Any, list[Row]]] = {}

    def on_change(self, kind: str, subject: object) -> None:
        """`WorldWriter` listener: forget the sets the change touches."""
        for name in STALE_ON.get(kind, ()):
            self._rows.pop(name, None)
            for key in [k for k in self._index if k[0] == name]:
                del self._index[key]

    def rows(self, name: str) -> list[Row]:
        if name not in self._rows:
            self._rows[name] = BUILDERS[name](self._world)
        return self._rows[name]

    def lookup(self, name: str, prop: str, values: list[Any]) -> list[Row]:
        """Rows whose `prop` is one of `values`, in set order."""
        key = (name, prop)
        if key not in self._index:
            index: dict[Any, list[Row]] = {}
            for row in self.rows(name):
                index.setdefault(row.get(prop), []).append(row)
            self._index[key] = index
        order = {id(row): n for n, row in enumerate(self.rows(name))}
        found = {id(r): r for value in values for r in self._index[key].get(value, ())}
        return sorted(found.values(), key=lambda row: order[id(row)])

    def properties(self, name: str) -> set[str]:
        rows = self.rows(name)
        if rows:
            return set(rows[0])
        probe = _EMPTY_PROPERTIES.get(name)
        return set(probe) if probe else set()


# Property names of sets that may be empty in a small world (no returns yet).
_EMPTY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "FreeTextInvoiceHeaders": (
        "dataAreaId", "FreeTextNumber", "InvoiceId", "CustomerAccount", "InvoiceAccount",
        "CurrencyCode", "CustomerReference", "InvoiceDate", "IsPosted",
        "O360WorkflowReference", "O360OmsRefundId", "O360RefundReason",
    ),
    "FreeTextInvoiceLines": (
        "dataAreaId", "FreeTextNumber", "LineNumber", "Description", "Quantity", "UnitPrice",
        "LineAmount",
    ),
    "ReturnOrderHeaders": (
        "dataAreaId", "ReturnOrderNumber", "RMANumber", "CustomerAccountNumber",
        "CustomersOrderReference", "CurrencyCode", "ReturnReasonCodeId", "ReturnOrderStatus",
        "O360WorkflowReference",
    ),
    "ReturnOrderLines": (
        "dataAreaId", "ReturnOrderNumber", "LineNumber", "ItemNumber", "ExpectedReturnQuantity",
        "ReturnLineStatus",
    ),
}  # fmt: skip
