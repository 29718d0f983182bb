"""Business KPIs: workflow outcomes, refund cycle time, approval waits, parked work,
discrepancies.

``BusinessMetrics`` is the gateway's ``resolvers.BusinessObserver``: the processes tell
it where each workflow ends up, and counters and histograms follow. ``WorkQueues`` reads
how much work waits (parked, needing attention, pending approval) from the journal:
that is shared state, so every replica reports the same numbers (take ``max``, not
``sum``, across instances). It refreshes at most every ``refresh_s`` whatever the
scrape rate, with one grouped query bounded by the journal's own timeout, and keeps the
last values while the journal is away.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from resolvers import BusinessObserver
from sources import Journal, JournalUnavailable, WorkflowKind, WorkflowStatus

__all__ = ["QUEUE_STATUSES", "BusinessMetrics", "WorkQueues"]

log = logging.getLogger("order360.metrics")

QUEUE_STATUSES = (
    WorkflowStatus.PARKED,
    WorkflowStatus.NEEDS_ATTENTION,
    WorkflowStatus.PENDING_APPROVAL,
)
# From seconds (the sandbox) to days (a refund waiting on a supervisor over a weekend).
CYCLE_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 14400, 86400, 259200)


class BusinessMetrics(BusinessObserver):
    """Counts workflow outcomes and decisions, times refund cycles and approval waits."""

    def __init__(self, registry: CollectorRegistry, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.outcomes = Counter(
            "order360_workflow_outcomes",
            "Workflows reaching a status (end of an attempt, a decision, an operator's "
            "resolution), by kind: refund, replacement, case, case_comment.",
            ("kind", "status"),
            registry=registry,
        )
        self.cycle = Histogram(
            "order360_workflow_cycle_seconds",
            "From request to COMPLETED, by kind (refund cycle time: kind=refund).",
            ("kind",),
            buckets=CYCLE_BUCKETS,
            registry=registry,
        )
        self.approval_wait = Histogram(
            "order360_approval_wait_seconds",
            "From request to a supervisor's decision on a held request.",
            ("kind", "decision"),
            buckets=CYCLE_BUCKETS,
            registry=registry,
        )
        self.discrepancies = Counter(
            "order360_discrepancies_found",
            "Discrepancies between systems found by order views, by kind.",
            ("kind",),
            registry=registry,
        )

    def workflow_moved(self, kind: str, status: str, requested_at: float) -> None:
        """Count the outcome; a completion's cycle time too."""
        self.outcomes.labels(str(kind), str(status)).inc()
        if status == WorkflowStatus.COMPLETED:
            self.cycle.labels(str(kind)).observe(max(0.0, self._clock() - requested_at))

    def approval_decided(self, kind: str, decision: str, requested_at: float) -> None:
        """Time the wait for the decision."""
        waited = max(0.0, self._clock() - requested_at)
        self.approval_wait.labels(str(kind), decision).observe(waited)

    def discrepancies_found(self, kinds: Sequence[str]) -> None:
        """Count each finding by kind."""
        for kind in kinds:
            self.discrepancies.labels(kind).inc()


class WorkQueues:
    """Gauges of waiting work, refreshed from the journal (at most every ``refresh_s``)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        refresh_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._refresh_s = refresh_s
        self._clock = clock
        self._last: float | None = None
        self.count = Gauge(
            "order360_workflows_waiting",
            "Workflows parked, needing attention or pending approval, by kind (journal-wide).",
            ("kind", "status"),
            registry=registry,
        )
        self.oldest = Gauge(
            "order360_workflows_waiting_oldest_seconds",
            "Age of the oldest such workflow since its last change (0 when none).",
            ("kind", "status"),
            registry=registry,
        )
        for kind in WorkflowKind:
            for status in QUEUE_STATUSES:
                self.count.labels(kind.value, status.value)
                self.oldest.labels(kind.value, status.value)

    async def refresh(self, journal: Journal | None) -> None:
        """Read the counts again unless they are fresh enough (or there is no journal)."""
        now = self._clock()
        if journal is None or (self._last is not None and now - self._last < self._refresh_s):
            return
        try:
            counts = await journal.workflow_counts(QUEUE_STATUSES)
        except JournalUnavailable as exc:  # /readyz says so; keep the last values
            log.debug("work queues not refreshed: %s", exc)
            return
        self._last = now
        found = {(c.kind.value, c.status.value): c for c in counts}
        for kind in WorkflowKind:
            for status in QUEUE_STATUSES:
                entry = found.get((kind.value, status.value))
                self.count.labels(kind.value, status.value).set(entry.count if entry else 0)
                age = max(0.0, now - entry.oldest_updated_at) if entry else 0.0
                self.oldest.labels(kind.value, status.value).set(age)
