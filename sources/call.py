"""Per-request call context: the correlation id and the deadline every upstream call obeys."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

__all__ = ["CallContext"]


@dataclass(frozen=True, slots=True)
class CallContext:
    """What an upstream call needs from the request that caused it.

    ``deadline`` is an absolute time on the event loop's clock (``loop.time()``);
    ``None`` means no request deadline (only the per-source timeout applies).
    """

    request_id: str
    deadline: float | None = None

    @classmethod
    def with_budget(cls, request_id: str, budget_s: float) -> CallContext:
        """A context whose deadline is ``budget_s`` seconds from now."""
        return cls(request_id, asyncio.get_running_loop().time() + budget_s)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (may be negative), or ``None``."""
        if self.deadline is None:
            return None
        return self.deadline - asyncio.get_running_loop().time()
