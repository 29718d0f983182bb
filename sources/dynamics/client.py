"""Reads from F&O data entities, keyed by the OMS order number the ERP carries.

Keys are batched as ``or`` chains in ``$filter`` (F&O speaks OData v4.0, which has no
``in``), split so that no query string outgrows what IIS accepts in front of the
service. Every query names the legal entity: ``cross-company=true`` and
``dataAreaId eq '<company>'``, since without it F&O answers from the caller's default
company only. Server-driven paging (``@odata.nextLink``) is followed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ..batching import chunk_keys
from ..call import CallContext
from ..http import Upstream
from ..models import ErpBillingDocument, ErpSalesOrder, StockLevel
from ..odata import odata_literal
from . import wire
from .config import DynamicsConfig

__all__ = ["DynamicsReads"]

DATA = "data"
_SALES_SELECT = (
    "dataAreaId,SalesOrderNumber,CustomersOrderReference,OrderingCustomerAccountNumber,"
    "CurrencyCode,SalesOrderStatus,IsSalesProcessingStopped,OrderCreationDateTime,"
    "OrderTotalAmount,OrderTotalTaxAmount"
)
_LINE_SELECT = (
    "dataAreaId,SalesOrderNumber,LineNumber,ItemNumber,OrderedSalesQuantity,LineAmount,"
    "SalesOrderLineStatus"
)
_INVOICE_SELECT = (
    "dataAreaId,InvoiceNumber,InvoiceDate,CustomersOrderReference,SalesOrderNumber,"
    "CurrencyCode,TotalInvoiceAmount,TotalTaxAmount,O360OmsRefundId"
)
_STOCK_SELECT = (
    "dataAreaId,ItemNumber,InventorySiteId,InventoryWarehouseId,AvailablePhysicalQuantity"
)


class DynamicsReads:
    """Sales orders, invoices and credit notes, and on-hand stock of one company."""

    def __init__(self, upstream: Upstream, config: DynamicsConfig) -> None:
        self._upstream = upstream
        self._config = config

    async def sales_orders(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, ErpSalesOrder]:
        """Sales orders by ``CustomersOrderReference`` (the OMS order number)."""
        headers = await self.read_by(
            "SalesOrderHeadersV2", "CustomersOrderReference", order_numbers, _SALES_SELECT, call
        )
        numbers = [str(header.get("SalesOrderNumber")) for header in headers]
        lines = await self.read_by(
            "SalesOrderLines", "SalesOrderNumber", numbers, _LINE_SELECT, call
        )
        by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in lines:
            by_order[str(line.get("SalesOrderNumber"))].append(line)
        found: dict[str, ErpSalesOrder] = {}
        for header in headers:
            order = wire.sales_order(header, by_order.get(str(header.get("SalesOrderNumber")), []))
            found[order.order_number] = order
        return found

    async def billing_documents(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[ErpBillingDocument]]:
        """Posted invoices and credit notes by the order number they carry, oldest first."""
        rows = await self.read_by(
            "SalesInvoiceHeadersV2", "CustomersOrderReference", order_numbers, _INVOICE_SELECT, call
        )
        found: dict[str, list[ErpBillingDocument]] = defaultdict(list)
        for row in rows:
            document = wire.billing_document(row)
            found[document.order_number].append(document)
        for documents in found.values():
            documents.sort(key=lambda d: (d.issued_at, d.document_number))
        return dict(found)

    async def stock(self, materials: Sequence[str], call: CallContext) -> dict[str, StockLevel]:
        """Physically available stock per item, summed over sites and warehouses."""
        rows = await self.read_by(
            "WarehousesOnHandV2", "ItemNumber", materials, _STOCK_SELECT, call
        )
        return wire.stock_levels(rows)

    async def read_by(
        self,
        entity_set: str,
        key_property: str,
        keys: Sequence[str],
        select: str,
        call: CallContext,
    ) -> list[dict[str, Any]]:
        """Every row of ``entity_set`` whose ``key_property`` is one of ``keys``."""
        if not keys:
            return []
        company = f"dataAreaId eq {odata_literal(self._config.company)}"
        chunks = chunk_keys(
            keys,
            lambda key: f"{key_property} eq {odata_literal(key)}",
            max_keys=self._upstream.policy.batch_limit,
            max_bytes=self._config.max_query_bytes - self._fixed_query_bytes(select, company),
            separator_bytes=len("%20or%20"),
        )
        requests = []
        for chunk in chunks:
            ors = " or ".join(f"{key_property} eq {odata_literal(key)}" for key in chunk)
            params = self._params(select, f"{company} and ({ors})")
            requests.append(self._read_all(f"{DATA}/{entity_set}", params, call))
        pages = await asyncio.gather(*requests)
        return [row for page in pages for row in page]

    @staticmethod
    def _params(select: str, query: str) -> dict[str, str]:
        return {"cross-company": "true", "$filter": query, "$select": select}

    def _fixed_query_bytes(self, select: str, company: str) -> int:
        # Everything in the query string except the key terms themselves.
        return len(urlencode(self._params(select, f"{company} and ()"), quote_via=quote))

    async def _read_all(
        self, path: str, params: dict[str, str], call: CallContext
    ) -> list[dict[str, Any]]:
        payload = await self._upstream.get_json(path, call, params=params)
        rows = wire.entity_values(payload)
        link = wire.next_link(payload)
        while link:
            payload = await self._upstream.get_json(link, call)
            rows.extend(wire.entity_values(payload))
            link = wire.next_link(payload)
        return rows
