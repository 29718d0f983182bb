"""The generated world: every entity the simulated systems serve, plus lookup indexes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sandbox.world.model import Customer, Order, Product, Refund, Shipment
from sandbox.world.records import (
    Account,
    BillingDocument,
    Case,
    CaseComment,
    CreditMemoRequest,
    CustomerReturn,
    SalesOrder,
)


@dataclass(eq=False)
class World:
    """Everything the sandbox serves, generated from `random.Random(seed)` for `anchor`.

    Generation fills it once; afterwards only `sandbox.world.writer.WorldWriter` changes
    it (the write endpoints), keeping the indexes below in step. Collections (all in
    creation order):

    - `products`: `Product` (sku == SAP Material, title, variant_title, prices by currency).
    - `stock`: SAP unrestricted stock per sku; 0 for ~15 % of materials.
    - `customers`: `Customer` (shopify_id, sap_number, contact_id, account_id, email,
      region US/EU/GB, currency, loyalty_tier, `.orders`, `.cases`).
    - `accounts`: Salesforce `Account` (one per customer, or per household: `.members`).
    - `orders`: `Order`, oldest first ("#1001" is `orders[0]`). Key fields: shopify_id,
      name, channel, created_at, `state` (open, partially_fulfilled, in_transit, delivered,
      cancelled, partially_refunded, refunded, returned), financial_status, closed_at,
      cancelled_at, `lines` (`OrderLine`), `shipments`, `refunds`, `cases`,
      `sales_order` (None when not replicated to SAP yet), `is_split`, money properties
      (subtotal, discounts, net, tax, total, refunded_amount).
    - `shipments`: every `Shipment` (one parcel = one Shopify fulfillment): carrier
      FedEx/UPS/USPS, tracking_number, tracker_id (EasyPost, UPS/USPS only), `events`
      (visible `TrackingEvent`s, oldest first), `status` (canonical, carrier truth),
      `oms_status` / `oms_lags` (Shopify's possibly stale view), outcome, invoice.
    - `refunds`: every `Refund` (kind cancel/return/goodwill/full, lines, credit_memo).
    - `sales_orders`: SAP `SalesOrder` (number "5000001"…, total_net_amount,
      amount_mismatch, statuses, invoices, credit_memos).
    - `billing_documents`: SAP `BillingDocument`s numbered "90000001"… in date order;
      category "M" (invoice, `.shipment`) or "O" (credit memo, `.refund`).
    - `cases` / `comments`: Salesforce `Case` ("00001001"…, `.order` may be None) and
      `CaseComment`.
    - `credit_memo_requests` / `customer_returns`: SAP after-sales documents; none are
      generated, they come only from the write endpoints.

    Indexes: `order_by_id`, `order_by_name`, `customer_by_id`, `customer_by_email`,
    `shipment_by_tracking`, `product_by_sku`, `sales_order_by_number`,
    `billing_document_by_number`, `case_by_id`, `case_by_request_id`,
    `credit_memo_request_by_external_id`, `customer_return_by_external_id`.
    """

    seed: int
    anchor: datetime.date
    now: datetime.datetime  # the anchor's midnight, UTC: every event happened before it
    products: list[Product]
    stock: dict[str, int]
    customers: list[Customer]
    accounts: list[Account]
    orders: list[Order]
    sales_orders: list[SalesOrder]
    billing_documents: list[BillingDocument]
    cases: list[Case]
    comments: list[CaseComment]
    shipments: list[Shipment] = field(init=False)
    refunds: list[Refund] = field(init=False)
    order_by_id: dict[int, Order] = field(init=False)
    order_by_name: dict[str, Order] = field(init=False)
    customer_by_id: dict[int, Customer] = field(init=False)
    customer_by_email: dict[str, Customer] = field(init=False)
    shipment_by_tracking: dict[str, Shipment] = field(init=False)
    product_by_sku: dict[str, Product] = field(init=False)
    sales_order_by_number: dict[str, SalesOrder] = field(init=False)
    billing_document_by_number: dict[str, BillingDocument] = field(init=False)
    case_by_id: dict[str, Case] = field(init=False)
    case_by_request_id: dict[str, Case] = field(init=False)
    credit_memo_requests: list[CreditMemoRequest] = field(default_factory=list)
    customer_returns: list[CustomerReturn] = field(default_factory=list)
    credit_memo_request_by_external_id: dict[str, CreditMemoRequest] = field(init=False)
    customer_return_by_external_id: dict[str, CustomerReturn] = field(init=False)

    def __post_init__(self) -> None:
        self.shipments = [s for o in self.orders for s in o.shipments]
        self.refunds = [r for o in self.orders for r in o.refunds]
        self.order_by_id = {o.shopify_id: o for o in self.orders}
        self.order_by_name = {o.name: o for o in self.orders}
        self.customer_by_id = {c.shopify_id: c for c in self.customers}
        self.customer_by_email = {c.email.lower(): c for c in self.customers}
        self.shipment_by_tracking = {s.tracking_number: s for s in self.shipments}
        self.product_by_sku = {p.sku: p for p in self.products}
        self.sales_order_by_number = {so.number: so for so in self.sales_orders}
        self.billing_document_by_number = {d.number: d for d in self.billing_documents}
        self.case_by_id = {c.id: c for c in self.cases}
        self.case_by_request_id = {c.request_id: c for c in self.cases if c.request_id}
        self.credit_memo_request_by_external_id = {
            r.external_id: r for r in self.credit_memo_requests if r.external_id
        }
        self.customer_return_by_external_id = {
            r.external_id: r for r in self.customer_returns if r.external_id
        }

    def __repr__(self) -> str:
        # The default repr would print the whole world into every failing test's report.
        return (
            f"World(seed={self.seed}, anchor={self.anchor}, customers={len(self.customers)}, "
            f"orders={len(self.orders)}, shipments={len(self.shipments)}, cases={len(self.cases)})"
        )

    def orders_in_state(self, state: str) -> list[Order]:
        """Orders whose ground-truth `state` is `state` (see the class docstring)."""
        return [o for o in self.orders if o.state == state]
