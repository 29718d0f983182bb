"""Back-office records derived from the commerce model: SAP documents and Salesforce objects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.world.model import Customer, Order, OrderLine, Refund, Shipment


@dataclass(eq=False, slots=True)
class SalesOrder:
    """The SAP sales order replicated from a Shopify order.

    `total_net_amount` equals `order.net` except when `amount_mismatch` is set
    (a deliberate reconciliation gap of a few cents to a few units).
    """

    number: str
    order: Order = field(repr=False)
    total_net_amount: Decimal
    amount_mismatch: bool
    process_status: str  # OverallSDProcessStatus: A, B or C
    delivery_status: str  # OverallDeliveryStatus: A, B, C or "" for rejected orders
    rejection_status: str  # OverallSDDocumentRejectionSts: A or C
    changed_at: datetime.datetime
    invoices: list[BillingDocument] = field(default_factory=list, repr=False)
    credit_memos: list[BillingDocument] = field(default_factory=list, repr=False)


@dataclass(eq=False, slots=True)
class BillingItem:
    number: str  # "10", "20", ...
    line: OrderLine = field(repr=False)
    quantity: int
    net: Decimal
    tax: Decimal
    reference_document: str  # the outbound delivery (invoice) or the invoice (credit memo)
    reference_item: str
    reference_category: str  # "J" delivery, "M" invoice, "C" order
    # The invoice a credit-memo item corrects; its number is final only after numbering.
    invoice: BillingDocument | None = field(default=None, repr=False)


@dataclass(eq=False, slots=True)
class BillingDocument:
    """An SAP billing document: invoice (category M, type F2) or credit memo (O, G2)."""

    number: str
    category: str
    doc_type: str
    order: Order = field(repr=False)
    sales_order: SalesOrder = field(repr=False)
    date: datetime.datetime
    items: list[BillingItem]
    accounting_document: str
    shipment: Shipment | None = field(default=None, repr=False)
    refund: Refund | None = field(default=None, repr=False)
    # YY1_OMSRefundID_BDH as posted through a credit memo request; None: derived from `refund`.
    oms_refund_id: str | None = None

    @property
    def net(self) -> Decimal:
        return sum((item.net for item in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return sum((item.tax for item in self.items), Decimal("0.00"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def refund_reference(self) -> str:
        """The OMS refund a credit memo carries: as posted, else the generated refund's id."""
        if self.oms_refund_id is not None:
            return self.oms_refund_id
        return str(self.refund.shopify_id) if self.refund is not None else ""


@dataclass(eq=False, slots=True)
class Account:
    """A Salesforce Account: one per customer, or one per household of several."""

    id: str
    name: str
    members: list[Customer] = field(repr=False)
    created_at: datetime.datetime

    @property
    def is_household(self) -> bool:
        return len(self.members) > 1


@dataclass(eq=False, slots=True)
class CaseComment:
    id: str
    case: Case = field(repr=False)
    body: str
    created_at: datetime.datetime
    published: bool
    author_id: str | None = None  # None: the case owner (generated comments)


@dataclass(eq=False, slots=True)
class Case:
    """A Salesforce Case; `order` is None for cases not about an order.

    Cases created through the CRM API (`written`) may have no contact (`customer`
    None) and keep their order fields exactly as the client wrote them
    (`order_number`, `shopify_order_id`); `order` is then the order those name, if any.
    """

    id: str
    number: str
    subject: str
    description: str
    status: str  # New, Working, Escalated, Closed
    escalated: bool
    priority: str
    origin: str
    case_type: str
    reason: str
    customer: Customer | None = field(repr=False)
    order: Order | None = field(repr=False)
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    owner_id: str
    tracking_number: str | None = None
    comments: list[CaseComment] = field(default_factory=list)
    written: bool = False
    order_number: str | None = None
    shopify_order_id: str | None = None
    request_id: str | None = None  # Order360_Request_Id__c, a unique external id
    modified_at: datetime.datetime | None = None  # last update through the API

    @property
    def is_closed(self) -> bool:
        return self.status == "Closed"

    @property
    def order_keys(self) -> tuple[str | None, str | None]:
        """(order number, Shopify order id) as a CRM holds them: as a client wrote them,
        else the order's own (Shopify connectors store the id next to the name)."""
        if self.written:
            return self.order_number, self.shopify_order_id
        if self.order is None:
            return None, None
        return self.order.name, str(self.order.shopify_id)

    @property
    def last_modified(self) -> datetime.datetime:
        stamps = [self.created_at, *(c.created_at for c in self.comments)]
        if self.closed_at is not None:
            stamps.append(self.closed_at)
        if self.modified_at is not None:
            stamps.append(self.modified_at)
        return max(stamps)


@dataclass(eq=False, slots=True)
class AfterSalesItem:
    """An item of a credit memo request or a customer return: one material of the order."""

    number: str  # "10", "20", ...
    line: OrderLine = field(repr=False)
    quantity: int
    net: Decimal
    reason: str = ""  # ReturnReason (customer returns only)


@dataclass(eq=False, slots=True)
class CreditMemoRequest:
    """An SAP credit memo request (API_CREDIT_MEMO_REQUEST_SRV), posted at once as
    `credit_memo`; `external_id` is Order360's refund request id (YY1_Order360RefundID_SDH)."""

    number: str  # "60000001", ...
    sales_order: SalesOrder = field(repr=False)
    created_at: datetime.datetime
    doc_type: str
    reason: str
    currency: str
    reference_document: str
    reference_category: str  # "C" sales order or "M" invoice
    external_id: str
    oms_refund_id: str
    items: list[AfterSalesItem]
    credit_memo: BillingDocument | None = field(default=None, repr=False)

    @property
    def net(self) -> Decimal:
        return sum((item.net for item in self.items), Decimal("0.00"))


@dataclass(eq=False, slots=True)
class CustomerReturn:
    """An SAP customer return (API_CUSTOMER_RETURN_SRV) for materials of one sales order;
    `external_id` is Order360's request id (YY1_Order360RequestID_SDH)."""

    number: str  # "70000001", ...
    sales_order: SalesOrder = field(repr=False)
    created_at: datetime.datetime
    doc_type: str
    reason: str
    external_id: str
    items: list[AfterSalesItem]

    @property
    def net(self) -> Decimal:
        return sum((item.net for item in self.items), Decimal("0.00"))
