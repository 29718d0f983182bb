"""SAP rows built once from the world, with indexes for key lookups and batched filters.

Rows hold typed values (str, Decimal, datetime, bool) so `$filter` and
`$orderby` compare like SAP does; the encoder spells them as OData v2 JSON.
The hidden `__changed` value feeds the ETag and is never rendered.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sandbox.erp.entities import BD, ENTITY_SETS, SERVICES, SO, EntitySet
from sandbox.timefmt import midnight
from sandbox.world import BillingDocument, Order, OrderLine, SalesOrder, World

Row = dict[str, Any]
PLANT = "1710"
_SALES_ORG = {"US": "1710", "EU": "1010", "GB": "1110"}
_CHANNEL = {"web": "10", "store": "20", "marketplace": "30"}
COMM_USER = "CC0000000001"


def _day(at: datetime.datetime) -> datetime.datetime:
    return midnight(at.date())


def _item_text(line: OrderLine) -> str:
    return f"{line.product.title} {line.product.variant_title}"[:40]  # SAP's 40 characters


def _distribution_channel(order: Order) -> str:
    return _CHANNEL.get(order.channel, "40")  # 40: partner channels


def _sales_order_rows(so: SalesOrder) -> tuple[Row, list[Row]]:
    order = so.order
    created = _day(order.created_at)
    header: Row = {
        "SalesOrder": so.number,
        "SalesOrderType": "OR",
        "SalesOrganization": _SALES_ORG[order.region],
        "DistributionChannel": _distribution_channel(order),
        "OrganizationDivision": "00",
        "SalesGroup": "",
        "SalesOffice": "",
        "SoldToParty": order.customer.sap_number,
        "CreationDate": created,
        "CreatedByUser": COMM_USER,
        "LastChangeDate": _day(so.changed_at),
        "LastChangeDateTime": so.changed_at,
        "PurchaseOrderByCustomer": order.name,
        "CustomerPurchaseOrderDate": created,
        "SalesOrderDate": created,
        "TotalNetAmount": so.total_net_amount,
        "TransactionCurrency": order.currency,
        "SDDocumentReason": "",
        "PricingDate": created,
        "RequestedDeliveryDate": created + datetime.timedelta(days=5),
        "ShippingCondition": "01",
        "CompleteDeliveryIsDefined": False,
        "ShippingType": "",
        "HeaderBillingBlockReason": "",
        "DeliveryBlockReason": "",
        "IncotermsClassification": "EXW",
        "CustomerPaymentTerms": "0001",
        "PaymentMethod": "",
        "OverallSDProcessStatus": so.process_status,
        "TotalCreditCheckStatus": "",
        "OverallTotalDeliveryStatus": so.delivery_status,
        "OverallSDDocumentRejectionSts": so.rejection_status,
        "OverallDeliveryStatus": so.delivery_status,
        "OverallOrdReltdBillgStatus": "",
        "TotalBlockStatus": "",
        "SalesDocApprovalStatus": "",
        "OverallSDDocReferenceStatus": "",
        "__changed": so.changed_at,
    }
    cancelled = order.cancelled_at is not None
    items = []
    for line in order.lines:
        shipped = line.fulfilled >= line.quantity
        items.append(
            {
                "SalesOrder": so.number,
                "SalesOrderItem": line.sap_item,
                "HigherLevelItem": "0",
                "SalesOrderItemCategory": "TAN",
                "SalesOrderItemText": _item_text(line),
                "PurchaseOrderByCustomer": order.name,
                "Material": line.product.sku,
                "MaterialByCustomer": "",
                "PricingDate": created,
                "RequestedQuantity": Decimal(line.quantity),
                "RequestedQuantityUnit": "PC",
                "RequestedQuantitySAPUnit": "ST",
                "RequestedQuantityISOUnit": "PCE",
                "ItemGrossWeight": Decimal(line.product.grams * line.quantity) / 1000,
                "ItemWeightUnit": "KG",
                "NetAmount": line.net,
                "TransactionCurrency": order.currency,
                "TaxAmount": line.tax,
                "ProductionPlant": PLANT,
                "StorageLocation": "171A",
                "ShippingPoint": PLANT,
                "SalesDocumentRjcnReason": "61" if cancelled else "",
                "ItemBillingBlockReason": "",
                "SDProcessStatus": "C" if cancelled or shipped else "A",
                "DeliveryStatus": "" if cancelled else "C" if shipped else "A",
                "OrderRelatedBillingStatus": "",
                "__changed": so.changed_at,
            }
        )
    return header, items


def _billing_rows(doc: BillingDocument, now: datetime.datetime) -> tuple[Row, list[Row]]:
    order = doc.order
    day = _day(doc.date)
    # Partners pay invoices on terms; everything else was paid at checkout.
    uncleared = order.channel.startswith("partner:") and now - doc.date < datetime.timedelta(30)
    header: Row = {
        "BillingDocument": doc.number,
        "SDDocumentCategory": doc.category,
        "BillingDocumentCategory": "L",
        "BillingDocumentType": doc.doc_type,
        "CreatedByUser": COMM_USER,
        "CreationDate": day,
        "LastChangeDate": day,
        "LastChangeDateTime": doc.date,
        "BillingDocumentDate": day,
        "BillingDocumentIsTemporary": False,
        "OrganizationDivision": "00",
        "DistributionChannel": _distribution_channel(order),
        "SalesOrganization": _SALES_ORG[order.region],
        "SoldToParty": order.customer.sap_number,
        "PayerParty": order.customer.sap_number,
        "PurchaseOrderByCustomer": order.name,
        "TotalNetAmount": doc.net,
        "TaxAmount": doc.tax,
        "TotalGrossAmount": doc.gross,
        "TransactionCurrency": order.currency,
        "CustomerPaymentTerms": "0001",
        "PaymentMethod": "",
        "CompanyCode": _SALES_ORG[order.region],
        "FiscalYear": str(doc.date.year),
        "AccountingDocument": doc.accounting_document,
        "BillingDocumentIsCancelled": False,
        "CancelledBillingDocument": "",
        "OverallBillingStatus": "C",
        "AccountingPostingStatus": "C",
        "AccountingTransferStatus": "C",
        "InvoiceClearingStatus": "A" if uncleared else "C",
        "YY1_OMSRefundID_BDH": str(doc.refund.shopify_id) if doc.refund is not None else "",
        "__changed": doc.date,
    }
    items = [
        {
            "BillingDocument": doc.number,
            "BillingDocumentItem": item.number,
            "SalesDocumentItemCategory": "TAN" if doc.category == "M" else "G2N",
            "Material": item.line.product.sku,
            "BillingDocumentItemText": _item_text(item.line),
            "BillingQuantity": Decimal(item.quantity),
            "BillingQuantityUnit": "PC",
            "Plant": PLANT,
            "NetAmount": item.net,
            "TaxAmount": item.tax,
            "GrossAmount": item.net + item.tax,
            "TransactionCurrency": order.currency,
            "ReferenceSDDocument": item.reference_document,
            "ReferenceSDDocumentItem": item.reference_item,
            "ReferenceSDDocumentCategory": item.reference_category,
            "SalesDocument": doc.sales_order.number,
            "SalesDocumentItem": item.line.sap_item,
            "SalesSDDocumentCategory": "C",
            "__changed": doc.date,
        }
        for item in doc.items
    ]
    return header, items


def _stock_rows(world: World) -> tuple[list[Row], list[Row]]:
    materials, stock = [], []
    for product in world.products:
        materials.append(
            {"Material": product.sku, "MaterialBaseUnit": "PC", "__changed": world.now}
        )
        stock.append(
            {
                "Material": product.sku,
                "Plant": PLANT,
                "StorageLocation": "171A",
                "Batch": "",
                "Supplier": "",
                "Customer": "",
                "WBSElementInternalID": "00000000",
                "SDDocument": "",
                "SDDocumentItem": "000000",
                "InventorySpecialStockType": "",
                "InventoryStockType": "01",
                "MaterialBaseUnit": "PC",
                "MatlWrhsStkQtyInMatlBaseUnit": Decimal(world.stock[product.sku]),
                "__changed": world.now,
            }
        )
    return materials, stock


class _SetData:
    """One entity set's rows in key order, with key and property indexes."""

    def __init__(self, es: EntitySet, rows: list[Row]) -> None:
        self.rows = sorted(rows, key=lambda row: tuple(row[k] for k in es.keys))
        self.by_key = {tuple(row[k] for k in es.keys): row for row in self.rows}
        self.index = {prop: _group(self.rows, prop) for prop in es.indexed}


class ErpStore:
    """Rows per entity set, built on first use of each service.

    Building every SAP row up front would double the sandbox's start-up time for
    a gateway that may never ask the ERP anything; a service's rows are built on
    its first request instead and kept for the life of the app.
    """

    def __init__(self, world: World) -> None:
        self._world = world
        self._sets: dict[str, _SetData] = {}

    def _build(self, service: str) -> None:
        world = self._world
        built: dict[str, list[Row]] = defaultdict(list)
        if service == SO:
            for so in world.sales_orders:
                header, items = _sales_order_rows(so)
                built["A_SalesOrder"].append(header)
                built["A_SalesOrderItem"].extend(items)
        elif service == BD:
            for doc in world.billing_documents:
                header, items = _billing_rows(doc, world.now)
                built["A_BillingDocument"].append(header)
                built["A_BillingDocumentItem"].extend(items)
        else:
            built["A_MaterialStock"], built["A_MatlStkInAcctMod"] = _stock_rows(world)
        for name in SERVICES[service]:
            self._sets[name] = _SetData(ENTITY_SETS[name], built[name])

    def _data(self, es: EntitySet) -> _SetData:
        if es.name not in self._sets:
            self._build(es.service)
        return self._sets[es.name]

    def rows(self, es: EntitySet) -> list[Row]:
        return self._data(es).rows

    def get(self, es: EntitySet, key: tuple[Any, ...]) -> Row | None:
        return self._data(es).by_key.get(key)

    def lookup(self, es: EntitySet, prop: str, values: list[Any]) -> list[Row]:
        """Rows whose indexed `prop` is one of `values`, once each, in key order."""
        index = self._data(es).index[prop]
        seen: dict[int, Row] = {}
        for value in values:
            for row in index.get(value, ()):
                seen[id(row)] = row
        found = list(seen.values())
        found.sort(key=lambda row: tuple(row[k] for k in es.keys))
        return found

    def follow(self, es: EntitySet, row: Row, nav_name: str) -> list[Row]:
        """Rows a navigation property of `row` points at."""
        nav = es.navs[nav_name]
        target = ENTITY_SETS[nav.target]
        (source_prop, target_prop), *rest = nav.pairs
        found = self.lookup(target, target_prop, [row[source_prop]])
        return [r for r in found if all(r[t] == row[s] for s, t in rest)]


def _group(rows: list[Row], prop: str) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[prop]].append(row)
    return dict(groups)
