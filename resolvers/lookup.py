"""Finding one order by id or number, with tenancy applied the same way everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sources import NotFound, OmsOrder

from .context import Info
from .errors import OrderNotFound

if TYPE_CHECKING:
    from .types.order import Order

__all__ = ["find_order", "normalise_number", "visible"]


def normalise_number(number: str) -> str:
    """``1001`` and ``#1001`` name the same order."""
    number = number.strip()
    return number if number.startswith("#") else f"#{number}"


def visible(info: Info, record: OmsOrder) -> bool:
    """Whether the caller's tenancy lets them see this order at all."""
    context = info.context
    return context.policy.may_see_channel(context.principal, record.channel)


async def find_order(
    info: Info, *, order_id: str | None = None, number: str | None = None
) -> Order:
    """The order, or ``OrderNotFound`` when it does not exist *or* the caller may not see it."""
    from .types.order import Order

    context = info.context
    record: OmsOrder | None = None
    if order_id is not None:
        try:
            record = await context.loaders.order_by_id.load(order_id)
        except NotFound:
            record = None
    elif number is not None:
        record = await context.sources.oms.order_by_number(normalise_number(number), context.call)
        if record is not None:
            context.loaders.order_by_id.prime(record.id, record)
    if record is None or not visible(info, record):
        raise OrderNotFound()
    return Order.of(record)
