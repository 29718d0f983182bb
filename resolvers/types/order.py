"""The order 360: the OMS order, and every other system's part of it, resolved lazily."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import CrmCase, CrmContact, ErpBillingDocument, OmsLine, OmsOrder
from sources import ErpSalesOrder as ErpSalesOrderRecord

from ..context import Info
from ..gather import OrderView, gather_order
from ..identifiers import line_id, order_id
from ..insights import build_timeline, find_discrepancies
from ..loads import Load, reads
from ..observe import BusinessObserver
from ..permissions import requires, requires_any_silently
from ..ready import Ready, mapped, then
from ..refundable import line_refundable, order_refundable
from .billing import ErpSalesOrder, Invoice, Refund
from .enums import FinancialStatus, OrderStatus
from .health import SectionStatus, section_state
from .money import Money
from .shipment import Shipment

if TYPE_CHECKING:
    from .audit import AuditEntry
    from .case import Case
    from .customer import Customer
    from .process import RefundRequest

__all__ = ["Discrepancy", "Order", "OrderLine", "TimelineEvent"]

SECTION_ORDER = ("oms", "erp", "crm", "carrier")


@strawberry.type(description="One line of an order, from the OMS.")
class OrderLine:
    """GraphQL face of an OMS order line (plain fields: no resolver per leaf)."""

    id: strawberry.ID = strawberry.field(description="Line id (shopify:LineItem:<id>).")
    sku: str = strawberry.field(description="Stock keeping unit (equals the ERP material number).")
    title: str = strawberry.field(description="Product title as sold.")
    quantity: int = strawberry.field(description="Quantity ordered.")
    unit_price: Money = strawberry.field(description="Price of one unit.")
    line: strawberry.Private[OmsLine]
    order: strawberry.Private[OmsOrder]

    @strawberry.field(
        description="Units a refund can still take: ordered minus refunded minus what open "
        "refund requests hold; none for an order that cannot be refunded (not paid, "
        "cancelled, past the return window, or not in the ERP).",
        graphql_type=int,
        # The ERP's order and the journal's open requests, read once for the whole order.
        metadata=reads(Load.ERP_SALES_ORDER, Load.JOURNAL_RESERVATIONS, of="Order"),
    )
    def refundable_quantity(self, info: Info) -> Ready[int]:
        """As the refund process counts them."""
        return line_refundable(info, self.order, self.line)

    @classmethod
    def of(cls, line: OmsLine, order: OmsOrder) -> OrderLine:
        """Shape an OMS line once; every other leaf is then a plain attribute."""
        return cls(
            id=strawberry.ID(line_id(line.id)),
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_price=Money.of(line.unit_price),
            line=line,
            order=order,
        )


@strawberry.type(description="One thing that happened to an order, in any system.")
class TimelineEvent:
    """A timeline entry."""

    at: datetime = strawberry.field(description="When it happened (UTC).")
    source: str = strawberry.field(description="oms, erp, crm, carrier or order360.")
    kind: str = strawberry.field(description="e.g. order.placed, shipment.delivered, case.opened.")
    summary: str = strawberry.field(description="One line for a person to read.")


@strawberry.type(description="A disagreement between systems about this order.")
class Discrepancy:
    """One finding of the consistency rules."""

    kind: str = strawberry.field(
        description="AMOUNT_MISMATCH, CURRENCY_MISMATCH, CANCELLATION_SKEW, STATUS_SKEW, "
        "SHIPPED_NOT_INVOICED, REFUND_WITHOUT_CREDIT_MEMO or MISSING_IN_ERP."
    )
    severity: str = strawberry.field(description="INFO, WARNING or BLOCKING.")
    detail: str = strawberry.field(description="What disagrees, in words.")
    sources: list[str] = strawberry.field(description="The systems that disagree.")


@strawberry.type(description="Everything about one order: OMS, ERP, CRM and carriers in one view.")
class Order:
    """An order 360. Fields filled by systems other than the OMS are nullable on purpose."""

    record: strawberry.Private[OmsOrder]
    # The OMS's own fields are shaped once (``Order.of``) and served as plain attributes:
    # no resolver call per leaf.
    id: strawberry.ID = strawberry.field(description="Order id (shopify:Order:<id>).")
    number: str = strawberry.field(description='Customer-facing order number, e.g. "#1001".')
    channel: str = strawberry.field(
        description="Sales channel: web, store, marketplace or partner:<id>."
    )
    placed_at: datetime = strawberry.field(description="When the order was placed (UTC).")
    status: OrderStatus = strawberry.field(description="Where the order stands.")
    financial_status: FinancialStatus = strawberry.field(description="Payment state.")
    total: Money = strawberry.field(description="Order total, tax included.")
    lines: list[OrderLine] = strawberry.field(description="Order lines, from the OMS.")

    @strawberry.field(
        description="What a refund can still take: paid minus refunded, capped by what the ERP "
        "invoiced and has not credited, minus what open refund requests hold; nothing for an "
        "order that cannot be refunded (not paid, cancelled, past the return window, or not "
        "in the ERP). Without an answer from the ERP, the OMS's figure.",
        graphql_type=Money,
        metadata=reads(Load.ERP_SALES_ORDER, Load.ERP_BILLING, Load.JOURNAL_RESERVATIONS),
    )
    def refundable(self, info: Info) -> Ready[Money]:
        """As the refund process computes it (approval is the preview's to report)."""
        return mapped(order_refundable(info, self.record), Money.of)

    @classmethod
    def of(cls, record: OmsOrder) -> Order:
        """The order 360 of an OMS order."""
        return cls(
            record=record,
            id=strawberry.ID(order_id(record.id)),
            number=record.number,
            channel=record.channel,
            placed_at=record.placed_at,
            status=record.status,
            financial_status=record.financial_status,
            total=Money.of(record.total),
            lines=[OrderLine.of(line, record) for line in record.lines],
        )

    @strawberry.field(
        description="The customer, from the CRM (OMS data when the CRM has no contact).",
        graphql_type=Annotated["Customer", strawberry.lazy(".customer")] | None,
        metadata=reads(Load.CRM_CONTACT),
    )
    def customer(self, info: Info) -> Ready[Customer | None]:
        """The CRM contact linked to the OMS customer."""
        from .customer import Customer

        oms_customer = self.record.customer
        if oms_customer is None:
            return None
        context = info.context

        def shape(contact: CrmContact | None) -> Customer:
            context.mark_stale(info, "contact_by_oms_customer", oms_customer.id)
            return Customer.of(contact, oms_customer)

        return then(context.loaders.contact_by_oms_customer.load(oms_customer.id), shape)

    @strawberry.field(
        description="The ERP sales order, when the ERP has it.",
        graphql_type=ErpSalesOrder | None,
        metadata=reads(Load.ERP_SALES_ORDER),
    )
    def erp_sales_order(self, info: Info) -> Ready[ErpSalesOrder | None]:
        """Found by the order number the ERP carries (PurchaseOrderByCustomer)."""
        number = self.record.number

        def shape(order: ErpSalesOrderRecord | None) -> ErpSalesOrder | None:
            info.context.mark_stale(info, "sales_order", number)
            return ErpSalesOrder.of(order) if order else None

        return then(info.context.loaders.sales_order_by_order_number.load(number), shape)

    @strawberry.field(
        description="ERP invoices and credit memos for this order.",
        graphql_type=list[Invoice] | None,
        metadata=reads(Load.ERP_BILLING),
    )
    def invoices(self, info: Info) -> Ready[list[Invoice] | None]:
        """Billing documents, by document number."""
        number = self.record.number

        def shape(documents: list[ErpBillingDocument]) -> list[Invoice]:
            info.context.mark_stale(info, "billing", number)
            return [Invoice.of(d) for d in documents]

        return then(info.context.loaders.billing_by_order_number.load(number), shape)

    @strawberry.field(description="Refunds from the OMS, joined with their ERP credit memos.")
    def refunds(self) -> list[Refund]:
        """Oldest first."""
        return [Refund(refund=r, order_number=self.record.number) for r in self.record.refunds]

    @strawberry.field(description="Parcels: OMS fulfilments joined with carrier tracking.")
    def shipments(self) -> list[Shipment]:
        """Every live fulfilment that carries a tracking number."""
        return [
            Shipment(fulfillment=f)
            for f in self.record.fulfillments
            if f.tracking_number and not f.cancelled
        ]

    @strawberry.field(
        description="CRM cases that reference this order.",
        extensions=requires("cases:read"),
        graphql_type=list[Annotated["Case", strawberry.lazy(".case")]] | None,
        metadata=reads(Load.CRM_CASES_BY_ORDER),
    )
    def cases(self, info: Info) -> Ready[list[Case] | None]:
        """Oldest first."""
        from .case import Case

        number = self.record.number

        def shape(found: list[CrmCase]) -> list[Case]:
            info.context.mark_stale(info, "cases_by_order", number)
            return [Case(record=c) for c in found]

        return then(info.context.loaders.cases_by_order_number.load(number), shape)

    @strawberry.field(
        description="Everything that happened to this order, across all systems, oldest first. "
        "Events of a system that failed are missing; sections says which.",
        graphql_type=list[TimelineEvent],
        metadata=reads(Load.ORDER_VIEW),
    )
    def timeline(self, info: Info) -> Ready[list[TimelineEvent]]:
        """OMS, ERP, CRM and carrier events merged."""
        return then(gather_order(self.record, info.context), _timeline)

    @strawberry.field(
        description="Where the systems disagree: ERP totals vs OMS totals, carrier delivered vs "
        "OMS unfulfilled, shipped but not invoiced.",
        graphql_type=list[Discrepancy],
        metadata=reads(Load.ORDER_VIEW),
    )
    def discrepancies(self, info: Info) -> Ready[list[Discrepancy]]:
        """Only rules whose systems all answered are evaluated."""
        observer = info.context.observer
        return then(gather_order(self.record, info.context), lambda v: _discrepancies(v, observer))

    @strawberry.field(
        description="Per upstream: was its part of this order fresh, served stale from cache, "
        "or unavailable.",
        graphql_type=list[SectionStatus],
        metadata=reads(Load.ORDER_VIEW),
    )
    def sections(self, info: Info) -> Ready[list[SectionStatus]]:
        """One entry per system, in the order oms, erp, crm, carrier."""
        return then(gather_order(self.record, info.context), _sections)

    @strawberry.field(
        description="Who did what to this order through Order360 (refunds, approvals, cases). "
        "Needs ops or refunds:approve; empty without them.",
        extensions=requires_any_silently("ops", "refunds:approve"),
        metadata=reads(Load.JOURNAL),
    )
    async def audit_trail(
        self, info: Info
    ) -> list[Annotated[AuditEntry, strawberry.lazy(".audit")]]:
        """Entries written by the governed processes about this order, oldest first."""
        from .process import audit_entries

        return await audit_entries(info, order_number=self.record.number)

    @strawberry.field(
        description="Refund requests of this order through Order360, pending and past, newest "
        "first. Needs refunds:write, refunds:approve or ops; empty without them.",
        extensions=requires_any_silently("refunds:write", "refunds:approve", "ops"),
        metadata=reads(Load.JOURNAL),
    )
    async def refund_requests(
        self, info: Info
    ) -> list[Annotated[RefundRequest, strawberry.lazy(".process")]]:
        """Every refund workflow journalled for this order."""
        from sources import WorkflowKind

        from .process import RefundRequest

        env = info.context.processes
        if env is None:
            return []
        found = await env.journal.workflows_page(
            limit=200, kinds=[WorkflowKind.REFUND], order_number=self.record.number
        )
        return [RefundRequest(record=r) for r in found]


def _timeline(view: OrderView) -> list[TimelineEvent]:
    return [
        TimelineEvent(at=h.at, source=h.source, kind=h.kind, summary=h.summary)
        for h in build_timeline(view.facts)
    ]


def _discrepancies(view: OrderView, observer: BusinessObserver) -> list[Discrepancy]:
    found = find_discrepancies(view.facts, datetime.now(UTC))
    observer.discrepancies_found([f.kind for f in found])
    return [
        Discrepancy(kind=f.kind, severity=f.severity, detail=f.detail, sources=list(f.sources))
        for f in found
    ]


def _sections(view: OrderView) -> list[SectionStatus]:
    return [
        section_state(name, view.errors.get(name), view.stale_ages.get(name))
        for name in SECTION_ORDER
    ]
