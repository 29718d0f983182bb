"""ERP client: SAP S/4HANA Cloud OData v2 APIs (sales orders, billing, stock).

Keys are batched the only way OData v2 on SAP Gateway allows, ``or`` chains in
``$filter`` (there is no ``in``), split so that no request URL outgrows the gateway's
limit. Server-side paging (``__next``) is followed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..batching import chunk_keys
from ..call import CallContext
from ..config import ErpConfig
from ..http import Upstream
from ..models import ErpBillingDocument, ErpSalesOrder, StockLevel
from ..odata import odata_literal
from . import wire

__all__ = ["ErpClient"]

SALES = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"
BILLING = "/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV"
STOCK = "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV"

_SALES_SELECT = ",".join(
    [
        "SalesOrder",
        "PurchaseOrderByCustomer",
        "SoldToParty",
        "SalesOrderDate",
        "TotalNetAmount",
        "TransactionCurrency",
        "OverallSDProcessStatus",
        "OverallDeliveryStatus",
        "OverallSDDocumentRejectionSts",
        "TotalBlockStatus",
        "DeliveryBlockReason",
        "HeaderBillingBlockReason",
        "to_Item/SalesOrderItem",
        "to_Item/Material",
        "to_Item/RequestedQuantity",
        "to_Item/NetAmount",
        "to_Item/SalesDocumentRjcnReason",
    ]
)
_BILLING_SELECT = ",".join(
    [
        "BillingDocument",
        "SDDocumentCategory",
        "BillingDocumentDate",
        "PurchaseOrderByCustomer",
        "TotalNetAmount",
        "TaxAmount",
        "TotalGrossAmount",
        "TransactionCurrency",
        "BillingDocumentIsCancelled",
        "YY1_OMSRefundID_BDH",
    ]
)


class ErpClient:
    """Reads from the ERP, keyed by the OMS order number the ERP carries."""

    def __init__(self, upstream: Upstream, config: ErpConfig) -> None:
        self._upstream = upstream
        self._config = config

    async def sales_orders(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, ErpSalesOrder]:
        """Sales orders by ``PurchaseOrderByCustomer`` (the OMS order number)."""
        rows = await self._read_by(
            f"{SALES}/A_SalesOrder",
            "PurchaseOrderByCustomer",
            order_numbers,
            call,
            {"$select": _SALES_SELECT, "$expand": "to_Item"},
        )
        found: dict[str, ErpSalesOrder] = {}
        for row in rows:
            order = wire.sales_order(row)
            found[order.order_number] = order
        return found

    async def billing_documents(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[ErpBillingDocument]]:
        """Invoices and credit memos by the order number they were billed for."""
        rows = await self._read_by(
            f"{BILLING}/A_BillingDocument",
            "PurchaseOrderByCustomer",
            order_numbers,
            call,
            {"$select": _BILLING_SELECT, "$orderby": "BillingDocument"},
        )
        found: dict[str, list[ErpBillingDocument]] = defaultdict(list)
        for row in rows:
            document = wire.billing_document(row)
            found[document.order_number].append(document)
        return dict(found)

    async def stock(self, materials: Sequence[str], call: CallContext) -> dict[str, StockLevel]:
        """Unrestricted-use own stock per material, summed over plants and locations."""
        rows = await self._read_by(
            f"{STOCK}/A_MatlStkInAcctMod",
            "Material",
            materials,
            call,
            {"$select": "Material,MatlWrhsStkQtyInMatlBaseUnit,MaterialBaseUnit"},
            # '01' is unrestricted-use stock; a blank special stock type is our own.
            extra_filter="InventoryStockType eq '01' and InventorySpecialStockType eq ''",
        )
        return wire.stock_levels(rows)

    async def _read_by(
        self,
        path: str,
        key_property: str,
        keys: Sequence[str],
        call: CallContext,
        options: dict[str, str],
        extra_filter: str | None = None,
    ) -> list[dict[str, Any]]:
        chunks = chunk_keys(
            keys,
            lambda key: f"{key_property} eq {odata_literal(key)}",
            max_keys=self._upstream.policy.batch_limit,
            max_bytes=self._config.max_url_bytes
            - self._fixed_url_bytes(path, options, extra_filter),
            separator_bytes=len("%20or%20"),
        )
        requests = []
        for chunk in chunks:
            ors = " or ".join(f"{key_property} eq {odata_literal(key)}" for key in chunk)
            query = f"({ors}) and {extra_filter}" if extra_filter else ors
            params = {**options, "$filter": query, "$format": "json"}
            requests.append(self._read_all(path, params, call))
        pages = await asyncio.gather(*requests)
        return [row for page in pages for row in page]

    def _fixed_url_bytes(self, path: str, options: dict[str, str], extra_filter: str | None) -> int:
        # Everything in the request line except the key terms themselves.
        skeleton = {
            **options,
            "$filter": f"() and {extra_filter}" if extra_filter else "",
            "$format": "json",
        }
        base_path = urlsplit(self._config.base_url).path.rstrip("/")
        return len(base_path) + len(path) + 1 + len(urlencode(skeleton))

    async def _read_all(
        self, path: str, params: dict[str, str], call: CallContext
    ) -> list[dict[str, Any]]:
        payload = await self._upstream.get_json(path, call, params=params)
        rows = wire.entity_results(payload)
        link = wire.next_link(payload)
        while link:
            payload = await self._upstream.get_json(link, call)
            rows.extend(wire.entity_results(payload))
            link = wire.next_link(payload)
        return rows
