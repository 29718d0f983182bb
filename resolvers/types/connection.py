"""Cursor pagination of orders (Relay connection shape), newest first."""

from __future__ import annotations

from datetime import datetime

import strawberry

from sources import InvalidCursor, OrderCursor, OrderListQuery

from ..context import Info
from ..errors import BadUserInput
from ..prefetch import order_selection, prefetch
from .enums import OrderStatus
from .order import Order

__all__ = [
    "MAX_PAGE_SIZE",
    "OrderConnection",
    "OrderEdge",
    "OrderFilter",
    "PageInfo",
    "list_orders",
]

MAX_PAGE_SIZE = 250


@strawberry.input(description="Narrow a list of orders. All given conditions must hold.")
class OrderFilter:
    """Filters for ``orders``."""

    customer_email: str | None = strawberry.field(
        default=None, description="The customer's e-mail address."
    )
    status: OrderStatus | None = strawberry.field(default=None, description="Exact order status.")
    placed_after: datetime | None = strawberry.field(
        default=None, description="Placed at or after this time."
    )
    placed_before: datetime | None = strawberry.field(
        default=None, description="Placed before this time."
    )
    channel: str | None = strawberry.field(
        default=None, description="Sales channel, e.g. web or partner:acme."
    )


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    """Relay page info."""

    has_next_page: bool = strawberry.field(description="More items follow this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")


@strawberry.type(description="An order in a page, with its cursor.")
class OrderEdge:
    """Relay edge."""

    cursor: str = strawberry.field(description="Opaque position of this order.")
    node: Order = strawberry.field(description="The order.")


@strawberry.type(description="A page of orders, newest first.")
class OrderConnection:
    """Relay connection."""

    edges: list[OrderEdge] = strawberry.field(description="The orders of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadUserInput(f"{name} needs a UTC offset, e.g. 2026-06-01T00:00:00Z.")
    return value


async def list_orders(
    info: Info,
    *,
    first: int,
    after: str | None,
    filter: OrderFilter | None = None,
    customer_id: str | None = None,
) -> OrderConnection:
    """One page of orders the caller may see, priming the order loader with them."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE_SIZE}.")
    try:
        cursor = OrderCursor.decode(after) if after else None
    except InvalidCursor as exc:
        raise BadUserInput("after is not a cursor issued by this API.") from exc
    context = info.context
    channel = filter.channel if filter else None
    forced = context.policy.channel_filter(context.principal)
    if forced is not None:
        if channel not in (None, forced):
            return OrderConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        channel = forced
    query = OrderListQuery(
        first=first,
        after=cursor,
        status=filter.status if filter else None,
        placed_after=_aware(filter.placed_after, "placedAfter") if filter else None,
        placed_before=_aware(filter.placed_before, "placedBefore") if filter else None,
        channel=channel,
        customer_email=filter.customer_email if filter else None,
        customer_id=customer_id,
    )
    page = await context.sources.oms.list_orders(query, context.call)
    await prefetch(info, page.orders, order_selection(info, "edges", "node"))
    edges = []
    for record in page.orders:
        context.loaders.order_by_id.prime(record.id, record)
        edges.append(OrderEdge(cursor=OrderCursor.after(record).encode(), node=Order.of(record)))
    end = edges[-1].cursor if edges else None
    return OrderConnection(
        edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end)
    )
