"""Writes: free-text credit notes for refunds and return orders for goods coming back.

A refund is booked as a free-text credit note (a free-text invoice with negative
lines) rather than a credit on a return order: a return order is credited only once
its goods are received and registered, while the refund is already paid out and must
reach the books now, goods or not (goodwill, late delivery). Goods that come back are
a return order (RMA) of their own.

Both are written in one ``$batch`` changeset (header and lines in one transaction).
F&O has no idempotency keys, so each document carries our reference in the
``O360WorkflowReference`` extension field and every write first looks it up.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..call import CallContext
from ..commands import CreditNote, ReturnRequest
from ..errors import BadRequestInput, NotFound, SourceBadResponse
from ..failures import status_error
from ..http import Upstream
from .batch import BatchRequest, BatchResponse, encode_changeset, parse_batch_response
from .client import DATA, DynamicsReads
from .config import DynamicsConfig
from .wire import read_dynamics_error

__all__ = ["RETURN_REASONS", "DynamicsWrites"]

# Return reason codes as set up in Sales and marketing > Setup > Returns.
RETURN_REASONS = {
    "DAMAGED": "Damaged",
    "WRONG_ITEM": "WrongItem",
    "NOT_DELIVERED": "NotDeliv",
    "LATE": "Late",
    "GOODWILL": "Goodwill",
    "CUSTOMER_CHANGED_MIND": "Changed",
    "OTHER": "Other",
}


class DynamicsWrites:
    """Credit notes and return orders, each found again by our reference."""

    def __init__(self, upstream: Upstream, config: DynamicsConfig, reads: DynamicsReads) -> None:
        self._upstream = upstream
        self._config = config
        self._reads = reads

    async def find_by_reference(
        self, entity_set: str, reference: str, key: str, call: CallContext
    ) -> str | None:
        """The number of the document in ``entity_set`` carrying our ``reference``."""
        rows = await self._reads.read_by(
            entity_set, "O360WorkflowReference", [reference], f"dataAreaId,{key}", call
        )
        return str(rows[0][key]) if rows else None

    async def _customer(self, sales_order: str, call: CallContext) -> dict[str, Any]:
        rows = await self._reads.read_by(
            "SalesOrderHeadersV2",
            "SalesOrderNumber",
            [sales_order],
            "dataAreaId,SalesOrderNumber,OrderingCustomerAccountNumber,CurrencyCode",
            call,
        )
        if not rows:
            raise NotFound("erp", f"sales order {sales_order} not found")
        return rows[0]

    async def create_credit_note(self, credit: CreditNote, call: CallContext) -> str:
        """Post a free-text credit note for ``credit``; returns its free-text number."""
        order = await self._customer(credit.sales_order, call)
        header = {
            "dataAreaId": self._config.company,
            "CustomerAccount": order["OrderingCustomerAccountNumber"],
            "InvoiceAccount": order["OrderingCustomerAccountNumber"],
            "CurrencyCode": order["CurrencyCode"],
            "CustomerReference": credit.order_number,
            "O360WorkflowReference": credit.reference,
            "O360OmsRefundId": credit.oms_refund_id,
            "O360RefundReason": RETURN_REASONS.get(credit.reason, "Other"),
        }
        lines = [
            {
                "dataAreaId": self._config.company,
                "LineNumber": position,
                "Description": line.material,
                # A credit note is a free-text invoice with negative quantities.
                "Quantity": -line.quantity,
                "UnitPrice": _unit_price(line.net_amount.amount, line.quantity),
                "LineAmount": -line.net_amount.amount,
            }
            for position, line in enumerate(credit.lines, start=1)
        ]
        created = await self._changeset(
            "FreeTextInvoiceHeaders", header, "FreeTextInvoiceLines", lines, call
        )
        return _field(created, "FreeTextNumber")

    async def create_return_order(self, goods: ReturnRequest, call: CallContext) -> str:
        """Post a return order (RMA) for ``goods``; returns its RMA number."""
        orders = await self._reads.read_by(
            "SalesOrderHeadersV2",
            "CustomersOrderReference",
            [goods.order_number],
            "dataAreaId,SalesOrderNumber,OrderingCustomerAccountNumber,CurrencyCode",
            call,
        )
        if not orders:
            raise NotFound("erp", f"no sales order for {goods.order_number}")
        header = {
            "dataAreaId": self._config.company,
            "CustomerAccountNumber": orders[0]["OrderingCustomerAccountNumber"],
            "CurrencyCode": orders[0]["CurrencyCode"],
            "CustomersOrderReference": goods.order_number,
            "ReturnReasonCodeId": RETURN_REASONS.get(goods.reason, "Other"),
            "O360WorkflowReference": goods.reference,
        }
        lines = [
            {
                "dataAreaId": self._config.company,
                "LineNumber": position,
                "ItemNumber": line.material,
                "ExpectedReturnQuantity": line.quantity,
            }
            for position, line in enumerate(goods.lines, start=1)
        ]
        created = await self._changeset(
            "ReturnOrderHeaders", header, "ReturnOrderLines", lines, call
        )
        return _field(created, "ReturnOrderNumber")

    async def _changeset(
        self,
        header_set: str,
        header: dict[str, Any],
        line_nav: str,
        lines: Sequence[dict[str, Any]],
        call: CallContext,
    ) -> dict[str, Any]:
        """POST the header and (through ``$1``, the header just created) its lines."""
        requests = [BatchRequest("POST", header_set, header)]
        requests += [BatchRequest("POST", f"$1/{line_nav}", line) for line in lines]
        try:
            body, content_type = encode_changeset(requests, base=f"/{DATA}")
        except ValueError as exc:  # an amount JSON cannot carry exactly: never sent
            raise BadRequestInput("erp", str(exc)) from exc
        answer = await self._upstream.request(
            "POST",
            f"{DATA}/$batch",
            call,
            content=body,
            headers={"Content-Type": content_type, "Accept": "multipart/mixed"},
            safe=False,  # F&O cannot dedupe: the caller looks up before re-posting
            raw=True,
        )
        responses = parse_batch_response(
            answer.response.content, answer.response.headers.get("content-type", "")
        )
        for response in responses:
            _raise_for(response)
        created = responses[0].json()
        if not isinstance(created, dict):
            raise SourceBadResponse("erp", f"no {header_set} entity in the $batch answer")
        return created


def _raise_for(response: BatchResponse) -> None:
    # A failed changeset answers one error response in place of all its requests.
    if response.status >= 400:
        vendor = read_dynamics_error(response.body)
        raise status_error("erp", response.status, None, vendor)


def _field(entity: dict[str, Any], name: str) -> str:
    value = entity.get(name)
    if not isinstance(value, str) or not value:
        raise SourceBadResponse("erp", f"created entity has no {name}")
    return value


def _unit_price(net: Decimal, quantity: Decimal) -> Decimal:
    return (net / quantity).quantize(Decimal("0.0001")) if quantity else net
