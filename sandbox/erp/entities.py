"""The SAP entity sets the sandbox serves: properties and Edm types, keys, navigations.

Property names and types follow SAP's published EDMX for API_SALES_ORDER_SRV,
API_BILLING_DOCUMENT_SRV, API_MATERIAL_STOCK_SRV, API_CREDIT_MEMO_REQUEST_SRV and
API_CUSTOMER_RETURN_SRV (a subset of each), in metadata order, because OData v2
clients see them in that order. `YY1_*` are the tenant's custom fields carrying
Order360's and Shopify's references.
Type codes: S Edm.String, D Edm.Decimal, DT Edm.DateTime, DTO Edm.DateTimeOffset,
B Edm.Boolean.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Nav:
    target: str  # entity set name
    pairs: tuple[tuple[str, str], ...]  # (source property, target property)
    many: bool


@dataclass(frozen=True, slots=True)
class EntitySet:
    name: str
    service: str
    keys: tuple[str, ...]
    props: dict[str, str]
    navs: dict[str, Nav] = field(default_factory=dict)
    indexed: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        return f"{self.service}.{self.name}Type"


def _props(spec: str) -> dict[str, str]:
    """ "Name:Type Name2:Type2 ..." -> ordered mapping; S is implied when no type is given."""
    out: dict[str, str] = {}
    for item in spec.split():
        name, _, edm = item.partition(":")
        out[name] = edm or "S"
    return out


SO = "API_SALES_ORDER_SRV"
BD = "API_BILLING_DOCUMENT_SRV"
MS = "API_MATERIAL_STOCK_SRV"
CMR = "API_CREDIT_MEMO_REQUEST_SRV"
CR = "API_CUSTOMER_RETURN_SRV"

SALES_ORDER = EntitySet(
    "A_SalesOrder",
    SO,
    ("SalesOrder",),
    _props(
        "SalesOrder SalesOrderType SalesOrganization DistributionChannel OrganizationDivision "
        "SalesGroup SalesOffice SoldToParty CreationDate:DT CreatedByUser LastChangeDate:DT "
        "LastChangeDateTime:DTO PurchaseOrderByCustomer CustomerPurchaseOrderDate:DT "
        "SalesOrderDate:DT TotalNetAmount:D TransactionCurrency SDDocumentReason PricingDate:DT "
        "RequestedDeliveryDate:DT ShippingCondition CompleteDeliveryIsDefined:B ShippingType "
        "HeaderBillingBlockReason DeliveryBlockReason IncotermsClassification "
        "CustomerPaymentTerms PaymentMethod OverallSDProcessStatus TotalCreditCheckStatus "
        "OverallTotalDeliveryStatus OverallSDDocumentRejectionSts OverallDeliveryStatus "
        "OverallOrdReltdBillgStatus TotalBlockStatus SalesDocApprovalStatus "
        "OverallSDDocReferenceStatus"
    ),
    {"to_Item": Nav("A_SalesOrderItem", (("SalesOrder", "SalesOrder"),), True)},
    ("SalesOrder", "PurchaseOrderByCustomer", "SoldToParty"),
)
SALES_ORDER_ITEM = EntitySet(
    "A_SalesOrderItem",
    SO,
    ("SalesOrder", "SalesOrderItem"),
    _props(
        "SalesOrder SalesOrderItem HigherLevelItem SalesOrderItemCategory SalesOrderItemText "
        "PurchaseOrderByCustomer Material MaterialByCustomer PricingDate:DT "
        "RequestedQuantity:D RequestedQuantityUnit RequestedQuantitySAPUnit "
        "RequestedQuantityISOUnit ItemGrossWeight:D ItemWeightUnit NetAmount:D "
        "TransactionCurrency TaxAmount:D ProductionPlant StorageLocation ShippingPoint "
        "SalesDocumentRjcnReason ItemBillingBlockReason SDProcessStatus DeliveryStatus "
        "OrderRelatedBillingStatus"
    ),
    {"to_SalesOrder": Nav("A_SalesOrder", (("SalesOrder", "SalesOrder"),), False)},
    ("SalesOrder", "Material"),
)
BILLING_DOCUMENT = EntitySet(
    "A_BillingDocument",
    BD,
    ("BillingDocument",),
    _props(
        "BillingDocument SDDocumentCategory BillingDocumentCategory BillingDocumentType "
        "CreatedByUser CreationDate:DT LastChangeDate:DT LastChangeDateTime:DTO "
        "BillingDocumentDate:DT BillingDocumentIsTemporary:B OrganizationDivision "
        "DistributionChannel SalesOrganization SoldToParty PayerParty PurchaseOrderByCustomer "
        "TotalNetAmount:D TaxAmount:D TotalGrossAmount:D TransactionCurrency "
        "CustomerPaymentTerms PaymentMethod CompanyCode FiscalYear AccountingDocument "
        "BillingDocumentIsCancelled:B CancelledBillingDocument OverallBillingStatus "
        "AccountingPostingStatus AccountingTransferStatus InvoiceClearingStatus "
        "YY1_OMSRefundID_BDH"
    ),
    {"to_Item": Nav("A_BillingDocumentItem", (("BillingDocument", "BillingDocument"),), True)},
    ("BillingDocument", "PurchaseOrderByCustomer", "SoldToParty", "YY1_OMSRefundID_BDH"),
)
BILLING_DOCUMENT_ITEM = EntitySet(
    "A_BillingDocumentItem",
    BD,
    ("BillingDocument", "BillingDocumentItem"),
    _props(
        "BillingDocument BillingDocumentItem SalesDocumentItemCategory Material "
        "BillingDocumentItemText BillingQuantity:D BillingQuantityUnit Plant NetAmount:D "
        "TaxAmount:D GrossAmount:D TransactionCurrency ReferenceSDDocument "
        "ReferenceSDDocumentItem ReferenceSDDocumentCategory SalesDocument SalesDocumentItem "
        "SalesSDDocumentCategory"
    ),
    {
        "to_BillingDocument": Nav(
            "A_BillingDocument", (("BillingDocument", "BillingDocument"),), False
        )
    },
    ("BillingDocument", "SalesDocument", "Material", "ReferenceSDDocument"),
)
MATERIAL_STOCK = EntitySet(
    "A_MaterialStock",
    MS,
    ("Material",),
    _props("Material MaterialBaseUnit"),
    {"to_MatlStkInAcctMod": Nav("A_MatlStkInAcctMod", (("Material", "Material"),), True)},
    ("Material",),
)
STOCK_IN_ACCOUNT_MODEL = EntitySet(
    "A_MatlStkInAcctMod",
    MS,
    (
        "Material",
        "Plant",
        "StorageLocation",
        "Batch",
        "Supplier",
        "Customer",
        "WBSElementInternalID",
        "SDDocument",
        "SDDocumentItem",
        "InventorySpecialStockType",
        "InventoryStockType",
    ),
    _props(
        "Material Plant StorageLocation Batch Supplier Customer WBSElementInternalID "
        "SDDocument SDDocumentItem InventorySpecialStockType InventoryStockType "
        "MaterialBaseUnit MatlWrhsStkQtyInMatlBaseUnit:D"
    ),
    {},
    ("Material",),
)

CREDIT_MEMO_REQUEST = EntitySet(
    "A_CreditMemoRequest",
    CMR,
    ("CreditMemoRequest",),
    _props(
        "CreditMemoRequest CreditMemoRequestType SalesOrganization DistributionChannel "
        "OrganizationDivision SoldToParty CreationDate:DT CreatedByUser LastChangeDate:DT "
        "LastChangeDateTime:DTO PurchaseOrderByCustomer CreditMemoRequestDate:DT "
        "TotalNetAmount:D TransactionCurrency SDDocumentReason PricingDate:DT "
        "CustomerPaymentTerms HeaderBillingBlockReason ReferenceSDDocument "
        "ReferenceSDDocumentCategory SalesDocApprovalStatus OverallSDProcessStatus "
        "OverallOrdReltdBillgStatus OverallSDDocumentRejectionSts YY1_Order360RefundID_SDH "
        "YY1_OMSRefundID_SDH"
    ),
    {
        "to_Item": Nav(
            "A_CreditMemoRequestItem", (("CreditMemoRequest", "CreditMemoRequest"),), True
        )
    },
    (
        "CreditMemoRequest",
        "PurchaseOrderByCustomer",
        "SoldToParty",
        "YY1_Order360RefundID_SDH",
        "YY1_OMSRefundID_SDH",
    ),
)
CREDIT_MEMO_REQUEST_ITEM = EntitySet(
    "A_CreditMemoRequestItem",
    CMR,
    ("CreditMemoRequest", "CreditMemoRequestItem"),
    _props(
        "CreditMemoRequest CreditMemoRequestItem CreditMemoRequestItemCategory "
        "CreditMemoRequestItemText PurchaseOrderByCustomer Material RequestedQuantity:D "
        "RequestedQuantityUnit NetAmount:D TransactionCurrency ReferenceSDDocument "
        "ReferenceSDDocumentItem SDProcessStatus OrderRelatedBillingStatus"
    ),
    {
        "to_CreditMemoRequest": Nav(
            "A_CreditMemoRequest", (("CreditMemoRequest", "CreditMemoRequest"),), False
        )
    },
    ("CreditMemoRequest", "Material"),
)
CUSTOMER_RETURN = EntitySet(
    "A_CustomerReturn",
    CR,
    ("CustomerReturn",),
    _props(
        "CustomerReturn CustomerReturnType SalesOrganization DistributionChannel "
        "OrganizationDivision SoldToParty CreationDate:DT CreatedByUser LastChangeDate:DT "
        "LastChangeDateTime:DTO PurchaseOrderByCustomer CustomerReturnDate:DT TotalNetAmount:D "
        "TransactionCurrency SDDocumentReason ReferenceSDDocument ReferenceSDDocumentCategory "
        "RetsMgmtProcess RetsMgmtProcessingStatus OverallSDProcessStatus SalesDocApprovalStatus "
        "OverallSDDocumentRejectionSts YY1_Order360RequestID_SDH"
    ),
    {"to_Item": Nav("A_CustomerReturnItem", (("CustomerReturn", "CustomerReturn"),), True)},
    ("CustomerReturn", "PurchaseOrderByCustomer", "SoldToParty", "YY1_Order360RequestID_SDH"),
)
CUSTOMER_RETURN_ITEM = EntitySet(
    "A_CustomerReturnItem",
    CR,
    ("CustomerReturn", "CustomerReturnItem"),
    _props(
        "CustomerReturn CustomerReturnItem CustomerReturnItemCategory CustomerReturnItemText "
        "PurchaseOrderByCustomer Material RequestedQuantity:D RequestedQuantityUnit "
        "NetAmount:D TransactionCurrency ReturnReason ReturnsRefundType ReturnsRefundProcgMode "
        "CustRetItmFollowUpActivity ReturnsMaterialHasBeenReceived RetsMgmtItmProcgStatus "
        "ReferenceSDDocument ReferenceSDDocumentItem ReferenceSDDocumentCategory SDProcessStatus"
    ),
    {"to_CustomerReturn": Nav("A_CustomerReturn", (("CustomerReturn", "CustomerReturn"),), False)},
    ("CustomerReturn", "Material"),
)

ENTITY_SETS: dict[str, EntitySet] = {
    es.name: es
    for es in (
        SALES_ORDER,
        SALES_ORDER_ITEM,
        BILLING_DOCUMENT,
        BILLING_DOCUMENT_ITEM,
        MATERIAL_STOCK,
        STOCK_IN_ACCOUNT_MODEL,
        CREDIT_MEMO_REQUEST,
        CREDIT_MEMO_REQUEST_ITEM,
        CUSTOMER_RETURN,
        CUSTOMER_RETURN_ITEM,
    )
}
SERVICES: dict[str, tuple[str, ...]] = {
    service: tuple(es.name for es in ENTITY_SETS.values() if es.service == service)
    for service in (SO, BD, MS, CMR, CR)
}
