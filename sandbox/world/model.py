"""The vendor-neutral commerce model of the sandbox world: customers, orders, shipments.

Each vendor simulator renders these into its own wire format, so one fact (an
order, a parcel) reads consistently across OMS, ERP, CRM and carriers, except
where the world deliberately records a disagreement (ERP amount mismatch, OMS
shipment-status lag, missing invoice) as a flag tests can look up.

Classes use identity equality (`eq=False`) because objects point at each other
(an order at its shipments and back); back references are left out of `repr`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.world.geography import Place

if TYPE_CHECKING:
    from sandbox.world.records import BillingDocument, Case, SalesOrder


@dataclass(frozen=True, slots=True)
class Address:
    address1: str
    place: Place


@dataclass(eq=False, slots=True)
class Product:
    """One sellable variant; `sku` is also the SAP Material number."""

    sku: str
    title: str
    variant_title: str
    product_id: int
    variant_id: int
    prices: dict[str, Decimal]  # currency -> unit price
    grams: int
    popularity: float

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}"


@dataclass(eq=False, slots=True)
class Customer:
    """A shopper: Shopify customer, Salesforce Contact and SAP sold-to party at once."""

    index: int
    shopify_id: int
    sap_number: str
    first_name: str
    last_name: str
    email: str
    phone: str
    mobile: str
    address: Address
    region: str  # "US", "EU" or "GB": picks currency, shop clock and carriers
    currency: str
    tax_title: str
    tax_rate: Decimal
    loyalty_tier: str | None
    created_at: datetime.datetime
    contact_id: str = ""
    account_id: str = ""
    orders: list[Order] = field(default_factory=list, repr=False)
    cases: list[Case] = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(eq=False, slots=True)
class OrderLine:
    """An order line; whole lines ship together (a split shipment splits lines, not units)."""

    shopify_id: int
    position: int  # 1-based; the SAP item number is position * 10
    product: Product
    quantity: int
    price: Decimal  # unit price
    discount: Decimal  # discount allocated to the whole line
    tax: Decimal
    backordered: bool = False
    fulfilled: int = 0
    refunded: int = 0

    @property
    def gross(self) -> Decimal:
        return self.price * self.quantity

    @property
    def net(self) -> Decimal:
        """Line amount after discount, before tax (what SAP books as NetAmount)."""
        return self.gross - self.discount

    @property
    def sap_item(self) -> str:
        return str(self.position * 10)


@dataclass(eq=False, slots=True)
class TrackingEvent:
    """One carrier scan; `kind` is the neutral event kind each carrier renders."""

    at: datetime.datetime
    kind: str  # label_created, picked_up, arrived, departed, out_for_delivery, delivered,
    # exception, attempted, held, returning
    place: Place
    message: str


@dataclass(eq=False, slots=True)
class Shipment:
    """A Shopify fulfillment with exactly one parcel and tracking number.

    `status` is the carrier's truth at world time in the canonical vocabulary
    (LABEL_CREATED, IN_TRANSIT, OUT_FOR_DELIVERY, AVAILABLE_FOR_PICKUP,
    DELIVERED, EXCEPTION, RETURNED_TO_SENDER); `oms_status` is Shopify's
    `shipment_status`, which lags the carrier when `oms_lags` is true.
    """

    shopify_id: int
    order: Order = field(repr=False)
    name: str
    carrier: str  # "FedEx", "UPS" or "USPS"
    service: str
    tracking_number: str
    lines: list[tuple[OrderLine, int]]
    shipped_at: datetime.datetime
    outcome: str  # normal, exception, held, returned
    origin: Place
    destination: Place
    events: list[TrackingEvent] = field(default_factory=list)  # visible ones, oldest first
    est_delivery: datetime.date | None = None
    status: str = "LABEL_CREATED"
    oms_status: str | None = None
    oms_updated_at: datetime.datetime | None = None
    oms_lags: bool = False
    tracker_id: str | None = None  # EasyPost tracker id (UPS and USPS parcels)
    delivery_number: str = ""  # SAP outbound delivery
    invoice: BillingDocument | None = field(default=None, repr=False)

    @property
    def delivered_at(self) -> datetime.datetime | None:
        last = self.events[-1] if self.events else None
        return last.at if last is not None and last.kind == "delivered" else None


@dataclass(eq=False, slots=True)
class RefundLine:
    shopify_id: int
    line: OrderLine
    quantity: int
    restock_type: str  # "return", "no_restock" or "cancel"
    subtotal: Decimal
    tax: Decimal
    discount: Decimal


@dataclass(eq=False, slots=True)
class Refund:
    shopify_id: int
    order: Order = field(repr=False)
    created_at: datetime.datetime
    note: str
    restock: bool
    lines: list[RefundLine]
    transaction_id: int
    kind: str  # "cancel", "return", "goodwill" or "full"
    credit_memo: BillingDocument | None = field(default=None, repr=False)
    # Set for refunds created through the OMS API, where the money sent back is what the
    # client asked for and may differ from the lines (amount-only refunds, for instance).
    transaction_amount: Decimal | None = None
    adjustment_id: int | None = None  # the refund_discrepancy order adjustment, if any

    @property
    def lines_amount(self) -> Decimal:
        return sum((rl.subtotal + rl.tax for rl in self.lines), Decimal("0.00"))

    @property
    def amount(self) -> Decimal:
        """Money returned to the customer."""
        return self.lines_amount if self.transaction_amount is None else self.transaction_amount


@dataclass(eq=False, slots=True)
class Order:
    """A Shopify order and its whole life up to world time.

    `state` is the ground truth: open, partially_fulfilled, in_transit,
    delivered, cancelled, partially_refunded, refunded or returned.
    """

    index: int
    shopify_id: int
    number: int
    customer: Customer
    channel: str  # web, store, marketplace, partner:acme, partner:globex
    source_name: str
    app_id: int
    gateway: str
    created_at: datetime.datetime
    lines: list[OrderLine]
    discount_code: str | None
    sale_transaction_id: int
    financial_status: str = "paid"
    shipments: list[Shipment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    cancelled_at: datetime.datetime | None = None
    cancel_reason: str | None = None
    void_transaction_id: int | None = None
    capture_transaction_id: int | None = None  # manual capture of an authorization
    closed_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    state: str = "open"
    sales_order: SalesOrder | None = field(default=None, repr=False)
    cases: list[Case] = field(default_factory=list, repr=False)
    tags: str = ""  # only orders created through the OMS API carry tags and a note
    note: str | None = None

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def region(self) -> str:
        return self.customer.region

    @property
    def currency(self) -> str:
        return self.customer.currency

    @property
    def subtotal(self) -> Decimal:
        """Sum of line prices before discounts (Shopify `subtotal_price` here)."""
        return sum((line.gross for line in self.lines), Decimal("0.00"))

    @property
    def discounts(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal("0.00"))

    @property
    def net(self) -> Decimal:
        """Subtotal after discounts, before tax: what SAP should carry as TotalNetAmount."""
        return self.subtotal - self.discounts

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discounts + self.tax

    @property
    def refunded_amount(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0.00"))

    @property
    def paid_amount(self) -> Decimal:
        """What the customer paid (captured); the ceiling of everything refundable."""
        if self.financial_status in ("paid", "partially_refunded", "refunded"):
            return self.total
        return Decimal("0.00")

    @property
    def payment_transaction_id(self) -> int:
        """The transaction refunds point at (`parent_id`): the capture, else the sale."""
        return self.capture_transaction_id or self.sale_transaction_id

    @property
    def is_split(self) -> bool:
        return len(self.shipments) > 1
