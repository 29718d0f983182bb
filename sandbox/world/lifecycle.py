"""Settle each order's derived facts: its ground-truth state, closing and last update."""

from __future__ import annotations

import datetime
import random

from sandbox.world.model import Order

_H = datetime.timedelta(hours=1)


def order_state(order: Order) -> str:
    """The ground-truth state (see `Order`), from cancellation, refunds and shipments."""
    if order.cancelled_at is not None:
        return "cancelled"
    if order.refunds:
        if any(rl.restock_type == "return" for r in order.refunds for rl in r.lines):
            return "returned"
        return "refunded" if order.financial_status == "refunded" else "partially_refunded"
    if not order.shipments:
        return "open"
    if any(line.fulfilled < line.quantity for line in order.lines):
        return "partially_fulfilled"
    if all(s.status == "DELIVERED" for s in order.shipments):
        return "delivered"
    return "in_transit"


def settle(rng: random.Random, order: Order, now: datetime.datetime) -> None:
    """Set `state`, `closed_at` (Shopify archives delivered, refunded and cancelled orders)."""
    order.state = order_state(order)
    closed: datetime.datetime | None = None
    if order.cancelled_at is not None:
        closed = order.cancelled_at
    elif order.financial_status == "refunded":
        closed = max(r.created_at for r in order.refunds)
    elif (
        order.shipments
        and all(line.fulfilled == line.quantity for line in order.lines)
        and all(s.oms_status == "delivered" for s in order.shipments)
    ):
        # Archived a little after Shopify learned of the last delivery.
        delivered = max(s.oms_updated_at or s.shipped_at for s in order.shipments)
        candidate = (delivered + _H * rng.uniform(1, 48)).replace(microsecond=0)
        closed = candidate if candidate < now else None
    order.closed_at = closed
    stamps = [order.created_at]
    stamps.extend(s.oms_updated_at or s.shipped_at for s in order.shipments)
    stamps.extend(r.created_at for r in order.refunds)
    if order.cancelled_at is not None:
        stamps.append(order.cancelled_at)
    if closed is not None:
        stamps.append(closed)
    order.updated_at = max(stamps)
