"""SAP OData v2 verbose JSON → canonical models.

Decimals arrive as strings, dates as ``/Date(ms)/`` (UTC epoch milliseconds, with an
optional ``+0000`` offset for ``Edm.DateTimeOffset``), collections inside
``{"d": {"results": [...]}}``, and expanded navigations as ``{"results": [...]}``.
Anything else is schema drift and becomes ``SourceBadResponse``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import SourceBadResponse
from ..models import ErpBillingDocument, ErpSalesOrder, ErpSalesOrderItem, Money, StockLevel

__all__ = [
    "billing_document",
    "entity_results",
    "next_link",
    "odata_date",
    "read_sap_error",
    "sales_order",
    "sales_order_status",
    "stock_levels",
]

_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_KINDS = {
    "M": "INVOICE",
    "O": "CREDIT_MEMO",
    "N": "INVOICE_CANCELLATION",
    "S": "CREDIT_MEMO_CANCELLATION",
    "P": "DEBIT_MEMO",
}


def _drift(detail: str) -> SourceBadResponse:
    return SourceBadResponse("erp", f"unexpected OData payload: {detail}")


def odata_date(value: Any) -> datetime:
    """``/Date(1717200000000)/`` or ``/Date(1717230063682+0000)/`` → aware UTC datetime."""
    match = _DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise _drift(f"bad date {value!r}")
    # The milliseconds are UTC already; a DateTimeOffset's offset only says where
    # the change was recorded, so it does not shift the instant.
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _drift(f"{name} is not a decimal: {value!r}") from exc


def _text(entity: dict[str, Any], name: str) -> str:
    value = entity.get(name)
    if not isinstance(value, str):
        raise _drift(f"{name} missing")
    return value


def entity_results(payload: Any) -> list[dict[str, Any]]:
    """The entity list of a collection response."""
    try:
        results = payload["d"]["results"]
    except (KeyError, TypeError) as exc:
        raise _drift("no d.results") from exc
    if not isinstance(results, list) or not all(isinstance(row, dict) for row in results):
        raise _drift("d.results is not a list of entities")
    return results


def next_link(payload: Any) -> str | None:
    """The server-side paging link (``__next``), if the server paged the result."""
    link = payload.get("d", {}).get("__next") if isinstance(payload, dict) else None
    return link if isinstance(link, str) else None


def sales_order_status(entity: dict[str, Any]) -> str:
    """Canonical status from SAP's header status fields, in §5.1's order."""
    if entity.get("OverallSDDocumentRejectionSts") == "C":
        return "CANCELLED"
    if (
        entity.get("TotalBlockStatus")
        or entity.get("DeliveryBlockReason")
        or entity.get("HeaderBillingBlockReason")
    ):
        return "ON_HOLD"
    return {"C": "COMPLETED", "B": "IN_PROGRESS", "A": "OPEN"}.get(
        entity.get("OverallSDProcessStatus") or "", "PENDING"
    )


def sales_order(entity: dict[str, Any]) -> ErpSalesOrder:
    """``A_SalesOrder`` (with ``to_Item`` expanded) → ``ErpSalesOrder``."""
    currency = _text(entity, "TransactionCurrency")
    nav = entity.get("to_Item")
    raw_items = nav.get("results", []) if isinstance(nav, dict) else []
    items = tuple(
        ErpSalesOrderItem(
            item=_text(item, "SalesOrderItem"),
            material=_text(item, "Material"),
            quantity=_decimal(item.get("RequestedQuantity"), "RequestedQuantity"),
            net_amount=Money(_decimal(item.get("NetAmount"), "NetAmount"), currency),
            rejected=bool(item.get("SalesDocumentRjcnReason")),
        )
        for item in raw_items
    )
    return ErpSalesOrder(
        document_number=_text(entity, "SalesOrder"),
        order_number=_text(entity, "PurchaseOrderByCustomer"),
        sold_to_party=_text(entity, "SoldToParty"),
        status=sales_order_status(entity),
        delivery_status=entity.get("OverallDeliveryStatus") or "",
        net_amount=Money(_decimal(entity.get("TotalNetAmount"), "TotalNetAmount"), currency),
        created_at=odata_date(entity.get("SalesOrderDate")),
        items=items,
    )


def billing_document(entity: dict[str, Any]) -> ErpBillingDocument:
    """``A_BillingDocument`` → ``ErpBillingDocument`` (invoice, credit memo, ...)."""
    currency = _text(entity, "TransactionCurrency")
    category = _text(entity, "SDDocumentCategory")
    refund_ref = entity.get("YY1_OMSRefundID_BDH")
    return ErpBillingDocument(
        document_number=_text(entity, "BillingDocument"),
        kind=_KINDS.get(category, f"OTHER_{category}"),
        order_number=_text(entity, "PurchaseOrderByCustomer"),
        issued_at=odata_date(entity.get("BillingDocumentDate")),
        net_amount=Money(_decimal(entity.get("TotalNetAmount"), "TotalNetAmount"), currency),
        tax_amount=Money(_decimal(entity.get("TaxAmount"), "TaxAmount"), currency),
        gross_amount=Money(_decimal(entity.get("TotalGrossAmount"), "TotalGrossAmount"), currency),
        cancelled=bool(entity.get("BillingDocumentIsCancelled")),
        oms_refund_id=refund_ref if isinstance(refund_ref, str) and refund_ref else None,
    )


def stock_levels(rows: list[dict[str, Any]]) -> dict[str, StockLevel]:
    """Sum ``A_MatlStkInAcctMod`` rows per material."""
    levels: dict[str, StockLevel] = {}
    for row in rows:
        material = _text(row, "Material")
        quantity = _decimal(row.get("MatlWrhsStkQtyInMatlBaseUnit"), "MatlWrhsStkQtyInMatlBaseUnit")
        unit = row.get("MaterialBaseUnit") or ""
        known = levels.get(material)
        total = quantity if known is None else known.quantity + quantity
        levels[material] = StockLevel(material, total, str(unit))
    return levels


def read_sap_error(body: bytes) -> str | None:
    """``error.code`` of an OData error body, for the log."""
    try:
        error = json.loads(body)["error"]
        return f"{error.get('code')}: {error.get('message', {}).get('value')}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
