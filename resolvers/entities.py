"""Federation's ``_entities``: the objects a router asks for by key, found like root fields.

A router sends a batch of representations (``{"__typename": "Order", "id": "..."}``)
and expects one answer per representation, in the same order. Strawberry's own
resolver calls ``resolve_reference`` once per representation and awaits each in turn
(STYLE.md, "N+1 by another door"); this one starts every lookup of the batch in the
same event-loop tick, so the per-request dataloaders batch them into one upstream
call per key kind, then prefetches what the selection on the orders needs, for all of
them at once, exactly as a page of orders does (``resolvers.prefetch``).

Every lookup is the root fields' own (``resolvers.lookup``): the same scopes, the same
tenancy (another channel's order is ``NOT_FOUND``, like a missing one), and each
entity's fields keep their own permission checks (PII masking). A representation that
cannot be served becomes an error at its index and ``null`` in its slot; the others
still resolve.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any

import strawberry

from .context import Info
from .errors import BadUserInput, Forbidden
from .identifiers import InvalidIdentifier, native_order_id
from .lookup import find_case, find_customer, find_order, find_refund_request
from .prefetch import prefetch, typed_selection
from .types.case import Case
from .types.customer import Customer
from .types.order import Order
from .types.process import RefundRequest

__all__ = ["ENTITY_KEYS", "MAX_REPRESENTATIONS", "Entity", "resolve_entities"]

MAX_REPRESENTATIONS = 250
"""The largest batch served, as the largest page of orders (the cost model's bound)."""

Entity = Annotated[
    Case | Customer | Order | RefundRequest,
    strawberry.union("_Entity", description="Every type a router can ask for by key."),
]

ENTITY_KEYS: Mapping[type, tuple[str, ...]] = {
    Order: ("id", "number"),
    Customer: ("id",),
    Case: ("number",),
    RefundRequest: ("id",),
}
"""Each entity type and its ``@key`` field sets, in the order the SDL lists them."""

Lookup = Callable[[Info, Mapping[str, Any]], Awaitable[object]]


def _key(representation: Mapping[str, Any], name: str) -> str | None:
    value = representation.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise BadUserInput(f"The representation's {name} is not a string.")
    return str(value)


def _require(info: Info, scope: str) -> None:
    # The root fields check their scope with a permission extension on the field;
    # ``_entities`` serves several types, so each representation is checked here.
    context = info.context
    if not context.policy.allows(context.principal, scope):
        raise Forbidden(f"This needs the {scope} scope.")


async def _order(info: Info, representation: Mapping[str, Any]) -> Order:
    _require(info, "orders:read")
    if (given := _key(representation, "id")) is not None:
        try:
            native = native_order_id(given)
        except InvalidIdentifier as bad:
            raise BadUserInput(str(bad)) from bad
        return await find_order(info, order_id=native)
    if (number := _key(representation, "number")) is not None:
        return await find_order(info, number=number)
    raise BadUserInput("An Order representation needs its id or its number.")


async def _customer(info: Info, representation: Mapping[str, Any]) -> Customer:
    _require(info, "orders:read")
    if (given := _key(representation, "id")) is None:
        raise BadUserInput("A Customer representation needs its id.")
    return await find_customer(info, given)


async def _case(info: Info, representation: Mapping[str, Any]) -> Case:
    _require(info, "cases:read")
    if (number := _key(representation, "number")) is None:
        raise BadUserInput("A Case representation needs its number.")
    return await find_case(info, number)


async def _refund_request(info: Info, representation: Mapping[str, Any]) -> RefundRequest:
    if (given := _key(representation, "id")) is None:
        raise BadUserInput("A RefundRequest representation needs its id.")
    return await find_refund_request(info, given)


LOOKUPS: Mapping[str, Lookup] = {
    "Order": _order,
    "Customer": _customer,
    "Case": _case,
    "RefundRequest": _refund_request,
}


async def _one(info: Info, representation: object) -> object:
    if not isinstance(representation, Mapping):
        raise BadUserInput("A representation is an object with a __typename.")
    lookup = LOOKUPS.get(str(representation.get("__typename")))
    if lookup is None:
        raise BadUserInput("The representation's __typename is not an entity of Order360.")
    return await lookup(info, representation)


async def resolve_entities(info: Info, representations: Sequence[object]) -> list[object]:
    """One entity or one error per representation, in representation order.

    graphql-core turns an exception in a list slot into that slot's ``null`` and an
    error with the slot's path, so one bad representation costs only itself.
    """
    if len(representations) > MAX_REPRESENTATIONS:
        raise BadUserInput(f"At most {MAX_REPRESENTATIONS} representations per request.")
    # All lookups start in one tick: each dataloader batches its keys into one call.
    found: list[object] = await asyncio.gather(
        *(_one(info, r) for r in representations), return_exceptions=True
    )
    orders = [entity.record for entity in found if isinstance(entity, Order)]
    if orders:
        await prefetch(info, orders, typed_selection(info, "Order"))
    for answer in found:
        if isinstance(answer, BaseException) and not isinstance(answer, Exception):
            raise answer  # cancellation and exit are the request's, not one slot's
    return found
