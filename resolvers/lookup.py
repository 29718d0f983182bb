"""Finding one order by id or number, with tenancy applied the same way everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sources import NotFound, OmsOrder

from .context import Info
from .errors import BadUserInput, OrderNotFound
from .identifiers import InvalidIdentifier, order_number

if TYPE_CHECKING:
    from .types.order import Order

__all__ = ["find_order", "visible"]


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
        try:
            canonical = order_number(number)
        except InvalidIdentifier as bad:
            raise BadUserInput(str(bad)) from bad
        record = await context.sources.oms.order_by_number(canonical, context.call)
        if record is not None:
            context.loaders.order_by_id.prime(record.id, record)
    if record is None or not visible(info, record):
        raise OrderNotFound()
    return Order.of(record)
