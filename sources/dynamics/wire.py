"""Dynamics 365 F&O OData v4 JSON → canonical models.

Collections arrive as ``{"@odata.context": …, "value": [...], "@odata.nextLink": …}``;
numbers are JSON numbers, enums their symbol (``"Invoiced"``), ``NoYes`` flags the
strings ``"Yes"``/``"No"``, and dates ``Edm.DateTimeOffset`` in UTC (a date-only
field such as ``InvoiceDate`` is noon UTC of that day). Anything else is schema drift
and becomes ``SourceBadResponse``. Field names live here and in ``client``/``writes``
only: nothing above ``sources/`` knows them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import SourceBadResponse
from ..models import ErpBillingDocument, ErpSalesOrder, ErpSalesOrderItem, Money, StockLevel

__all__ = [
    "billing_document",
    "entity_values",
    "next_link",
    "odata_datetime",
    "read_dynamics_error",
    "sales_order",
    "sales_order_status",
    "stock_levels",
]

_CENT = Decimal("0.01")


def _drift(detail: str) -> SourceBadResponse:
    return SourceBadResponse("erp", f"unexpected OData payload: {detail}")


def _text(entity: dict[str, Any], name: str) -> str:
    value = entity.get(name)
    if not isinstance(value, str):
        raise _drift(f"{name} missing")
    return value


def _decimal(entity: dict[str, Any], name: str) -> Decimal:
    value = entity.get(name)
    # bool is an int: a flag where a number belongs is drift, not 1 or 0.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _drift(f"{name} is not a number: {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # inf and nan print as words
        raise _drift(f"{name} is not a number: {value!r}") from exc


def _money(entity: dict[str, Any], name: str, currency: str) -> Money:
    # JSON numbers drop trailing zeros (12.5); amounts are kept to the cent like SAP's.
    amount = _decimal(entity, name)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(_CENT)
    return Money(amount, currency)


def odata_datetime(value: Any) -> datetime:
    """``2026-05-04T09:30:00Z`` (``Edm.DateTimeOffset``) → aware UTC datetime."""
    if not isinstance(value, str):
        raise _drift(f"bad date {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _drift(f"bad date {value!r}") from exc
    if parsed.tzinfo is None:
        raise _drift(f"date without offset {value!r}")
    return parsed.astimezone(UTC)


def _day(value: Any) -> datetime:
    # A date-only field is written as noon UTC of its day; the day is what it means.
    return odata_datetime(value).replace(hour=0, minute=0, second=0, microsecond=0)


def entity_values(payload: Any) -> list[dict[str, Any]]:
    """The entities of a collection response (``value``)."""
    values = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(values, list) or not all(isinstance(row, dict) for row in values):
        raise _drift("no value list")
    return values


def next_link(payload: Any) -> str | None:
    """The server-driven paging link (``@odata.nextLink``), if the server paged."""
    link = payload.get("@odata.nextLink") if isinstance(payload, dict) else None
    return link if isinstance(link, str) else None


def sales_order_status(header: dict[str, Any], lines: Sequence[dict[str, Any]]) -> str:
    """Canonical status from ``SalesOrderStatus`` (the ``SalesStatus`` enum).

    A partly delivered order stays ``Backorder`` in the header until every line is
    out, so the lines tell ``OPEN`` (nothing out yet) from ``IN_PROGRESS``.
    """
    status = header.get("SalesOrderStatus")
    if status == "Canceled":
        return "CANCELLED"
    if header.get("IsSalesProcessingStopped") == "Yes":
        return "ON_HOLD"
    if status == "Invoiced":
        return "COMPLETED"
    if status == "Delivered":
        return "IN_PROGRESS"
    if status == "Backorder":
        moved = any(line.get("SalesOrderLineStatus") in ("Delivered", "Invoiced") for line in lines)
        return "IN_PROGRESS" if moved else "OPEN"
    return "PENDING"


def sales_order(header: dict[str, Any], lines: Sequence[dict[str, Any]]) -> ErpSalesOrder:
    """``SalesOrderHeadersV2`` and its ``SalesOrderLines`` → ``ErpSalesOrder``.

    The header carries totals including tax (``OrderTotalAmount``); net is that less
    ``OrderTotalTaxAmount``.
    """
    currency = _text(header, "CurrencyCode")
    total = _money(header, "OrderTotalAmount", currency)
    tax = _money(header, "OrderTotalTaxAmount", currency)
    items = tuple(
        ErpSalesOrderItem(
            item=str(_decimal(line, "LineNumber").normalize()),
            material=_text(line, "ItemNumber"),
            quantity=_decimal(line, "OrderedSalesQuantity"),
            net_amount=_money(line, "LineAmount", currency),
            rejected=line.get("SalesOrderLineStatus") == "Canceled",
        )
        for line in sorted(lines, key=lambda line: _decimal(line, "LineNumber"))
    )
    return ErpSalesOrder(
        document_number=_text(header, "SalesOrderNumber"),
        order_number=_text(header, "CustomersOrderReference"),
        sold_to_party=_text(header, "OrderingCustomerAccountNumber"),
        status=sales_order_status(header, lines),
        delivery_status=str(header.get("SalesOrderStatus") or ""),
        net_amount=total - tax,
        created_at=odata_datetime(header.get("OrderCreationDateTime")),
        items=items,
    )


def billing_document(entity: dict[str, Any]) -> ErpBillingDocument:
    """``SalesInvoiceHeadersV2`` (the posted customer invoice journal) → a document.

    A credit note is an invoice journal entry with negative totals; the canonical
    model carries amounts as positive figures and says which kind it is.
    ``O360OmsRefundId`` is our extension field, copied from the free-text credit note.
    """
    currency = _text(entity, "CurrencyCode")
    gross = _money(entity, "TotalInvoiceAmount", currency)
    tax = _money(entity, "TotalTaxAmount", currency)
    credit = gross.amount < 0
    sign = Decimal(-1) if credit else Decimal(1)
    refund_ref = entity.get("O360OmsRefundId")
    return ErpBillingDocument(
        document_number=_text(entity, "InvoiceNumber"),
        kind="CREDIT_MEMO" if credit else "INVOICE",
        order_number=_text(entity, "CustomersOrderReference"),
        issued_at=_day(entity.get("InvoiceDate")),
        net_amount=Money(sign * (gross.amount - tax.amount), currency),
        tax_amount=Money(sign * tax.amount, currency),
        gross_amount=Money(sign * gross.amount, currency),
        cancelled=False,  # F&O reverses an invoice with a credit note, never a flag
        oms_refund_id=refund_ref if isinstance(refund_ref, str) and refund_ref else None,
    )


def stock_levels(rows: list[dict[str, Any]]) -> dict[str, StockLevel]:
    """Sum ``WarehousesOnHandV2`` rows per item over sites and warehouses.

    ``AvailablePhysicalQuantity`` is what can still be reserved from stock on hand,
    the counterpart of SAP's unrestricted-use stock. The entity carries no unit (it
    is the product's inventory unit), so the level's unit is left empty.
    """
    levels: dict[str, StockLevel] = {}
    for row in rows:
        item = _text(row, "ItemNumber")
        quantity = _decimal(row, "AvailablePhysicalQuantity")
        known = levels.get(item)
        levels[item] = StockLevel(
            item, quantity if known is None else known.quantity + quantity, ""
        )
    return levels


def read_dynamics_error(body: bytes) -> str | None:
    """``error.code: error.message`` (and the inner message) of an F&O error body, for the log.

    F&O often leaves ``code`` empty and says "An error has occurred."; the useful text
    is then ``innererror.message``.
    """
    try:
        error = json.loads(body)["error"]
        text = f"{error.get('code') or '-'}: {error['message']}"
        inner = error.get("innererror")
        if isinstance(inner, dict) and inner.get("message"):
            text = f"{text} ({inner['message']})"
        return text
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
