"""Refund eligibility from live OMS, ERP and CRM data (never the cache).

Shared by ``refundPreview`` (which only reports) and ``requestRefund`` (which then
reserves the amount under the order's lock), so both apply exactly the same rules and
report the same codes. Every rule that could refuse the workflow later runs here,
before anything moves: the order exists in every system the refund writes to (the ERP
sales order to credit, the CRM contact of the customer), every line belongs to the
order, quantities and amounts are within what is refundable, the currency matches.

Fail closed: a rule that cannot be evaluated because its system does not answer refuses
with ``ELIGIBILITY_UNAVAILABLE``; nothing defaults to allow.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sources import (
    ErpBillingDocument,
    FinancialStatus,
    Money,
    OmsLine,
    OmsOrder,
    SourceError,
)

from ..identifiers import InvalidIdentifier, native_line_id
from ..identifiers import order_number as canonical_number
from .base import Problem, Refused, Runtime

__all__ = [
    "Assessment",
    "RefundAsk",
    "assess",
    "checked",
    "erp_refundable",
    "live_order",
    "order_refusals",
    "unavailable",
]

PAID = {FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED}
_SYSTEMS = {"erp": "ERP", "oms": "order system", "crm": "CRM", "carrier": "carrier"}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RefundAsk:
    """What is asked: an order, lines (global or native ids) or an amount."""

    order_number: str
    lines: tuple[tuple[str, int], ...]
    amount: Money | None


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a refund would do."""

    order: OmsOrder
    amount: Money
    refundable: Money
    requires_approval: bool
    problems: tuple[Problem, ...]
    lines: tuple[tuple[str, int], ...] = ()
    """The asked lines by native OMS id."""
    contact_id: str | None = None
    """The customer's CRM contact (the refund's case is theirs)."""

    @property
    def eligible(self) -> bool:
        """No rule refused it."""
        return not self.problems


def unavailable(error: SourceError, what: str) -> Problem:
    """The user error for a rule whose system did not answer."""
    if str(error.code) == "BAD_USER_INPUT":
        return Problem("BAD_USER_INPUT", "The input cannot be sent to the systems as given.")
    system = _SYSTEMS.get(error.source, error.source)
    return Problem(
        "ELIGIBILITY_UNAVAILABLE",
        f"The {system} did not answer, so {what} cannot be checked; nothing was done. "
        "Try again shortly.",
    )


async def checked(awaitable: Awaitable[T], what: str) -> T:
    """Await a read a rule needs; a source failure refuses (fail closed)."""
    try:
        return await awaitable
    except SourceError as error:
        raise Refused(unavailable(error, what)) from error


async def live_order(rt: Runtime, number: str) -> OmsOrder:
    """The order straight from the OMS, if the principal may see it; else NOT_FOUND."""
    try:
        canonical = canonical_number(number)
    except InvalidIdentifier as bad:
        raise Refused(Problem("BAD_USER_INPUT", str(bad), ("orderNumber",))) from bad
    order = await checked(rt.sources.oms.order_by_number(canonical, rt.call), "the order")
    if order is None or not rt.policy.may_see_channel(rt.principal, order.channel):
        raise Refused(Problem("NOT_FOUND", "No order matches.", ("orderNumber",)))
    return order


def _native_lines(ask: RefundAsk) -> tuple[tuple[str, int], ...]:
    problems: list[Problem] = []
    native: list[tuple[str, int]] = []
    for index, (line_id, quantity) in enumerate(ask.lines):
        try:
            native.append((native_line_id(line_id), quantity))
        except InvalidIdentifier as bad:
            problems.append(Problem("BAD_USER_INPUT", str(bad), ("lines", str(index), "lineId")))
    if problems:
        raise Refused(*problems)
    return tuple(native)


def _line_problems(order: OmsOrder, lines: tuple[tuple[str, int], ...]) -> list[Problem]:
    known = {line.id: line for line in order.lines}
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, (native, quantity) in enumerate(lines):
        line = known.get(native)
        field = ("lines", str(index))
        if line is None:
            problems.append(Problem("NOT_FOUND", f"No line {native} on this order.", field))
        elif native in seen:
            problems.append(Problem("BAD_USER_INPUT", "A line is listed twice.", field))
        elif quantity < 1:
            problems.append(Problem("BAD_USER_INPUT", "quantity must be at least 1.", field))
        elif quantity > line.quantity - line.refunded_quantity:
            problems.append(
                Problem(
                    "AMOUNT_EXCEEDS_REFUNDABLE",
                    f"Only {line.quantity - line.refunded_quantity} of line {native} "
                    "can still be refunded.",
                    field,
                )
            )
        seen.add(native)
    return problems


def erp_refundable(order: OmsOrder, documents: list[ErpBillingDocument]) -> Money | None:
    """Invoiced minus credited in the ERP, when the ERP has invoiced the order.

    The OMS is the authority on money paid and returned; the ERP only caps it (it may
    have credited more than the OMS refunded, e.g. a credit memo booked by hand).
    """
    invoiced = [d for d in documents if d.kind == "INVOICE" and not d.cancelled]
    if not invoiced or any(d.gross_amount.currency != order.currency for d in documents):
        return None
    total = sum((d.gross_amount.amount for d in invoiced), Decimal("0"))
    credited = sum(
        (d.gross_amount.amount for d in documents if d.kind == "CREDIT_MEMO" and not d.cancelled),
        Decimal("0"),
    )
    return Money(max(Decimal("0.00"), total - credited), order.currency)


def _estimate(lines: tuple[tuple[str, int], ...], known: dict[str, OmsLine], cur: str) -> Money:
    total = sum((known[n].unit_price.amount * q for n, q in lines if n in known), Decimal("0"))
    return Money(total, cur)


def order_refusals(order: OmsOrder, window_days: int | None) -> list[Problem]:
    """What refuses any refund of this order from the OMS's data alone: not paid, cancelled,
    or past the return window (counted from the last shipment, or the order)."""
    problems: list[Problem] = []
    if order.cancelled_at is not None or order.financial_status not in PAID:
        problems.append(Problem("NOT_ELIGIBLE", "The order is not paid, or already cancelled."))
    if window_days is not None:
        shipped = [f.created_at for f in order.fulfillments if not f.cancelled]
        started = max(shipped) if shipped else order.placed_at
        if datetime.datetime.now(datetime.UTC) - started > datetime.timedelta(days=window_days):
            problems.append(
                Problem("NOT_ELIGIBLE", f"The {window_days}-day return window has closed.")
            )
    return problems


@dataclass
class _Systems:
    cap: Money | None = None
    contact_id: str | None = None
    missing_in_erp: bool = False


async def _systems(rt: Runtime, order: OmsOrder) -> tuple[_Systems, list[Problem]]:
    """The ERP's cap and what the other systems say about the order (fail closed)."""
    problems: list[Problem] = []
    found = _Systems()
    try:
        sales = await rt.sources.erp.sales_orders([order.number], rt.call)
        if order.number not in sales:
            found.missing_in_erp = True
            problems.append(
                Problem(
                    "ERP_ORDER_MISSING",
                    "The ERP has no sales order for this order yet, so a refund could not "
                    "be booked; try again once the order is in the ERP.",
                )
            )
        else:
            billing = await rt.sources.erp.billing_documents([order.number], rt.call)
            found.cap = erp_refundable(order, billing.get(order.number, []))
    except SourceError as error:
        problems.append(unavailable(error, "the ERP's records of the order"))
    if order.customer is not None:
        try:
            contacts = await rt.sources.crm.contacts_by_oms_customer([order.customer.id], rt.call)
            contact = contacts.get(order.customer.id)
            if contact is None:
                problems.append(
                    Problem("CRM_CONTACT_MISSING", "The CRM does not know this order's customer.")
                )
            else:
                found.contact_id = contact.id
        except SourceError as error:
            problems.append(unavailable(error, "the customer's CRM record"))
    return found, problems


async def assess(rt: Runtime, ask: RefundAsk, reserved: Decimal = Decimal("0")) -> Assessment:
    """Every rule, from live data; problems are collected, not raised.

    ``reserved`` is what open refund requests of the order already hold (they count
    both against what is refundable and toward the approval threshold).
    """
    if (ask.amount is None) == (not ask.lines):
        raise Refused(Problem("BAD_USER_INPUT", "Give either lines or amount.", ("lines",)))
    native = _native_lines(ask)
    order = await live_order(rt, ask.order_number)
    currency = order.currency
    problems: list[Problem] = []
    problems += order_refusals(order, rt.settings.return_window_days)
    systems, system_problems = await _systems(rt, order)
    problems += system_problems
    refundable = order.refundable
    cap = systems.cap
    if systems.missing_in_erp:  # nothing can be booked, so nothing can be refunded
        cap = Money.zero(currency)
    if cap is not None and cap.amount < refundable.amount:
        refundable = cap
    refundable = Money(max(Decimal("0.00"), refundable.amount - reserved), currency)
    if ask.amount is not None:
        amount = ask.amount
        if amount.currency != currency:
            problems.append(
                Problem("CURRENCY_MISMATCH", f"The order is in {currency}.", ("amount", "currency"))
            )
    else:
        line_problems = _line_problems(order, native)
        problems += line_problems
        amount = _estimate(native, {line.id: line for line in order.lines}, currency)
        if not line_problems and refundable.amount > 0:
            try:
                quote = await rt.sources.oms.calculate_refund(order.id, currency, native, rt.call)
                amount = quote.amount
            except SourceError as error:
                if error.transient or error.code != "SOURCE_BAD_RESPONSE":
                    problems.append(unavailable(error, "the refund of these lines"))
                else:  # the OMS refused to quote them: it would refuse the refund too
                    problems.append(
                        Problem(
                            "NOT_ELIGIBLE",
                            "The order system will not refund these lines.",
                            ("lines",),
                        )
                    )
    if (
        amount.currency == currency
        and amount.amount > refundable.amount
        and not systems.missing_in_erp  # ERP_ORDER_MISSING says it already
    ):
        problems.append(
            Problem(
                "AMOUNT_EXCEEDS_REFUNDABLE",
                f"At most {refundable.amount} {refundable.currency} can still be refunded.",
                ("amount",) if ask.amount is not None else ("lines",),
            )
        )
    limit = rt.settings.approval_threshold
    if rt.principal.refund_limit is not None:
        limit = min(limit, rt.principal.refund_limit)
    # By the sum: what the order was refunded, what open requests hold, and this one, so
    # splitting a refund does not get around the threshold.
    total = order.refunded.amount + reserved + amount.amount
    return Assessment(
        order, amount, refundable, total > limit, tuple(problems), native, systems.contact_id
    )
