"""SAP rows of the after-sales documents written through the API: credit memo requests
(API_CREDIT_MEMO_REQUEST_SRV) and customer returns (API_CUSTOMER_RETURN_SRV)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sandbox.erp.rows import (
    COMM_USER,
    SALES_ORG,
    Row,
    day,
    distribution_channel,
    item_text,
)
from sandbox.world import CreditMemoRequest, CustomerReturn
from sandbox.world.model import Order


def _sales_header(order: Order, created_at: datetime.datetime) -> Row:
    """The organisational and audit fields every SD document header carries."""
    created = day(created_at)
    return {
        "SalesOrganization": SALES_ORG[order.region],
        "DistributionChannel": distribution_channel(order),
        "OrganizationDivision": "00",
        "SoldToParty": order.customer.sap_number,
        "CreationDate": created,
        "CreatedByUser": COMM_USER,
        "LastChangeDate": created,
        "LastChangeDateTime": created_at,
        "PurchaseOrderByCustomer": order.name,
    }


def credit_memo_request_rows(request: CreditMemoRequest) -> tuple[Row, list[Row]]:
    so = request.sales_order
    order = so.order
    created = day(request.created_at)
    # Posted at once (the sandbox releases and bills it immediately), so it is complete.
    header: Row = {
        "CreditMemoRequest": request.number,
        "CreditMemoRequestType": request.doc_type,
        **_sales_header(order, request.created_at),
        "CreditMemoRequestDate": created,
        "TotalNetAmount": request.net,
        "TransactionCurrency": request.currency,
        "SDDocumentReason": request.reason,
        "PricingDate": created,
        "CustomerPaymentTerms": "0001",
        "HeaderBillingBlockReason": "",
        "ReferenceSDDocument": request.reference_document,
        "ReferenceSDDocumentCategory": request.reference_category,
        "SalesDocApprovalStatus": "",
        "OverallSDProcessStatus": "C",
        "OverallOrdReltdBillgStatus": "C",
        "OverallSDDocumentRejectionSts": "A",
        "YY1_Order360RefundID_SDH": request.external_id,
        "YY1_OMSRefundID_SDH": request.oms_refund_id,
        "__changed": request.created_at,
    }
    items = [
        {
            "CreditMemoRequest": request.number,
            "CreditMemoRequestItem": item.number,
            "CreditMemoRequestItemCategory": "G2N",
            "CreditMemoRequestItemText": item_text(item.line),
            "PurchaseOrderByCustomer": order.name,
            "Material": item.line.product.sku,
            "RequestedQuantity": Decimal(item.quantity),
            "RequestedQuantityUnit": "PC",
            "NetAmount": item.net,
            "TransactionCurrency": request.currency,
            "ReferenceSDDocument": request.reference_document,
            "ReferenceSDDocumentItem": item.line.sap_item,
            "SDProcessStatus": "C",
            "OrderRelatedBillingStatus": "C",
            "__changed": request.created_at,
        }
        for item in request.items
    ]
    return header, items


def customer_return_rows(customer_return: CustomerReturn) -> tuple[Row, list[Row]]:
    so = customer_return.sales_order
    order = so.order
    created = day(customer_return.created_at)
    # Just created: goods not yet received, refund not yet decided (status A, "open").
    header: Row = {
        "CustomerReturn": customer_return.number,
        "CustomerReturnType": customer_return.doc_type,
        **_sales_header(order, customer_return.created_at),
        "CustomerReturnDate": created,
        "TotalNetAmount": customer_return.net,
        "TransactionCurrency": order.currency,
        "SDDocumentReason": customer_return.reason,
        "ReferenceSDDocument": so.number,
        "ReferenceSDDocumentCategory": "C",
        "RetsMgmtProcess": customer_return.number,
        "RetsMgmtProcessingStatus": "A",
        "OverallSDProcessStatus": "A",
        "SalesDocApprovalStatus": "",
        "OverallSDDocumentRejectionSts": "A",
        "YY1_Order360RequestID_SDH": customer_return.external_id,
        "__changed": customer_return.created_at,
    }
    items = [
        {
            "CustomerReturn": customer_return.number,
            "CustomerReturnItem": item.number,
            "CustomerReturnItemCategory": "REN",
            "CustomerReturnItemText": item_text(item.line),
            "PurchaseOrderByCustomer": order.name,
            "Material": item.line.product.sku,
            "RequestedQuantity": Decimal(item.quantity),
            "RequestedQuantityUnit": "PC",
            "NetAmount": item.net,
            "TransactionCurrency": order.currency,
            "ReturnReason": item.reason,
            "ReturnsRefundType": "",
            "ReturnsRefundProcgMode": "",
            "CustRetItmFollowUpActivity": "0001",
            "ReturnsMaterialHasBeenReceived": "",
            "RetsMgmtItmProcgStatus": "A",
            "ReferenceSDDocument": so.number,
            "ReferenceSDDocumentItem": item.line.sap_item,
            "ReferenceSDDocumentCategory": "C",
            "SDProcessStatus": "A",
            "__changed": customer_return.created_at,
        }
        for item in customer_return.items
    ]
    return header, items
