"""ERP writes: credit memo requests and customer returns (SAP OData v2 deep inserts).

SAP guards writes with a CSRF token bound to a session cookie: fetch it with
``x-csrf-token: Fetch`` on a GET, send it (and the cookie, which the httpx client
keeps) with every POST, and on ``403`` + ``x-csrf-token: Required`` fetch again and
retry once. SAP has no idempotency keys, so every create first looks for an earlier
document carrying our external reference (``YY1_Order360…``) before posting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..call import CallContext
from ..errors import SourceBadResponse
from ..http import Upstream
from ..models import Money
from ..odata import odata_literal
from .wire import entity_results

__all__ = ["CREDIT_MEMOS", "RETURNS", "ErpWrites"]

CREDIT_MEMOS = "/sap/opu/odata/sap/API_CREDIT_MEMO_REQUEST_SRV"
RETURNS = "/sap/opu/odata/sap/API_CUSTOMER_RETURN_SRV"
# SAP order reasons: 101 damaged, 102 wrong item, 103 not delivered, 104 late, 105 goodwill.
ORDER_REASONS = {
    "DAMAGED": "101",
    "WRONG_ITEM": "102",
    "NOT_DELIVERED": "103",
    "LATE": "104",
    "GOODWILL": "105",
    "CUSTOMER_CHANGED_MIND": "106",
    "OTHER": "199",
}


class ErpWrites:
    """The ERP operations the governed processes execute."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._tokens: dict[str, str] = {}
        self._lock = asyncio.Lock()

    async def _token(self, service: str, call: CallContext, *, renew: bool = False) -> str:
        async with self._lock:
            if renew or service not in self._tokens:
                answer = await self._upstream.request(
                    "GET", f"{service}/", call, headers={"x-csrf-token": "Fetch"}
                )
                token = answer.response.headers.get("x-csrf-token")
                if not token or token.lower() == "required":
                    raise SourceBadResponse("erp", "no CSRF token in the fetch answer")
                self._tokens[service] = token
            return self._tokens[service]

    async def _post(
        self, service: str, entity_set: str, body: Mapping[str, Any], call: CallContext
    ) -> dict[str, Any]:
        for renew in (False, True):
            token = await self._token(service, call, renew=renew)
            answer = await self._upstream.request(
                "POST",
                f"{service}/{entity_set}",
                call,
                json_body=body,
                headers={"x-csrf-token": token},
                safe=False,  # SAP cannot dedupe: the caller looks up before re-posting
                accept=frozenset({403}),
            )
            required = answer.response.headers.get("x-csrf-token", "").lower() == "required"
            if answer.response.status_code == 403 and required and not renew:
                continue
            if answer.response.status_code == 403:
                raise SourceBadResponse("erp", "write refused (403)", transient=False)
            entity = answer.payload.get("d") if isinstance(answer.payload, dict) else None
            if not isinstance(entity, dict):
                raise SourceBadResponse("erp", f"unexpected answer creating {entity_set}")
            return entity
        raise SourceBadResponse("erp", "CSRF token refused twice")

    async def _find(
        self, service: str, entity_set: str, field: str, value: str, key: str, call: CallContext
    ) -> str | None:
        payload = await self._upstream.get_json(
            f"{service}/{entity_set}",
            call,
            params={
                "$filter": f"{field} eq {odata_literal(value)}",
                "$select": key,
                "$format": "json",
            },
        )
        rows = entity_results(payload)
        return str(rows[0][key]) if rows else None

    async def find_credit_memo_request(self, reference: str, call: CallContext) -> str | None:
        """The credit memo request carrying our refund reference, if one was posted."""
        return await self._find(
            CREDIT_MEMOS,
            "A_CreditMemoRequest",
            "YY1_Order360RefundID_SDH",
            reference,
            "CreditMemoRequest",
            call,
        )

    async def create_credit_memo_request(
        self,
        *,
        reference: str,
        oms_refund_id: str,
        order_number: str,
        sales_order: str,
        reason: str,
        items: Sequence[tuple[str, Decimal, Money]],
        call: CallContext,
    ) -> str:
        """Post a credit memo request; items are (material, quantity, net amount)."""
        currency = items[0][2].currency
        body = {
            "CreditMemoRequestType": "CR",
            "SDDocumentReason": ORDER_REASONS.get(reason, "199"),
            "TransactionCurrency": currency,
            "PurchaseOrderByCustomer": order_number,
            "ReferenceSDDocument": sales_order,
            "ReferenceSDDocumentCategory": "C",
            "YY1_Order360RefundID_SDH": reference,
            "YY1_OMSRefundID_SDH": oms_refund_id,
            "to_Item": {
                "results": [
                    {
                        "CreditMemoRequestItem": str((i + 1) * 10),
                        "Material": material,
                        "RequestedQuantity": str(quantity),
                        "NetAmount": str(net.amount),
                    }
                    for i, (material, quantity, net) in enumerate(items)
                ]
            },
        }
        entity = await self._post(CREDIT_MEMOS, "A_CreditMemoRequest", body, call)
        return str(entity.get("CreditMemoRequest"))

    async def find_customer_return(self, reference: str, call: CallContext) -> str | None:
        """The customer return carrying our request reference, if one was posted."""
        return await self._find(
            RETURNS,
            "A_CustomerReturn",
            "YY1_Order360RequestID_SDH",
            reference,
            "CustomerReturn",
            call,
        )

    async def create_customer_return(
        self,
        *,
        reference: str,
        order_number: str,
        reason: str,
        items: Sequence[tuple[str, int]],
        call: CallContext,
    ) -> str:
        """Post a customer return for (material, quantity) items."""
        body = {
            "CustomerReturnType": "CBAR",
            "SDDocumentReason": ORDER_REASONS.get(reason, "199"),
            "PurchaseOrderByCustomer": order_number,
            "YY1_Order360RequestID_SDH": reference,
            "to_Item": {
                "results": [
                    {
                        "CustomerReturnItem": str((i + 1) * 10),
                        "Material": material,
                        "RequestedQuantity": str(quantity),
                        "ReturnReason": ORDER_REASONS.get(reason, "199"),
                    }
                    for i, (material, quantity) in enumerate(items)
                ]
            },
        }
        entity = await self._post(RETURNS, "A_CustomerReturn", body, call)
        return str(entity.get("CustomerReturn"))
