"""Opaque bearer tokens with a lifetime, as the simulated OAuth servers hand them out."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class TokenJar:
    """Live tokens and their expiry; the oldest are dropped past `capacity`, so a
    benchmark that fetches a token per request cannot grow the sandbox without bound."""

    def __init__(
        self, lifetime_s: float, capacity: int = 10_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.lifetime_s = lifetime_s
        self._capacity = capacity
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def add(self, token: str) -> None:
        self._expiry[token] = self._clock() + self.lifetime_s
        while len(self._expiry) > self._capacity:
            self._expiry.popitem(last=False)

    def valid(self, token: str | None) -> bool:
        expiry = self._expiry.get(token or "")
        if expiry is None:
            return False
        if expiry <= self._clock():
            del self._expiry[token or ""]
            return False
        return True
