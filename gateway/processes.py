"""Background side of the governed processes: the workflow runner (the outbox relay,
which publishes their events, is ``relay.py``).

The runner drives due workflows forward, as an internal operator principal: parked ones
whose per-workflow backoff has passed, ones whose runner died (an expired lease) and
approved ones nobody started. It looks every ``tick_s`` and takes up to ``BATCH`` at a
time, ``CONCURRENCY`` at once, so it keeps up with the rate at which work parks; a
workflow whose next step's system has an open breaker is postponed until the breaker
lets probes through instead of being sent to hammer it. The journal's workflow lease
keeps it from racing a replay or another replica.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from resolvers import BusinessObserver, Principal, ProcessSettings, Runtime, drive
from sources import (
    BreakerState,
    CachedRead,
    CallContext,
    Journal,
    JournalUnavailable,
    Sources,
    StepStatus,
    WorkflowRecord,
    WorkflowStatus,
)

from .policy import ScopePolicy

__all__ = ["BATCH", "CONCURRENCY", "Invalidator", "run_due"]

log = logging.getLogger("order360.processes")
SWEEPER = Principal(subject="order360-retry", client_id="order360", scopes=frozenset({"ops"}))
BATCH = 50
CONCURRENCY = 4
ATTEMPT_BUDGET_S = 10.0
"""Deadline of one background attempt (every upstream call of it)."""


class Invalidator:
    """Drops the cached reads a completed write changed (so the next order 360 shows it)."""

    def __init__(self, cache: CachedRead | None) -> None:
        self._cache = cache

    def __call__(self, order_number: str, order_id: str) -> None:
        """Forget the order, its ERP documents and its cases, in every partition."""
        if self._cache is None:
            return
        self._cache.invalidate("oms", "order", order_id)
        for kind in ("sales_order", "billing"):
            self._cache.invalidate("erp", kind, order_number)
        self._cache.invalidate("crm", "cases_by_order", order_number)


async def _blocked_by(journal: Journal, sources: Sources, workflow: WorkflowRecord) -> float:
    """Seconds until the system of the workflow's next step takes calls again (0: now)."""
    if workflow.status is not WorkflowStatus.PARKED:
        return 0.0
    pending = [
        s
        for s in await journal.steps_of(workflow.id)
        if s.status not in (StepStatus.DONE, StepStatus.SKIPPED, StepStatus.COMPENSATED)
    ]
    if not pending:
        return 0.0
    system = next((name for name in sources.upstreams if name == pending[0].system), None)
    if system is None or sources.health()[system].breaker is not BreakerState.OPEN:
        return 0.0
    return max(1.0, sources.retry_after(system))


async def run_due_once(
    journal: Journal,
    sources: Sources,
    settings: ProcessSettings,
    invalidate: Callable[[str, str], None],
    observer: BusinessObserver | None = None,
) -> int:
    """One round: drive every workflow that is due; returns how many were attempted."""
    due = await journal.due(time.time(), idle_s=settings.lease_s, limit=BATCH)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(workflow: WorkflowRecord) -> bool:
        async with gate:
            wait = await _blocked_by(journal, sources, workflow)
            if wait > 0:
                await journal.postpone(workflow.id, time.time() + wait)
                return False
            runtime = Runtime(
                journal=journal,
                sources=sources,
                principal=SWEEPER,
                policy=ScopePolicy(),
                call=CallContext.with_budget(f"retry-{uuid.uuid4().hex[:12]}", ATTEMPT_BUDGET_S),
                settings=settings,
                invalidate=invalidate,
                observer=observer or BusinessObserver(),
            )
            after = await drive(runtime, workflow)
            log.info("workflow %s driven: %s", workflow.id, after.status)
            return True

    outcomes = await asyncio.gather(*(attempt(w) for w in due), return_exceptions=True)
    for workflow, outcome in zip(due, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("workflow %s could not be driven", workflow.id, exc_info=outcome)
    return sum(1 for o in outcomes if o is True)


async def run_due(
    journal: Journal,
    sources: Sources,
    settings: ProcessSettings,
    invalidate: Callable[[str, str], None],
    tick_s: float = 1.0,
    observer: BusinessObserver | None = None,
) -> None:
    """Drive due workflows forever (cancelled at shutdown)."""
    while True:
        await asyncio.sleep(tick_s)
        try:
            await run_due_once(journal, sources, settings, invalidate, observer)
        except JournalUnavailable as exc:
            log.warning("workflow runner waits for the journal: %s", exc)
        except Exception:  # keep running; the next round retries
            log.exception("workflow runner round failed")
