"""What a refund can actually take, shown on the order as the refund process computes it.

``Order.refundable`` and ``OrderLine.refundableQuantity`` apply the same money rules as
eligibility (``resolvers/processes/eligibility.py``): the OMS's figure, capped by what the
ERP invoiced and has not credited, minus what open refund requests already hold, and
nothing at all for an order the ERP does not have (a refund could not be booked). The
return window and the approval threshold are the preview's to report, not the order's.

A system that does not answer costs only its part: without the ERP the OMS's figure
stands (``Order.sections`` says the ERP part is missing); without the journal nothing is
taken off for open requests.
"""

from __future__ import annotations

from asyncio import Future, gather
from decimal import Decimal
from typing import Any

from sources import ErpBillingDocument, Money, OmsLine, OmsOrder, Reservation

from .context import Info
from .processes.eligibility import erp_refundable
from .ready import Ready

__all__ = ["line_refundable", "order_refundable"]


def _value(future: Future[Any]) -> tuple[bool, Any]:
    """(answered, value) of a settled loader future; a failure is not an answer."""
    error = future.exception()
    return (False, None) if error is not None else (True, future.result())


def _money(
    order: OmsOrder, sales: tuple[bool, Any], billing: tuple[bool, Any], held: tuple[bool, Any]
) -> Money:
    currency = order.currency
    answered, found = sales
    if answered and found is None:
        return Money.zero(currency)
    amount = order.refundable
    answered, documents = billing
    if answered:
        bills: list[ErpBillingDocument] = documents
        cap = erp_refundable(order, bills)
        if cap is not None and cap.amount < amount.amount:
            amount = cap
    reservation: Reservation = held[1] if held[0] else Reservation()
    return Money(max(Decimal("0.00"), amount.amount - reservation.amount), currency)


def _units(line: OmsLine, sales: tuple[bool, Any], held: tuple[bool, Any]) -> int:
    answered, found = sales
    if answered and found is None:
        return 0
    reservation: Reservation = held[1] if held[0] else Reservation()
    return max(0, line.quantity - line.refunded_quantity - reservation.lines.get(line.id, 0))


async def _settled(futures: list[Future[Any]]) -> None:
    await gather(*futures, return_exceptions=True)


def order_refundable(info: Info, order: OmsOrder) -> Ready[Money]:
    """The order's refundable money, now when its loads are done (prefetched), else later."""
    loaders = info.context.loaders
    futures: list[Future[Any]] = [
        loaders.sales_order_by_order_number.load(order.number),
        loaders.billing_by_order_number.load(order.number),
        loaders.reservations.load(order.number),
    ]
    if all(f.done() for f in futures):
        return _money(order, *(_value(f) for f in futures))
    return _money_later(order, futures)


async def _money_later(order: OmsOrder, futures: list[Future[Any]]) -> Money:
    await _settled(futures)
    return _money(order, *(_value(f) for f in futures))


def line_refundable(info: Info, order_number: str, line: OmsLine) -> Ready[int]:
    """Units of the line a refund can still take."""
    loaders = info.context.loaders
    futures: list[Future[Any]] = [
        loaders.sales_order_by_order_number.load(order_number),
        loaders.reservations.load(order_number),
    ]
    if all(f.done() for f in futures):
        return _units(line, *(_value(f) for f in futures))
    return _units_later(line, futures)


async def _units_later(line: OmsLine, futures: list[Future[Any]]) -> int:
    await _settled(futures)
    return _units(line, *(_value(f) for f in futures))
