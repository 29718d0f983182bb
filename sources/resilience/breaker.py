"""A circuit breaker per upstream, in the shape of resilience4j's.

CLOSED counts the outcomes of the last ``window`` calls. Once at least
``minimum_calls`` are in the window and the share of failures reaches
``failure_rate`` (or the share of slow calls reaches ``slow_call_rate``), it opens.
OPEN refuses every call at once, without touching the network, for ``open_s``
seconds; then HALF_OPEN lets ``probes`` calls through. If they all succeed it closes
with a fresh window; any failing probe opens it again.

``on_change(old, new)`` hears every move (for the transitions metric); OPEN turns
HALF_OPEN lazily, so that move is heard when the state is next looked at.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BreakerPolicy", "BreakerState", "CircuitBreaker"]


class BreakerState(enum.Enum):
    """The three states of a circuit breaker."""

    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerPolicy:
    """Thresholds; defaults are tuned for interactive reads, not resilience4j's batch ones."""

    window: int = 20
    minimum_calls: int = 10
    failure_rate: float = 0.5
    slow_call_s: float = 2.0
    slow_call_rate: float = 0.8
    open_s: float = 5.0
    probes: int = 2


class CircuitBreaker:
    """Decides whether a call may go out, and learns from how it went."""

    def __init__(
        self,
        policy: BreakerPolicy,
        clock: Callable[[], float] = time.monotonic,
        *,
        on_change: Callable[[BreakerState, BreakerState], None] | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._on_change = on_change
        self._outcomes: deque[tuple[bool, bool]] = deque(maxlen=policy.window)  # (failed, slow)
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._probes_out = 0
        self._probes_ok = 0

    @property
    def state(self) -> BreakerState:
        """The current state (OPEN turns HALF_OPEN once its wait is over)."""
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.policy.open_s
        ):
            self._move(BreakerState.HALF_OPEN)
            self._probes_out = 0
            self._probes_ok = 0
        return self._state

    def retry_after(self) -> float:
        """Seconds until an open breaker lets a probe through."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self.policy.open_s - (self._clock() - self._opened_at))

    def try_acquire(self) -> bool:
        """Whether a call may go out now (a half-open breaker admits its probes only)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and self._probes_out < self.policy.probes:
            self._probes_out += 1
            return True
        return False

    def record(self, *, failed: bool, duration_s: float) -> None:
        """Learn from one finished call that ``try_acquire`` let out."""
        slow = duration_s >= self.policy.slow_call_s
        if self._state is BreakerState.HALF_OPEN:
            if failed:
                self._open()
                return
            self._probes_ok += 1
            if self._probes_ok >= self.policy.probes:
                self._move(BreakerState.CLOSED)
                self._outcomes.clear()
            return
        if self._state is BreakerState.OPEN:
            return  # a straggler from before the breaker opened
        self._outcomes.append((failed, slow))
        if len(self._outcomes) < self.policy.minimum_calls:
            return
        count = len(self._outcomes)
        failures = sum(1 for f, _ in self._outcomes if f) / count
        slows = sum(1 for _, s in self._outcomes if s) / count
        if failures >= self.policy.failure_rate or slows >= self.policy.slow_call_rate:
            self._open()

    def _open(self) -> None:
        self._move(BreakerState.OPEN)
        self._opened_at = self._clock()
        self._outcomes.clear()

    def _move(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        if self._on_change is not None and old is not new:
            self._on_change(old, new)
