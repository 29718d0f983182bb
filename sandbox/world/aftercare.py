"""What happens after checkout: cancellations, returns, goodwill and full refunds.

Refund amounts are derived from the lines so that refunding every unit of every
line gives back exactly the order total; the OMS, ERP credit memos and the
gateway's refundable-amount checks can then agree to the cent.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from sandbox.world.ids import ShopifyIds
from sandbox.world.model import Order, OrderLine, Refund, RefundLine
from sandbox.world.orders import money

_H = datetime.timedelta(hours=1)
_D = datetime.timedelta(days=1)
_RETURN_NOTES = (
    "Customer return: wrong size",
    "Customer return: changed mind",
    "Customer return: not as described",
)
_GOODWILL_NOTES = ("Item arrived damaged: goodwill refund", "Late delivery: partial refund")


def _refund_line(line: OrderLine, quantity: int, restock_type: str, ids: ShopifyIds) -> RefundLine:
    if quantity == line.quantity:
        discount, tax = line.discount, line.tax
    else:
        share = Decimal(quantity) / Decimal(line.quantity)
        discount, tax = money(line.discount * share), money(line.tax * share)
    line.refunded += quantity
    return RefundLine(
        shopify_id=ids.refund_lines.next(),
        line=line,
        quantity=quantity,
        restock_type=restock_type,
        subtotal=line.price * quantity - discount,
        tax=tax,
        discount=discount,
    )


def _add_refund(
    order: Order,
    at: datetime.datetime,
    kind: str,
    note: str,
    lines: list[RefundLine],
    ids: ShopifyIds,
) -> None:
    order.refunds.append(
        Refund(
            shopify_id=ids.refunds.next(),
            order=order,
            created_at=at.replace(microsecond=0),
            note=note,
            restock=any(rl.restock_type in ("return", "cancel") for rl in lines),
            lines=lines,
            transaction_id=ids.transactions.next(),
            kind=kind,
        )
    )
    order.financial_status = (
        "refunded" if order.refunded_amount == order.total else "partially_refunded"
    )


def settle_cancellation(order: Order, ids: ShopifyIds) -> None:
    """A cancelled order gives all money back: refund if captured, void if only authorized."""
    if order.cancelled_at is None:
        return
    if order.financial_status == "paid":
        lines = [_refund_line(ln, ln.quantity, "cancel", ids) for ln in order.lines]
        _add_refund(order, order.cancelled_at, "cancel", "Order cancelled", lines, ids)
    else:
        order.financial_status = "voided"
        order.void_transaction_id = ids.transactions.next()


def after_delivery(
    rng: random.Random, order: Order, now: datetime.datetime, ids: ShopifyIds
) -> None:
    """Returns (~7 %), goodwill refunds (~6 %) and full refunds (~3 %) of finished orders."""
    if not order.shipments or any(ln.fulfilled < ln.quantity for ln in order.lines):
        return
    last = max(s.events[-1].at for s in order.shipments)
    statuses = {s.status for s in order.shipments}
    if statuses <= {"DELIVERED"}:
        at = last + _D * rng.uniform(2, 25)
        roll = rng.random()
        if at >= now or roll >= 0.17:
            return
        units = sum(ln.quantity for ln in order.lines)
        if roll < 0.08:
            picked = rng.sample(order.lines, rng.randint(1, len(order.lines)))
            lines = [
                _refund_line(ln, rng.randint(1, ln.quantity), "return", ids)
                for ln in sorted(picked, key=lambda ln: ln.position)
            ]
            _add_refund(order, at, "return", rng.choice(_RETURN_NOTES), lines, ids)
        elif roll < 0.14 and units > 1:
            line = rng.choice([ln for ln in order.lines if ln.quantity > 1] or order.lines[:1])
            quantity = 1 if line.quantity > 1 else line.quantity
            lines = [_refund_line(line, quantity, "no_restock", ids)]
            _add_refund(order, at, "goodwill", rng.choice(_GOODWILL_NOTES), lines, ids)
        elif roll >= 0.14:
            lines = [_refund_line(ln, ln.quantity, "no_restock", ids) for ln in order.lines]
            note = "Product defect: full refund"
            _add_refund(order, at, "full", note, lines, ids)
    elif (
        statuses & {"EXCEPTION", "RETURNED_TO_SENDER"}
        and now - last > 10 * _D
        and rng.random() < 0.6
    ):
        # Parcels stuck or bounced for 10+ days are usually refunded in full.
        bounced = "RETURNED_TO_SENDER" in statuses
        restock = "return" if bounced else "no_restock"
        lines = [_refund_line(ln, ln.quantity, restock, ids) for ln in order.lines]
        note = "Returned to sender: refunded" if bounced else "Parcel lost in transit: refunded"
        _add_refund(order, last + _D * rng.uniform(1, 5), "full", note, lines, ids)
