"""Shopify Admin REST order payloads → canonical models.

Money fields are decimal strings, except ``refund_line_items[].subtotal`` and
``total_tax`` which are JSON numbers, read through ``str()`` into ``Decimal`` (exact:
``sources.json_body`` sends any literal a float could not hold to the exact parser).
Timestamps carry the shop's offset and are normalised to UTC. Ids are 64-bit integers
and become strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import SourceBadResponse
from ..isotime import iso_timestamp
from ..models import (
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OmsCustomer,
    OmsFulfillment,
    OmsLine,
    OmsOrder,
    OmsRefund,
    OmsRefundLine,
    ShipmentStatus,
)

__all__ = ["SHIPMENT_STATUS", "order", "read_shopify_error", "refund", "timestamp"]

FINANCIAL_STATUS = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
    "expired": FinancialStatus.VOIDED,
}
FULFILLMENT_STATUS = {
    None: FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIAL,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "restocked": FulfillmentStatus.RESTOCKED,
}
SHIPMENT_STATUS: Mapping[str, ShipmentStatus] = {
    "label_printed": ShipmentStatus.PRE_TRANSIT,
    "label_purchased": ShipmentStatus.PRE_TRANSIT,
    "confirmed": ShipmentStatus.PRE_TRANSIT,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "ready_for_pickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "attempted_delivery": ShipmentStatus.EXCEPTION,
    "delivered": ShipmentStatus.DELIVERED,
    "failure": ShipmentStatus.EXCEPTION,
}
_DEAD_FULFILLMENT = {"cancelled", "error", "failure"}


def _drift(detail: str) -> SourceBadResponse:
    return SourceBadResponse("oms", f"unexpected order payload: {detail}")


def timestamp(value: Any) -> datetime:
    """An ISO 8601 timestamp with offset → aware UTC datetime."""
    return iso_timestamp(value, "oms")


def _optional_timestamp(value: Any) -> datetime | None:
    return None if value is None else timestamp(value)


def _money(value: Any, currency: str, name: str) -> Money:
    try:
        return Money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError) as exc:
        raise _drift(f"{name} is not an amount: {value!r}") from exc


def _customer(raw: Any) -> OmsCustomer | None:
    if not isinstance(raw, dict) or "id" not in raw:
        return None
    return OmsCustomer(
        id=str(raw["id"]),
        email=raw.get("email"),
        first_name=raw.get("first_name"),
        last_name=raw.get("last_name"),
        phone=raw.get("phone"),
    )


def _refund(raw: dict[str, Any], currency: str) -> OmsRefund:
    amount = Money.zero(currency)
    for transaction in raw.get("transactions") or []:
        if transaction.get("kind") == "refund" and transaction.get("status") == "success":
            amount = amount + _money(transaction.get("amount"), currency, "transaction.amount")
    lines = tuple(
        OmsRefundLine(
            line_id=str(line["line_item_id"]),
            quantity=int(line.get("quantity") or 0),
            restock_type=str(line.get("restock_type") or "no_restock"),
        )
        for line in raw.get("refund_line_items") or []
    )
    return OmsRefund(
        id=str(raw["id"]),
        created_at=timestamp(raw.get("processed_at") or raw.get("created_at")),
        amount=amount,
        note=raw.get("note"),
        lines=lines,
    )


def refund(raw: Any, currency: str) -> OmsRefund:
    """One Shopify ``refund`` object → ``OmsRefund``."""
    if not isinstance(raw, dict):
        raise _drift("refund is not an object")
    try:
        return _refund(raw, currency)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _drift(f"{type(exc).__name__}: {exc}") from exc


def _fulfillment(raw: dict[str, Any]) -> OmsFulfillment:
    status = raw.get("shipment_status")
    return OmsFulfillment(
        id=str(raw["id"]),
        name=str(raw.get("name") or raw["id"]),
        created_at=timestamp(raw.get("created_at")),
        tracking_company=raw.get("tracking_company"),
        tracking_number=raw.get("tracking_number"),
        shipment_status=SHIPMENT_STATUS.get(status) if isinstance(status, str) else None,
        cancelled=raw.get("status") in _DEAD_FULFILLMENT,
    )


def order(raw: Any, channels_by_app: Mapping[int, str]) -> OmsOrder:
    """One Shopify ``order`` object → ``OmsOrder``."""
    if not isinstance(raw, dict):
        raise _drift("order is not an object")
    try:
        currency = str(raw["currency"])
        refunds = tuple(_refund(r, currency) for r in raw.get("refunds") or [])
        refunded_qty: dict[str, int] = {}
        for refund in refunds:
            for line in refund.lines:
                refunded_qty[line.line_id] = refunded_qty.get(line.line_id, 0) + line.quantity
        lines = tuple(
            OmsLine(
                id=str(item["id"]),
                sku=str(item.get("sku") or ""),
                title=str(item.get("name") or item.get("title") or ""),
                quantity=int(item["quantity"]),
                unit_price=_money(item.get("price"), currency, "line_items.price"),
                refunded_quantity=refunded_qty.get(str(item["id"]), 0),
            )
            for item in raw.get("line_items") or []
        )
        app_id = raw.get("app_id")
        channel = channels_by_app.get(app_id) if isinstance(app_id, int) else None
        return OmsOrder(
            id=str(raw["id"]),
            number=str(raw["name"]),
            channel=channel or str(raw.get("source_name") or "unknown"),
            placed_at=timestamp(raw.get("created_at")),
            updated_at=timestamp(raw.get("updated_at") or raw.get("created_at")),
            cancelled_at=_optional_timestamp(raw.get("cancelled_at")),
            closed_at=_optional_timestamp(raw.get("closed_at")),
            financial_status=FINANCIAL_STATUS[raw.get("financial_status") or "pending"],
            fulfillment_status=FULFILLMENT_STATUS[raw.get("fulfillment_status")],
            subtotal=_money(raw.get("subtotal_price"), currency, "subtotal_price"),
            total_tax=_money(raw.get("total_tax"), currency, "total_tax"),
            total=_money(raw.get("total_price"), currency, "total_price"),
            customer=_customer(raw.get("customer")),
            lines=lines,
            fulfillments=tuple(_fulfillment(f) for f in raw.get("fulfillments") or []),
            refunds=refunds,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _drift(f"{type(exc).__name__}: {exc}") from exc


def read_shopify_error(body: bytes) -> str | None:
    """The ``errors`` member of a Shopify error body (string or field map), for the log."""
    try:
        return str(json.loads(body).get("errors"))
    except (ValueError, AttributeError):
        return None
