"""Canonical domain models: what every source maps its vendor payloads into.

Money is always ``Decimal`` with an ISO 4217 currency, timestamps are timezone-aware
UTC ``datetime``s, and status fields use the canonical vocabularies below (see
vendor-wire-formats.md §5). Models are frozen: a loaded record is a value, shared
safely between resolvers of one request and entries of the cross-request cache.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

__all__ = [
    "CrmCase",
    "CrmContact",
    "ErpBillingDocument",
    "ErpSalesOrder",
    "ErpSalesOrderItem",
    "FinancialStatus",
    "FulfillmentStatus",
    "Money",
    "OmsCustomer",
    "OmsFulfillment",
    "OmsLine",
    "OmsOrder",
    "OmsRefund",
    "OmsRefundLine",
    "OrderStatus",
    "RefundQuote",
    "ShipmentStatus",
    "StockLevel",
    "Tracking",
    "TrackingEvent",
]


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot subtract {other.currency} from {self.currency}")
        return Money(self.amount - other.amount, self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(Decimal("0.00"), currency)


class OrderStatus(enum.Enum):
    """Where an order stands, as one value an agent can act on."""

    OPEN = "OPEN"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    RETURNED = "RETURNED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


class FinancialStatus(enum.Enum):
    """Payment state of an order (Shopify ``financial_status``)."""

    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"


class FulfillmentStatus(enum.Enum):
    """How much of an order has left the warehouse."""

    UNFULFILLED = "UNFULFILLED"
    PARTIAL = "PARTIAL"
    FULFILLED = "FULFILLED"
    RESTOCKED = "RESTOCKED"


class ShipmentStatus(enum.Enum):
    """Canonical parcel status across carriers (vendor-wire-formats.md §4.5)."""

    PRE_TRANSIT = "PRE_TRANSIT"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    AVAILABLE_FOR_PICKUP = "AVAILABLE_FOR_PICKUP"
    DELIVERED = "DELIVERED"
    EXCEPTION = "EXCEPTION"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"


# --- OMS -------------------------------------------------------------------------------

_PAID_STATES = frozenset(
    {FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.REFUNDED}
)


@dataclass(frozen=True, slots=True)
class OmsCustomer:
    """The customer block embedded in an OMS order."""

    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class OmsLine:
    """One order line as the OMS knows it."""

    id: str
    sku: str
    title: str
    quantity: int
    unit_price: Money
    refunded_quantity: int


@dataclass(frozen=True, slots=True)
class OmsFulfillment:
    """One parcel: Shopify holds one tracking number per fulfillment."""

    id: str
    name: str
    created_at: datetime
    tracking_company: str | None
    tracking_number: str | None
    shipment_status: ShipmentStatus | None
    cancelled: bool


@dataclass(frozen=True, slots=True)
class OmsRefundLine:
    """A refunded quantity of one line."""

    line_id: str
    quantity: int
    restock_type: str


@dataclass(frozen=True, slots=True)
class OmsRefund:
    """A refund as recorded by the OMS, with the money actually returned."""

    id: str
    created_at: datetime
    amount: Money
    note: str | None
    lines: tuple[OmsRefundLine, ...]


@dataclass(frozen=True, slots=True)
class OmsOrder:
    """An order with its lines, fulfilments and refunds, from the OMS."""

    id: str
    number: str
    channel: str
    placed_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    closed_at: datetime | None
    financial_status: FinancialStatus
    fulfillment_status: FulfillmentStatus
    subtotal: Money
    total_tax: Money
    total: Money
    customer: OmsCustomer | None
    lines: tuple[OmsLine, ...]
    fulfillments: tuple[OmsFulfillment, ...]
    refunds: tuple[OmsRefund, ...]

    @property
    def currency(self) -> str:
        """The order's transaction currency."""
        return self.total.currency

    @property
    def refunded(self) -> Money:
        """Sum of the money returned by all refunds."""
        total = Money.zero(self.currency)
        for refund in self.refunds:
            total = total + refund.amount
        return total

    @property
    def paid(self) -> Money:
        """What the customer has paid. A partly paid order counts as unpaid: its paid
        share is not on the order itself, and a refund decision must not guess."""
        if self.financial_status in _PAID_STATES:
            return self.total
        return Money.zero(self.currency)

    @property
    def refundable(self) -> Money:
        """Paid minus already refunded, never below zero."""
        left = self.paid - self.refunded
        return left if left.amount > 0 else Money.zero(self.currency)

    @property
    def status(self) -> OrderStatus:
        """One canonical status, in priority order: cancelled, returned, refunded, delivery."""
        if self.cancelled_at is not None:
            return OrderStatus.CANCELLED
        # Goods coming back outweigh how much money went back with them.
        if any(line.restock_type == "return" for refund in self.refunds for line in refund.lines):
            return OrderStatus.RETURNED
        if self.financial_status is FinancialStatus.REFUNDED:
            return OrderStatus.REFUNDED
        if self.financial_status is FinancialStatus.PARTIALLY_REFUNDED:
            return OrderStatus.PARTIALLY_REFUNDED
        if self.fulfillment_status is FulfillmentStatus.FULFILLED:
            live = [f for f in self.fulfillments if not f.cancelled]
            if live and all(f.shipment_status is ShipmentStatus.DELIVERED for f in live):
                return OrderStatus.DELIVERED
            return OrderStatus.FULFILLED
        if self.fulfillment_status is FulfillmentStatus.PARTIAL:
            return OrderStatus.PARTIALLY_FULFILLED
        return OrderStatus.OPEN


# --- ERP -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErpSalesOrderItem:
    """A sales order item (``A_SalesOrderItem``)."""

    item: str
    material: str
    quantity: Decimal
    net_amount: Money
    rejected: bool


@dataclass(frozen=True, slots=True)
class ErpSalesOrder:
    """The ERP's sales order for an OMS order (``A_SalesOrder``)."""

    document_number: str
    order_number: str
    sold_to_party: str
    status: str
    delivery_status: str
    net_amount: Money
    created_at: datetime
    items: tuple[ErpSalesOrderItem, ...]


@dataclass(frozen=True, slots=True)
class ErpBillingDocument:
    """An invoice or credit memo (``A_BillingDocument``)."""

    document_number: str
    kind: str
    order_number: str
    issued_at: datetime
    net_amount: Money
    tax_amount: Money
    gross_amount: Money
    cancelled: bool
    oms_refund_id: str | None


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Unrestricted-use stock of one material, summed over storage locations."""

    material: str
    quantity: Decimal
    unit: str


# --- CRM -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrmContact:
    """A customer as the CRM knows them (Salesforce ``Contact``)."""

    id: str
    account_id: str | None
    first_name: str | None
    last_name: str
    email: str | None
    phone: str | None
    loyalty_tier: str | None
    oms_customer_id: str | None
    id_prefix: str = "crm:Contact:"
    """Begins the contact's global id; each service desk sets its own (``sfdc:Contact:``)."""

    @property
    def global_id(self) -> str:
        """The id clients see and give back: the service desk's prefix and its own id."""
        return f"{self.id_prefix}{self.id}"

    @property
    def name(self) -> str:
        """Display name, first name first."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class CrmCase:
    """A service case (Salesforce ``Case``)."""

    id: str
    number: str
    subject: str
    status: str
    closed: bool
    priority: str
    origin: str | None
    opened_at: datetime
    closed_at: datetime | None
    contact_id: str | None
    order_number: str | None
    oms_order_id: str | None


# --- Carriers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One carrier scan, with the carrier's own code kept for re-mapping."""

    at: datetime
    status: ShipmentStatus
    message: str
    location: str | None
    raw_code: str


@dataclass(frozen=True, slots=True)
class Tracking:
    """What a carrier says about one tracking number; events oldest first."""

    carrier: str
    tracking_number: str
    status: ShipmentStatus
    estimated_delivery: datetime | None
    delivered_at: datetime | None
    events: tuple[TrackingEvent, ...] = field(default=())


# --- Writes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundQuote:
    """What the OMS says a refund would return (Shopify ``refunds/calculate``)."""

    amount: Money
    maximum_refundable: Money
    parent_transaction_id: str | None
    gateway: str | None
