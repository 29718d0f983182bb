"""Cursors and filters for listing orders, newest first.

A cursor is the (created_at, id) of the last edge a client saw, base64url-encoded.
Shopify's own ``page_info`` cursors cannot carry our filters or start after an
arbitrary edge, so the next page asks for ``created_at_max=<cursor time>`` and drops
what sorts at or before the cursor: correct even when several orders share a second.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from .models import OmsOrder, OrderStatus

__all__ = ["InvalidCursor", "OrderCursor", "OrderListQuery", "OrderPage"]


class InvalidCursor(ValueError):
    """A client-supplied cursor that we did not issue."""


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Position after one order in the newest-first listing."""

    placed_at: datetime
    order_id: int

    def encode(self) -> str:
        """The opaque string handed to clients."""
        raw = json.dumps({"t": self.placed_at.isoformat(), "id": self.order_id}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> OrderCursor:
        """Parse a client's cursor; anything malformed is ``InvalidCursor``."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            data = json.loads(raw)
            placed_at = datetime.fromisoformat(data["t"])
            order_id = int(data["id"])
            if placed_at.tzinfo is None:
                raise InvalidCursor("not a cursor issued by this API")
            placed_at = placed_at.astimezone(UTC)
        except (binascii.Error, ValueError, KeyError, TypeError, OverflowError) as exc:
            raise InvalidCursor("not a cursor issued by this API") from exc
        return cls(placed_at, order_id)

    @classmethod
    def after(cls, order: OmsOrder) -> OrderCursor:
        """The cursor that points just past ``order``."""
        return cls(order.placed_at, int(order.id))

    def precedes(self, order: OmsOrder) -> bool:
        """True when ``order`` comes after this cursor (newest first, then id desc)."""
        return (order.placed_at, int(order.id)) < (self.placed_at, self.order_id)


@dataclass(frozen=True, slots=True)
class OrderListQuery:
    """What a page of orders is asked for."""

    first: int
    after: OrderCursor | None = None
    status: OrderStatus | None = None
    placed_after: datetime | None = None
    placed_before: datetime | None = None
    channel: str | None = None
    customer_email: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of orders and whether more follow."""

    orders: tuple[OmsOrder, ...]
    has_next_page: bool
