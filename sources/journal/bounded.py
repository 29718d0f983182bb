"""Every journal operation answers within a bound, or raises ``JournalUnavailable``.

The driver's own timeouts (connect, statement, pool wait, SQLite's busy timeout) each
bound one step; an operation is several steps, and the clean-up after a timed-out
statement (a rollback on a connection that no longer answers) would wait for the
statement timeout again. So each operation runs as a task of its own: the caller waits
at most the bound and gets ``JournalUnavailable``; the abandoned task is cancelled and
finishes its clean-up in the background (the driver timeouts bound that too), and
``Bound.close`` collects what is left at shutdown.

``bound_operations`` applies this to every public coroutine method and async context
manager a journal class inherits from its halves (claims, workflows, audit), so a method
added there later is bounded without anyone remembering to. A context manager (the order
lock) is bounded on entry and on exit, not around its body: the body belongs to the
caller, who may read upstreams under the lock on its own deadline.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from .errors import JournalUnavailable, is_unavailability

__all__ = ["Bound", "Bounded", "bound_operations", "is_bounded"]

T = TypeVar("T")
C = TypeVar("C", bound=type)

_MARK = "__journal_bounded__"


async def _translated(operation: Awaitable[T]) -> T:
    try:
        return await operation
    except JournalUnavailable:
        raise
    except Exception as error:
        if is_unavailability(error):
            detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise JournalUnavailable(detail) from error
        raise


def _collect(task: asyncio.Task[Any]) -> None:
    # An abandoned task's outcome is known to be a failure already reported to its caller;
    # fetching it keeps asyncio from logging "exception was never retrieved".
    if not task.cancelled():
        task.exception()


class Bound:
    """Runs operations under one time bound and keeps the ones it gave up on."""

    def __init__(self, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise ValueError("the journal's time bound must be positive")
        self.timeout_s = timeout_s
        self._abandoned: set[asyncio.Task[Any]] = set()

    async def run(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``operation()``'s result, or ``JournalUnavailable`` once the bound has passed."""
        task = asyncio.ensure_future(_translated(operation()))
        try:
            done, _ = await asyncio.wait((task,), timeout=self.timeout_s)
        except asyncio.CancelledError:
            self._abandon(task)  # the caller gave up (its own deadline): so do we
            raise
        if task not in done:
            self._abandon(task)
            raise JournalUnavailable(f"no answer within {self.timeout_s * 1000:.0f} ms")
        return task.result()

    def _abandon(self, task: asyncio.Task[Any]) -> None:
        task.cancel()
        self._abandoned.add(task)
        task.add_done_callback(self._abandoned.discard)
        task.add_done_callback(_collect)

    async def close(self, wait_s: float | None = None) -> None:
        """Wait (at most ``wait_s``, else the bound) for abandoned operations' clean-up."""
        if self._abandoned:
            await asyncio.wait(set(self._abandoned), timeout=wait_s or self.timeout_s)


class Bounded(Protocol):
    """What a journal class offers the wrappers: one way to run a bounded operation."""

    async def _bounded(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T: ...


def _coroutine(method: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def bounded(self: Bounded, *args: Any, **kwargs: Any) -> Any:
        return await self._bounded(lambda: method(self, *args, **kwargs))

    setattr(bounded, _MARK, True)
    return bounded


def _context(
    method: Callable[..., AbstractAsyncContextManager[Any]],
) -> Callable[..., AbstractAsyncContextManager[Any]]:
    @asynccontextmanager
    async def bounded(self: Bounded, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        manager = method(self, *args, **kwargs)
        value = await self._bounded(manager.__aenter__)
        try:
            yield value
        except BaseException as error:
            exit_with_error = functools.partial(
                manager.__aexit__, type(error), error, error.__traceback__
            )
            if not await self._bounded(exit_with_error):
                raise
        else:
            await self._bounded(functools.partial(manager.__aexit__, None, None, None))

    wrapped = functools.wraps(method)(bounded)
    setattr(wrapped, _MARK, True)
    return wrapped


def bound_operations(cls: C) -> C:
    """Bound every public operation ``cls`` inherits (see the module docstring).

    Methods ``cls`` defines itself are left alone: they manage their own bounds.
    """
    for name in dir(cls):
        if name.startswith("_") or name in vars(cls):
            continue
        attribute = inspect.getattr_static(cls, name)
        if not inspect.isfunction(attribute):
            continue
        if inspect.iscoroutinefunction(attribute):
            setattr(cls, name, _coroutine(attribute))
        elif inspect.isasyncgenfunction(getattr(attribute, "__wrapped__", None)):
            setattr(cls, name, _context(attribute))
    return cls


def is_bounded(function: object) -> bool:
    """Whether ``function`` runs under the journal's bound (for tests)."""
    return bool(getattr(function, _MARK, False))
