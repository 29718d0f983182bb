"""Shopify's leaky-bucket rate limit: one bucket per access token (vendor-wire-formats §2.5)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class LeakyBucket:
    """`size` calls of burst, refilled at `leak_per_s`; a call that would overflow is refused."""

    def __init__(
        self, size: int, leak_per_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.leak_per_s = leak_per_s
        self._clock = clock
        self._levels: dict[str, tuple[float, float]] = {}  # token -> (level, at)

    def _level(self, token: str) -> float:
        level, at = self._levels.get(token, (0.0, self._clock()))
        now = self._clock()
        return max(0.0, level - (now - at) * self.leak_per_s)

    def take(self, token: str) -> float | None:
        """Count one call: None if accepted, else the seconds until one would fit."""
        level = self._level(token)
        if level + 1 > self.size:
            self._levels[token] = (level, self._clock())
            return (level + 1 - self.size) / self.leak_per_s
        self._levels[token] = (level + 1, self._clock())
        return None

    def header(self, token: str) -> str:
        """`X-Shopify-Shop-Api-Call-Limit` value, "used/size"."""
        return f"{min(self.size, math.ceil(self._level(token)))}/{self.size}"
