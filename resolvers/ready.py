"""Resolve from a loader's future at once when it is done, await it only when it is not.

graphql-core runs every awaitable a resolver returns as a task of its own: a coroutine,
a task and several event-loop turns per field. Once ``prefetch`` has loaded what a page
of orders needs, each field's future is already done, and a plain function can return
the value itself. A field whose data was not prefetched (an order reached through a case,
say) still works: it gets an awaitable, as it would from an ``async def``.
"""

from __future__ import annotations

import inspect
from asyncio import Future
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

__all__ = ["Ready", "mapped", "then"]

S = TypeVar("S")
T = TypeVar("T")

Ready: TypeAlias = T | Awaitable[T]
"""A field's value, or an awaitable of it when its data is still on the way."""


def then(future: Future[S], shape: Callable[[S], T]) -> Ready[T]:
    """``shape`` of the future's result: now when it is done (raising its error), else later."""
    if future.done():
        return shape(future.result())
    return _later(future, shape)


async def _later(future: Future[S], shape: Callable[[S], T]) -> T:
    return shape(await future)


def mapped(value: Ready[S], shape: Callable[[S], T]) -> Ready[T]:
    """``shape`` of a value that may still be on the way."""
    if inspect.isawaitable(value):
        return _shaped(value, shape)
    return shape(value)


async def _shaped(value: Awaitable[S], shape: Callable[[S], T]) -> T:
    return shape(await value)
