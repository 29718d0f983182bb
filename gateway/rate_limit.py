"""Per-client query budgets: Shopify's leaky bucket, measured in query cost.

Each client has a bucket of ``capacity`` points that refills continuously at
``restore_per_s``. An operation spends its estimated cost before it executes; when the
bucket holds less than that, the operation is refused with the time after which it
would fit. ``currentlyAvailable`` is reported on every response, as Shopify does.

Written here rather than taken from a library: ``limits`` and ``aiolimiter`` count
requests (fixed or moving windows, or a rate with no spend-by-cost and no level to
report), and the whole algorithm is a few lines. ``BudgetStore`` is the seam for the
shared (Redis) store that a multi-process deployment needs later.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cachetools import TTLCache

from .edge_settings import RateLimitSettings

__all__ = ["BudgetStore", "MemoryBudgets", "Throttle"]


@dataclass(frozen=True, slots=True)
class Throttle:
    """A bucket's state after a spend (or a look)."""

    allowed: bool
    available: float
    capacity: int
    restore_per_s: float
    retry_after_s: float = 0.0

    def as_extension(self, requested: int) -> dict[str, object]:
        """The ``extensions.cost`` object of a response (Shopify's field names)."""
        return {
            "requestedQueryCost": requested,
            "throttleStatus": {
                "maximumAvailable": self.capacity,
                "currentlyAvailable": math.floor(self.available),
                "restoreRate": self.restore_per_s,
            },
        }


class BudgetStore(Protocol):
    """Where buckets live: in process now, a shared store later."""

    async def spend(self, key: str, cost: int) -> Throttle:
        """Take ``cost`` from ``key``'s bucket if it holds that much; never partially."""
        ...

    async def peek(self, key: str) -> Throttle:
        """The bucket's current state, spending nothing."""
        ...


class MemoryBudgets:
    """Buckets in a dict, one event loop, no lock (nothing awaits mid-update)."""

    def __init__(
        self, settings: RateLimitSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._capacity = settings.capacity
        self._rate = settings.restore_per_s
        self._clock = clock
        # An untouched bucket is full again after capacity / rate seconds, so forgetting
        # it then changes nothing: the TTL bounds memory without changing any answer.
        # Evicting early under ``maxsize`` pressure can only be generous, never strict.
        self._levels: TTLCache[str, tuple[float, float]] = TTLCache(
            maxsize=100_000, ttl=self._capacity / self._rate, timer=clock
        )

    def _available(self, key: str, now: float) -> float:
        level = self._levels.get(key)
        if level is None:
            return float(self._capacity)
        available, at = level
        return min(float(self._capacity), available + (now - at) * self._rate)

    def _throttle(self, allowed: bool, available: float, retry_after_s: float = 0.0) -> Throttle:
        return Throttle(allowed, available, self._capacity, self._rate, retry_after_s)

    async def spend(self, key: str, cost: int) -> Throttle:
        """Spend ``cost`` or report how long until it fits."""
        now = self._clock()
        available = self._available(key, now)
        if cost > available:
            return self._throttle(False, available, (cost - available) / self._rate)
        self._levels[key] = (available - cost, now)
        return self._throttle(True, available - cost)

    async def peek(self, key: str) -> Throttle:
        """The level now, spending nothing."""
        return self._throttle(True, self._available(key, self._clock()))
