"""A sliding window of recent call outcomes per upstream, for the ``sources`` query."""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["HealthSnapshot", "HealthWindow"]


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """Latency median and error share over the window; ``None`` without calls."""

    calls: int
    latency_p50_ms: float | None
    error_rate: float | None


class HealthWindow:
    """The last ``size`` calls within ``horizon_s`` seconds."""

    def __init__(self, size: int = 200, horizon_s: float = 300.0) -> None:
        self._samples: deque[tuple[float, float, bool]] = deque(maxlen=size)
        self._horizon_s = horizon_s

    def record(self, latency_s: float, ok: bool) -> None:
        """Add one finished call."""
        self._samples.append((time.monotonic(), latency_s, ok))

    def snapshot(self) -> HealthSnapshot:
        """Summarise the calls still inside the horizon."""
        cutoff = time.monotonic() - self._horizon_s
        recent = [(lat, ok) for at, lat, ok in self._samples if at >= cutoff]
        if not recent:
            return HealthSnapshot(0, None, None)
        latencies = [lat * 1000.0 for lat, _ in recent]
        failures = sum(1 for _, ok in recent if not ok)
        return HealthSnapshot(len(recent), statistics.median(latencies), failures / len(recent))
