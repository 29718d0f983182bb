"""What a refund can actually take, shown on the order as the refund process computes it.

``Order.refundable`` and ``OrderLine.refundableQuantity`` apply the same rules as
eligibility (``resolvers/processes/eligibility.py``): nothing for an order that is not
paid, is cancelled or is past the return window, nor for one the ERP does not have (a
refund could not be booked); otherwise the OMS's figure, capped by what the ERP invoiced
and has not credited, minus what open refund requests already hold. Approval is the
preview's to report: it limits who may refund, not how much.

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
from .processes.eligibility import erp_refundable, order_refusals
from .ready import Ready

__all__ = ["line_refundable", "order_refundable"]


def _value(future: Future[Any]) -> tuple[bool, Any]:
    """(answered, value) of a settled loader future; a failure is not an answer."""
    error = future.exception()
    return (False, None) if error is not None else (True, future.result())


def _window(info: Info) -> int | None:
    env = info.context.processes
    return env.settings.return_window_days if env is not None else None


def _money(
    closed: bool,
    order: OmsOrder,
    sales: tuple[bool, Any],
    billing: tuple[bool, Any],
    held: tuple[bool, Any],
) -> Money:
    currency = order.currency
    answered, found = sales
    if closed or (answered and found is None):
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


def _units(closed: bool, line: OmsLine, sales: tuple[bool, Any], held: tuple[bool, Any]) -> int:
    answered, found = sales
    if closed or (answered and found is None):
        return 0
    reservation: Reservation = held[1] if held[0] else Reservation()
    return max(0, line.quantity - line.refunded_quantity - reservation.lines.get(line.id, 0))


async def _settled(futures: list[Future[Any]]) -> None:
    await gather(*futures, return_exceptions=True)


def order_refundable(info: Info, order: OmsOrder) -> Ready[Money]:
    """The order's refundable money, now when its loads are done (prefetched), else later."""
    closed = bool(order_refusals(order, _window(info)))
    loaders = info.context.loaders
    futures: list[Future[Any]] = [
        loaders.sales_order_by_order_number.load(order.number),
        loaders.billing_by_order_number.load(order.number),
        loaders.reservations.load(order.number),
    ]
    if all(f.done() for f in futures):
        return _money(closed, order, *(_value(f) for f in futures))
    return _money_later(closed, order, futures)


async def _money_later(closed: bool, order: OmsOrder, futures: list[Future[Any]]) -> Money:
    await _settled(futures)
    return _money(closed, order, *(_value(f) for f in futures))


def line_refundable(info: Info, order: OmsOrder, line: OmsLine) -> Ready[int]:
    """Units of the line a refund can still take."""
    closed = bool(order_refusals(order, _window(info)))
    loaders = info.context.loaders
    futures: list[Future[Any]] = [
        loaders.sales_order_by_order_number.load(order.number),
        loaders.reservations.load(order.number),
    ]
    if all(f.done() for f in futures):
        return _units(closed, line, *(_value(f) for f in futures))
    return _units_later(closed, line, futures)


async def _units_later(closed: bool, line: OmsLine, futures: list[Future[Any]]) -> int:
    await _settled(futures)
    return _units(closed, line, *(_value(f) for f in futures))
