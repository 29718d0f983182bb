"""Retries: capped full-jitter backoff, ``Retry-After`` honoured, and a budget.

Only safe calls are retried (reads, and writes the upstream deduplicates by our
idempotency key). The budget follows Envoy's retry budget: retries may be at most
``ratio`` of recent requests, with a floor of ``min_per_window`` so a quiet system can
still retry, so an outage cannot multiply the load on an upstream. Every retry spends
from it, including one the server scheduled with ``Retry-After``: those get a larger
attempt cap per call, but a storm of ``429 Retry-After: 0`` answers would otherwise
nearly double the load it is complaining about.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryBudget", "RetryPolicy", "backoff_s"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry one call."""

    attempts: int = 3
    throttled_attempts: int = 5
    base_s: float = 0.025
    cap_s: float = 0.25
    max_retry_after_s: float = 2.0


def backoff_s(attempt: int, policy: RetryPolicy, rng: Callable[[], float] = random.random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt))."""
    ceiling: float = min(policy.cap_s, policy.base_s * (2**attempt))
    return rng() * ceiling


class RetryBudget:
    """At most ``ratio`` retries per request over the last ``window_s`` seconds."""

    def __init__(
        self,
        ratio: float = 0.2,
        min_per_window: int = 3,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ratio = ratio
        self._floor = min_per_window
        self._window_s = window_s
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def _trim(self, now: float) -> None:
        for queue in (self._requests, self._retries):
            while queue and now - queue[0] > self._window_s:
                queue.popleft()

    def record_request(self) -> None:
        """A first attempt went out."""
        now = self._clock()
        self._trim(now)
        self._requests.append(now)

    def try_spend(self) -> bool:
        """Take one retry from the budget, if any is left."""
        now = self._clock()
        self._trim(now)
        allowed = max(self._floor, int(len(self._requests) * self._ratio))
        if len(self._retries) >= allowed:
            return False
        self._retries.append(now)
        return True
