"""Timeline and discrepancy rules over canonical models (pure functions, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from resolvers.insights import OrderFacts, build_timeline, find_discrepancies
from sources import (
    CrmCase,
    ErpBillingDocument,
    ErpSalesOrder,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OmsFulfillment,
    OmsOrder,
    OmsRefund,
    ShipmentStatus,
    Tracking,
    TrackingEvent,
)

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


PARCEL = OmsFulfillment(
    id="1",
    name="#1001.1",
    created_at=T0 + timedelta(days=1),
    tracking_company="FedEx",
    tracking_number="794",
    shipment_status=ShipmentStatus.IN_TRANSIT,
    cancelled=False,
)
ORDER = OmsOrder(
    id="11",
    number="#1001",
    channel="web",
    placed_at=T0,
    updated_at=T0,
    cancelled_at=None,
    closed_at=None,
    financial_status=FinancialStatus.PAID,
    fulfillment_status=FulfillmentStatus.FULFILLED,
    subtotal=eur("100.00"),
    total_tax=eur("19.00"),
    total=eur("119.00"),
    customer=None,
    lines=(),
    fulfillments=(PARCEL,),
    refunds=(),
)
SALES = ErpSalesOrder(
    document_number="5000001",
    order_number="#1001",
    sold_to_party="17100001",
    status="COMPLETED",
    delivery_status="C",
    net_amount=eur("100.00"),
    created_at=T0,
    items=(),
)
INVOICE = ErpBillingDocument(
    document_number="90000001",
    kind="INVOICE",
    order_number="#1001",
    issued_at=T0 + timedelta(days=2),
    net_amount=eur("100.00"),
    tax_amount=eur("19.00"),
    gross_amount=eur("119.00"),
    cancelled=False,
    oms_refund_id=None,
)
DELIVERED = Tracking(
    carrier="FedEx",
    tracking_number="794",
    status=ShipmentStatus.DELIVERED,
    estimated_delivery=None,
    delivered_at=T0 + timedelta(days=3),
    events=(
        TrackingEvent(
            T0 + timedelta(days=3), ShipmentStatus.DELIVERED, "Delivered", "Berlin", "DL"
        ),
    ),
)
CASE = CrmCase(
    id="500",
    number="00001001",
    subject="Late",
    status="Closed",
    closed=True,
    priority="High",
    origin="Email",
    opened_at=T0 + timedelta(days=4),
    closed_at=T0 + timedelta(days=5),
    contact_id=None,
    order_number="#1001",
    oms_order_id="11",
)
NOW = T0 + timedelta(days=10)


def facts(**changes: object) -> OrderFacts:
    base = OrderFacts(
        order=ORDER,
        sales_order=SALES,
        billing=(INVOICE,),
        erp_answered=True,
        cases=(CASE,),
        crm_answered=True,
        trackings=(),
        carrier_answered=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def kinds(found: list) -> list[str]:
    return [f.kind for f in found]


def test_consistent_order_has_no_discrepancy() -> None:
    assert find_discrepancies(facts(), NOW) == []


def test_amount_and_currency_mismatch() -> None:
    off = replace(SALES, net_amount=eur("99.50"))
    assert kinds(find_discrepancies(facts(sales_order=off), NOW)) == ["AMOUNT_MISMATCH"]
    usd = replace(SALES, net_amount=Money(Decimal("100.00"), "USD"))
    found = find_discrepancies(facts(sales_order=usd), NOW)
    assert kinds(found) == ["CURRENCY_MISMATCH"]
    assert found[0].severity == "BLOCKING"


def test_shipped_not_invoiced_and_refund_without_memo() -> None:
    refund = OmsRefund(id="77", created_at=T0, amount=eur("5.00"), note=None, lines=())
    order = replace(ORDER, refunds=(refund,))
    found = kinds(find_discrepancies(facts(order=order, billing=()), NOW))
    assert found == ["SHIPPED_NOT_INVOICED", "REFUND_WITHOUT_CREDIT_MEMO"]
    memo = replace(INVOICE, document_number="90000002", kind="CREDIT_MEMO", oms_refund_id="77")
    assert find_discrepancies(facts(order=order, billing=(INVOICE, memo)), NOW) == []


def test_carrier_delivered_but_oms_not_is_status_skew() -> None:
    found = find_discrepancies(facts(trackings=(DELIVERED,)), NOW)
    assert kinds(found) == ["STATUS_SKEW"]
    assert found[0].sources == ("carrier", "oms")


def test_missing_in_erp_waits_for_replication() -> None:
    assert kinds(find_discrepancies(facts(sales_order=None, billing=()), NOW)) == ["MISSING_IN_ERP"]
    just_placed = T0 + timedelta(minutes=10)
    assert find_discrepancies(facts(sales_order=None, billing=()), just_placed) == []


def test_rules_of_a_silent_system_do_not_fire() -> None:
    silent_erp = facts(sales_order=None, billing=(), erp_answered=False)
    assert find_discrepancies(silent_erp, NOW) == []
    silent_carrier = facts(trackings=(DELIVERED,), carrier_answered=False)
    assert find_discrepancies(silent_carrier, NOW) == []


def test_cancellation_skew() -> None:
    cancelled = replace(ORDER, cancelled_at=T0 + timedelta(hours=1), fulfillments=())
    assert kinds(find_discrepancies(facts(order=cancelled, billing=()), NOW)) == [
        "CANCELLATION_SKEW"
    ]


def test_timeline_merges_every_system_oldest_first() -> None:
    timeline = build_timeline(facts(trackings=(DELIVERED,)))
    assert [(h.source, h.kind) for h in timeline] == [
        ("oms", "order.placed"),
        ("erp", "erp.sales_order.created"),
        ("oms", "shipment.created"),
        ("erp", "invoice.issued"),
        ("carrier", "shipment.delivered"),
        ("crm", "case.opened"),
        ("crm", "case.closed"),
    ]
    assert timeline[4].summary == "FedEx 794: Delivered (Berlin)"
