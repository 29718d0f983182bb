"""Shopify refunds (vendor-wire-formats §2.4): calculate a suggestion, then create one.

Line amounts follow the world's own rule (`world.aftercare`): a share of the
line's discount and tax, except that refunding the last units of a line gives
back exactly what is left of it, so refunding everything returns the order
total to the cent. The money actually returned is what the client's
transactions say; when it differs from the lines, Shopify records a
`refund_discrepancy` order adjustment. Shipping was free on every order, so
there is never any shipping to refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.oms.input import array, count, identifier, invalid, money
from sandbox.oms.render import amount, restock_location
from sandbox.world import Order, OrderLine, Refund, RefundLine, WorldWriter
from sandbox.world.orders import money as round_money

RESTOCK_TYPES = ("no_restock", "cancel", "return", "legacy_restock")
EXCEEDS = "Refund amount exceeds the refundable amount"
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LinePrice:
    line: OrderLine
    quantity: int
    restock_type: str
    subtotal: Decimal
    tax: Decimal
    discount: Decimal


def refundable_quantity(order: Order, line: OrderLine) -> int:
    # A cancelled order's lines are gone (current_quantity 0), refunded or voided already.
    return 0 if order.cancelled_at is not None else line.quantity - line.refunded


def refundable_amount(order: Order) -> Decimal:
    """What is still refundable: what was paid minus what was refunded."""
    return max(_ZERO, order.paid_amount - order.refunded_amount)


def _price(order: Order, line: OrderLine, quantity: int, restock_type: str) -> LinePrice:
    if quantity == refundable_quantity(order, line):
        earlier = [rl for r in order.refunds for rl in r.lines if rl.line is line]
        discount = line.discount - sum((rl.discount for rl in earlier), _ZERO)
        tax = line.tax - sum((rl.tax for rl in earlier), _ZERO)
    else:
        share = Decimal(quantity) / Decimal(line.quantity)
        discount, tax = round_money(line.discount * share), round_money(line.tax * share)
    return LinePrice(line, quantity, restock_type, line.price * quantity - discount, tax, discount)


def requested_lines(order: Order, raw: Any) -> list[LinePrice]:
    """`refund_line_items`, validated against what each line still has to refund."""
    field = "refund_line_items"
    by_id = {line.shopify_id: line for line in order.lines}
    out: list[LinePrice] = []
    seen: set[int] = set()
    for item in array(raw, field):
        line_id = identifier(item.get("line_item_id"))
        line = by_id.get(line_id) if line_id is not None else None
        if line is None:
            raise invalid(field, f"line_item_id {item.get('line_item_id')} is not on this order")
        if line.shopify_id in seen:
            raise invalid(field, f"line_item_id {line.shopify_id} appears more than once")
        seen.add(line.shopify_id)
        quantity = count(item.get("quantity"), field)
        restock_type = item.get("restock_type") or "no_restock"
        if restock_type not in RESTOCK_TYPES:
            raise invalid(field, f"restock_type {restock_type!r} is not valid")
        left = refundable_quantity(order, line)
        if quantity > left:
            message = (
                f"quantity {quantity} for line_item_id {line.shopify_id} exceeds the "
                f"refundable quantity of {left}"
            )
            raise invalid(field, message)
        out.append(_price(order, line, quantity, restock_type))
    return out


def check_request(order: Order, data: dict[str, Any]) -> None:
    """Currency and shipping: the parts of a refund that are the same in both calls."""
    currency = data.get("currency")
    if currency is not None and currency != order.currency:
        raise invalid("currency", f"must be the order's currency, {order.currency}")
    shipping = data.get("shipping")
    if shipping is None:
        return
    if not isinstance(shipping, dict):
        raise invalid("shipping", "must be an object")
    if shipping.get("amount") is not None and money(shipping["amount"], "shipping") > 0:
        raise invalid("shipping", "amount exceeds the maximum refundable shipping of 0.00")


def calculation_json(order: Order, lines: list[LinePrice]) -> dict[str, Any]:
    currency = order.currency
    wanted = sum((lp.subtotal + lp.tax for lp in lines), _ZERO)
    cap = refundable_amount(order)
    transactions = []
    if order.paid_amount > 0:
        transactions.append(
            {
                "order_id": order.shopify_id,
                "kind": "suggested_refund",
                "gateway": order.gateway,
                "parent_id": order.payment_transaction_id,
                "amount": amount(min(wanted, cap)),
                "currency": currency,
                "maximum_refundable": amount(cap),
            }
        )
    return {
        "currency": currency,
        "shipping": {"amount": "0.00", "tax": "0.00", "maximum_refundable": "0.00"},
        "refund_line_items": [
            {
                "line_item_id": lp.line.shopify_id,
                "quantity": lp.quantity,
                "restock_type": lp.restock_type,
                "location_id": restock_location(order, lp.restock_type),
                # In this answer every amount is a string (in orders, subtotal is a number).
                "price": amount(lp.line.price),
                "subtotal": amount(lp.subtotal),
                "total_tax": amount(lp.tax),
                "discounted_price": amount(lp.line.price),
                "discounted_total_price": amount(lp.line.price * lp.quantity),
                "total_cart_discount_amount": amount(lp.discount),
            }
            for lp in lines
        ],
        "transactions": transactions,
        "duties": [],
        "additional_fees": [],
        "return": None,
    }


def _transactions_total(order: Order, raw: Any) -> Decimal:
    field = "transactions"
    total = _ZERO
    for item in array(raw, field):
        if (item.get("kind") or "refund") != "refund":
            raise invalid(field, f"kind {item.get('kind')!r} is not valid; use refund")
        parent = identifier(item.get("parent_id"))
        if order.paid_amount > 0 and parent != order.payment_transaction_id:
            message = f"parent_id {item.get('parent_id')} is not a payment of this order"
            raise invalid(field, message)
        total += money(item.get("amount"), field)
    return total


def build_refund(writer: WorldWriter, order: Order, data: dict[str, Any]) -> Refund:
    """Validate a create request and record the refund; returns it."""
    check_request(order, data)
    lines = requested_lines(order, data.get("refund_line_items"))
    total = _transactions_total(order, data.get("transactions"))
    if not lines and total == 0:
        raise invalid("base", "A refund needs refund_line_items or transactions")
    if total > refundable_amount(order):
        raise invalid("base", EXCEEDS)
    refund_lines = [
        RefundLine(
            writer.refund_line_ids.next(),
            lp.line,
            lp.quantity,
            lp.restock_type,
            lp.subtotal,
            lp.tax,
            lp.discount,
        )
        for lp in lines
    ]
    worth = sum((lp.subtotal + lp.tax for lp in lines), _ZERO)
    returned = any(lp.restock_type == "return" for lp in lines)
    everything = total == refundable_amount(order)
    refund = Refund(
        shopify_id=writer.refund_ids.next(),
        order=order,
        created_at=writer.now(),
        note=str(data.get("note") or ""),
        restock=any(lp.restock_type in ("return", "cancel") for lp in lines),
        lines=refund_lines,
        transaction_id=writer.transaction_ids.next(),
        kind="return" if returned else "full" if everything else "goodwill",
        transaction_amount=total,
        adjustment_id=writer.adjustment_ids.next() if worth != total else None,
    )
    writer.add_refund(refund)
    return refund
