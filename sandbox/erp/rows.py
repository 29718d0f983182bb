"""SAP rows of the generated documents: sales orders, billing documents and stock.

Rows hold typed values (str, Decimal, datetime, bool) so `$filter` and
`$orderby` compare like SAP does; the encoder spells them as OData v2 JSON.
The hidden `__changed` value feeds the ETag and is never rendered.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from sandbox.timefmt import midnight
from sandbox.world import BillingDocument, Order, OrderLine, SalesOrder, World

Row = dict[str, Any]
PLANT = "1710"
SALES_ORG = {"US": "1710", "EU": "1010", "GB": "1110"}
_CHANNEL = {"web": "10", "store": "20", "marketplace": "30"}
COMM_USER = "CC0000000001"


def day(at: datetime.datetime) -> datetime.datetime:
    return midnight(at.date())


def item_text(line: OrderLine) -> str:
    return f"{line.product.title} {line.product.variant_title}"[:40]  # SAP's 40 characters


def distribution_channel(order: Order) -> str:
    return _CHANNEL.get(order.channel, "40")  # 40: partner channels


def sales_order_rows(so: SalesOrder) -> tuple[Row, list[Row]]:
    order = so.order
    created = day(order.created_at)
    header: Row = {
        "SalesOrder": so.number,
        "SalesOrderType": "OR",
        "SalesOrganization": SALES_ORG[order.region],
        "DistributionChannel": distribution_channel(order),
        "OrganizationDivision": "00",
        "SalesGroup": "",
        "SalesOffice": "",
        "SoldToParty": order.customer.sap_number,
        "CreationDate": created,
        "CreatedByUser": COMM_USER,
        "LastChangeDate": day(so.changed_at),
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
                "SalesOrderItemText": item_text(line),
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


def billing_rows(doc: BillingDocument, now: datetime.datetime) -> tuple[Row, list[Row]]:
    order = doc.order
    billed = day(doc.date)
    # Partners pay invoices on terms; everything else was paid at checkout.
    uncleared = order.channel.startswith("partner:") and now - doc.date < datetime.timedelta(30)
    header: Row = {
        "BillingDocument": doc.number,
        "SDDocumentCategory": doc.category,
        "BillingDocumentCategory": "L",
        "BillingDocumentType": doc.doc_type,
        "CreatedByUser": COMM_USER,
        "CreationDate": billed,
        "LastChangeDate": billed,
        "LastChangeDateTime": doc.date,
        "BillingDocumentDate": billed,
        "BillingDocumentIsTemporary": False,
        "OrganizationDivision": "00",
        "DistributionChannel": distribution_channel(order),
        "SalesOrganization": SALES_ORG[order.region],
        "SoldToParty": order.customer.sap_number,
        "PayerParty": order.customer.sap_number,
        "PurchaseOrderByCustomer": order.name,
        "TotalNetAmount": doc.net,
        "TaxAmount": doc.tax,
        "TotalGrossAmount": doc.gross,
        "TransactionCurrency": order.currency,
        "CustomerPaymentTerms": "0001",
        "PaymentMethod": "",
        "CompanyCode": SALES_ORG[order.region],
        "FiscalYear": str(doc.date.year),
        "AccountingDocument": doc.accounting_document,
        "BillingDocumentIsCancelled": False,
        "CancelledBillingDocument": "",
        "OverallBillingStatus": "C",
        "AccountingPostingStatus": "C",
        "AccountingTransferStatus": "C",
        "InvoiceClearingStatus": "A" if uncleared else "C",
        "YY1_OMSRefundID_BDH": doc.refund_reference,
        "__changed": doc.date,
    }
    items = [
        {
            "BillingDocument": doc.number,
            "BillingDocumentItem": item.number,
            "SalesDocumentItemCategory": "TAN" if doc.category == "M" else "G2N",
            "Material": item.line.product.sku,
            "BillingDocumentItemText": item_text(item.line),
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


def stock_row(sku: str, quantity: int, changed: datetime.datetime) -> Row:
    """Unrestricted own stock of one material at the plant's one storage location."""
    return {
        "Material": sku,
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
        "MatlWrhsStkQtyInMatlBaseUnit": Decimal(quantity),
        "__changed": changed,
    }


def stock_rows(world: World) -> tuple[list[Row], list[Row]]:
    materials, stock = [], []
    for product in world.products:
        materials.append(
            {"Material": product.sku, "MaterialBaseUnit": "PC", "__changed": world.now}
        )
        stock.append(stock_row(product.sku, world.stock[product.sku], world.now))
    return materials, stock
