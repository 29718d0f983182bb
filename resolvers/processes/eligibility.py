"""Refund eligibility from live OMS and ERP data (never the cache).

Shared by ``refundPreview`` (which only reports) and ``requestRefund`` (which then
reserves the amount under the order's lock).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from sources import FinancialStatus, Money, OmsOrder, SourceError

from .base import Problem, Refused, Runtime

__all__ = ["Assessment", "RefundAsk", "assess", "live_order"]

PAID = {FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED}


@dataclass(frozen=True, slots=True)
class RefundAsk:
    """What is asked: an order, lines or an amount, and why."""

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

    @property
    def eligible(self) -> bool:
        """No rule refused it."""
        return not self.problems


def _number(value: str) -> str:
    value = value.strip()
    return value if value.startswith("#") else f"#{value}"


async def live_order(rt: Runtime, number: str) -> OmsOrder:
    """The order straight from the OMS, if the principal may see it; else NOT_FOUND."""
    order = await rt.sources.oms.order_by_number(_number(number), rt.call)
    if order is None or not rt.policy.may_see_channel(rt.principal, order.channel):
        raise Refused(Problem("NOT_FOUND", "No order matches.", ("orderNumber",)))
    return order


def _line_problems(order: OmsOrder, lines: tuple[tuple[str, int], ...]) -> list[Problem]:
    known = {line.id: line for line in order.lines}
    problems: list[Problem] = []
    for index, (line_id, quantity) in enumerate(lines):
        native = line_id.removeprefix("shopify:LineItem:")
        line = known.get(native)
        field = ("lines", str(index))
        if line is None:
            problems.append(Problem("NOT_FOUND", f"No line {line_id} on this order.", field))
        elif quantity < 1:
            problems.append(Problem("BAD_USER_INPUT", "quantity must be at least 1.", field))
        elif quantity > line.quantity - line.refunded_quantity:
            problems.append(
                Problem(
                    "AMOUNT_EXCEEDS_REFUNDABLE",
                    f"Only {line.quantity - line.refunded_quantity} of line {line_id} "
                    "can still be refunded.",
                    field,
                )
            )
    return problems


async def _erp_refundable(rt: Runtime, order: OmsOrder) -> Money | None:
    """Invoiced minus credited in the ERP, when the ERP has invoiced the order.

    The OMS is the authority on money paid and returned; the ERP only caps it. When the
    ERP cannot answer, the OMS figure stands, and the ERP posting step later waits
    (parked) until the ERP is back.
    """
    try:
        billing = await rt.sources.erp.billing_documents([order.number], rt.call)
    except SourceError:
        return None
    documents = billing.get(order.number, [])
    invoiced = [d for d in documents if d.kind == "INVOICE" and not d.cancelled]
    if not invoiced or any(d.gross_amount.currency != order.currency for d in documents):
        return None
    total = sum((d.gross_amount.amount for d in invoiced), Decimal("0"))
    credited = sum(
        (d.gross_amount.amount for d in documents if d.kind == "CREDIT_MEMO" and not d.cancelled),
        Decimal("0"),
    )
    return Money(max(Decimal("0"), total - credited), order.currency)


async def assess(rt: Runtime, ask: RefundAsk, reserved: Decimal = Decimal("0")) -> Assessment:
    """Every rule, from live data; problems are collected, not raised."""
    order = await live_order(rt, ask.order_number)
    problems: list[Problem] = []
    if (ask.amount is None) == (not ask.lines):
        raise Refused(Problem("BAD_USER_INPUT", "Give either lines or amount.", ("lines",)))
    if order.cancelled_at is not None or order.financial_status not in PAID:
        problems.append(Problem("NOT_ELIGIBLE", "The order is not paid, or already cancelled."))
    shipped = [f.created_at for f in order.fulfillments if not f.cancelled]
    started = max(shipped) if shipped else order.placed_at
    window = datetime.timedelta(days=rt.settings.return_window_days)
    if datetime.datetime.now(datetime.UTC) - started > window:
        problems.append(
            Problem(
                "NOT_ELIGIBLE",
                f"The {rt.settings.return_window_days}-day return window has closed.",
            )
        )
    refundable = order.refundable
    erp = await _erp_refundable(rt, order)
    if erp is not None and erp.amount < refundable.amount:
        refundable = erp
    refundable = Money(max(Decimal("0"), refundable.amount - reserved), order.currency)
    if ask.amount is not None:
        amount = ask.amount
        if amount.currency != order.currency:
            problems.append(
                Problem(
                    "CURRENCY_MISMATCH",
                    f"The order is in {order.currency}.",
                    ("amount", "currency"),
                )
            )
        if amount.amount <= 0:
            problems.append(Problem("BAD_USER_INPUT", "amount must be positive.", ("amount",)))
    else:
        problems += _line_problems(order, ask.lines)
        native = [(lid.removeprefix("shopify:LineItem:"), qty) for lid, qty in ask.lines]
        quote = await rt.sources.writes.oms.calculate_refund(
            order.id, order.currency, native, rt.call
        )
        amount = quote.amount
    if amount.currency == order.currency and amount.amount > refundable.amount:
        problems.append(
            Problem(
                "AMOUNT_EXCEEDS_REFUNDABLE",
                f"At most {refundable.amount} {refundable.currency} can still be refunded.",
                ("amount",),
            )
        )
    limit = rt.settings.approval_threshold
    if rt.principal.refund_limit is not None:
        limit = min(limit, rt.principal.refund_limit)
    return Assessment(order, amount, refundable, amount.amount > limit, tuple(problems))
