"""Canonical models: exact money, frozen values, derived order amounts and status."""

from __future__ import annotations

import dataclasses
import operator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sources.models import (
    CrmContact,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OmsFulfillment,
    OmsOrder,
    OmsRefund,
    OmsRefundLine,
    OrderStatus,
    ShipmentStatus,
    Tracking,
)

T0 = datetime(2024, 6, 1, 13, 4, 18, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def refund(amount: str, *restock_types: str) -> OmsRefund:
    lines = tuple(OmsRefundLine(str(i), 1, kind) for i, kind in enumerate(restock_types))
    return OmsRefund(id="r", created_at=T0, amount=usd(amount), note=None, lines=lines)


def parcel(status: ShipmentStatus | None, *, cancelled: bool = False) -> OmsFulfillment:
    return OmsFulfillment("f", "#1.1", T0, "UPS", "1Z", status, cancelled)


def order(
    *,
    financial: FinancialStatus = FinancialStatus.PAID,
    fulfillment: FulfillmentStatus = FulfillmentStatus.UNFULFILLED,
    total: str = "100.00",
    refunds: tuple[OmsRefund, ...] = (),
    fulfillments: tuple[OmsFulfillment, ...] = (),
    cancelled_at: datetime | None = None,
) -> OmsOrder:
    return OmsOrder(
        id="1",
        number="#1",
        channel="web",
        placed_at=T0,
        updated_at=T0,
        cancelled_at=cancelled_at,
        closed_at=None,
        financial_status=financial,
        fulfillment_status=fulfillment,
        subtotal=usd(total),
        total_tax=usd("0.00"),
        total=usd(total),
        customer=None,
        lines=(),
        fulfillments=fulfillments,
        refunds=refunds,
    )


def test_money_adds_and_subtracts_exactly():
    assert usd("0.10") + usd("0.20") == usd("0.30")
    assert usd("1.00") - usd("0.01") == usd("0.99")
    assert Money.zero("EUR") == Money(Decimal("0.00"), "EUR")


@pytest.mark.parametrize("op", [operator.add, operator.sub])
def test_money_refuses_mixed_currencies(op):
    with pytest.raises(ValueError, match="EUR"):
        op(usd("1.00"), Money(Decimal("1.00"), "EUR"))


def test_models_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        usd("1.00").amount = Decimal("2")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        order().financial_status = FinancialStatus.REFUNDED  # type: ignore[misc]


def test_refunded_sums_all_refunds():
    o = order(
        financial=FinancialStatus.PARTIALLY_REFUNDED, refunds=(refund("10.00"), refund("2.50"))
    )
    assert o.refunded == usd("12.50")
    assert o.refundable == usd("87.50")
    assert order().refunded == Money.zero("USD")


def test_refundable_floors_at_zero():
    o = order(financial=FinancialStatus.REFUNDED, refunds=(refund("150.00"),))
    assert o.refundable == Money.zero("USD")


@pytest.mark.parametrize(
    ("financial", "paid"),
    [
        (FinancialStatus.PAID, "100.00"),
        (FinancialStatus.PARTIALLY_REFUNDED, "100.00"),
        (FinancialStatus.REFUNDED, "100.00"),
        (FinancialStatus.PARTIALLY_PAID, "0.00"),
        (FinancialStatus.AUTHORIZED, "0.00"),
        (FinancialStatus.PENDING, "0.00"),
        (FinancialStatus.VOIDED, "0.00"),
    ],
)
def test_paid_counts_only_settled_orders(financial, paid):
    assert order(financial=financial).paid == usd(paid)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"cancelled_at": T0, "financial": FinancialStatus.REFUNDED}, OrderStatus.CANCELLED),
        (
            {
                "financial": FinancialStatus.REFUNDED,
                "refunds": (refund("1", "no_restock", "return"),),
            },
            OrderStatus.RETURNED,
        ),
        (
            {"financial": FinancialStatus.REFUNDED, "refunds": (refund("1", "cancel"),)},
            OrderStatus.REFUNDED,
        ),
        ({"financial": FinancialStatus.REFUNDED}, OrderStatus.REFUNDED),
        (
            {
                "financial": FinancialStatus.PARTIALLY_REFUNDED,
                "fulfillment": FulfillmentStatus.FULFILLED,
            },
            OrderStatus.PARTIALLY_REFUNDED,
        ),
        (
            {
                "fulfillment": FulfillmentStatus.FULFILLED,
                "fulfillments": (
                    parcel(ShipmentStatus.DELIVERED),
                    parcel(ShipmentStatus.DELIVERED),
                ),
            },
            OrderStatus.DELIVERED,
        ),
        (
            {
                "fulfillment": FulfillmentStatus.FULFILLED,
                "fulfillments": (
                    parcel(ShipmentStatus.DELIVERED),
                    parcel(ShipmentStatus.IN_TRANSIT),
                ),
            },
            OrderStatus.FULFILLED,
        ),
        (
            {
                "fulfillment": FulfillmentStatus.FULFILLED,
                "fulfillments": (parcel(ShipmentStatus.DELIVERED), parcel(None, cancelled=True)),
            },
            OrderStatus.DELIVERED,
        ),
        (
            {
                "fulfillment": FulfillmentStatus.FULFILLED,
                "fulfillments": (parcel(ShipmentStatus.DELIVERED, cancelled=True),),
            },
            OrderStatus.FULFILLED,
        ),
        (
            {
                "fulfillment": FulfillmentStatus.PARTIAL,
                "fulfillments": (parcel(ShipmentStatus.DELIVERED),),
            },
            OrderStatus.PARTIALLY_FULFILLED,
        ),
        ({}, OrderStatus.OPEN),
        ({"fulfillment": FulfillmentStatus.RESTOCKED}, OrderStatus.OPEN),
    ],
)
def test_status_priority(kwargs, status):
    assert order(**kwargs).status is status


def test_contact_name():
    contact = CrmContact("003", None, "Bob", "Norman", None, None, None, None)
    assert contact.name == "Bob Norman"
    assert dataclasses.replace(contact, first_name=None).name == "Norman"


def test_tracking_events_default_to_empty():
    tracking = Tracking("FedEx", "1", ShipmentStatus.UNKNOWN, None, None)
    assert tracking.events == ()
