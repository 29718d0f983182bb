"""Awaiting a loader without letting one source's failure escape: value or error."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sources import NotFound, SourceError

__all__ = ["Outcome", "settle"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What a loader gave: a value, ``missing`` for a clean not-found, or a source error."""

    value: T | None = None
    error: SourceError | None = None
    missing: bool = False

    @property
    def ok(self) -> bool:
        """The source answered (with data or with a clean "no such record")."""
        return self.error is None


async def settle(awaitable: Awaitable[T]) -> Outcome[T]:
    """Await ``awaitable``; a ``SourceError`` becomes part of the outcome."""
    try:
        return Outcome(value=await awaitable)
    except NotFound:
        return Outcome(missing=True)
    except SourceError as error:
        return Outcome(error=error)
