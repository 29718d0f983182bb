"""Per-request call context: the correlation id, the deadline and the upstream-call ceiling.

One ``CallContext`` is made per client request (``gateway/context.py``) and handed to
every upstream call the request causes; ``sources.http`` enforces what it carries.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

__all__ = ["CallContext", "UpstreamCallCount"]


@dataclass(slots=True)
class UpstreamCallCount:
    """How many upstream calls one request has made, against its ``ceiling``.

    Every attempt that goes to the network counts, retries included; ``None`` means no
    ceiling. Mutable on purpose: the one piece of per-request state the call discipline
    keeps, shared by every loader of the request. Asyncio runs one task at a time, so
    ``take`` needs no lock.
    """

    ceiling: int | None = None
    made: int = 0

    def has_room(self) -> bool:
        """Whether one more call may go out."""
        return self.ceiling is None or self.made < self.ceiling

    def take(self) -> bool:
        """Count one call if there is room; ``False`` (and nothing counted) if not."""
        if not self.has_room():
            return False
        self.made += 1
        return True

    def give_back(self) -> None:
        """Uncount a call that was refused before it reached the network (open circuit)."""
        self.made = max(0, self.made - 1)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What an upstream call needs from the request that caused it.

    ``deadline`` is an absolute time on the event loop's clock (``loop.time()``);
    ``None`` means no request deadline (only the per-source timeout applies).
    ``upstream_calls`` counts the request's calls against its ceiling (none unless
    given, e.g. ``CallContext.with_budget(rid, 2.5, max_upstream_calls=200)``).
    """

    request_id: str
    deadline: float | None = None
    upstream_calls: UpstreamCallCount = field(default_factory=UpstreamCallCount, compare=False)

    @classmethod
    def with_budget(
        cls, request_id: str, budget_s: float, *, max_upstream_calls: int | None = None
    ) -> CallContext:
        """A context whose deadline is ``budget_s`` seconds from now."""
        return cls(
            request_id,
            asyncio.get_running_loop().time() + budget_s,
            UpstreamCallCount(max_upstream_calls),
        )

    def remaining(self) -> float | None:
        """Seconds left before the deadline (may be negative), or ``None``."""
        if self.deadline is None:
            return None
        return self.deadline - asyncio.get_running_loop().time()
