"""Counts of workflows by kind and status, for the work-queue gauges of ``/metrics``.

One grouped query over the ``workflows`` table (its ``status`` column is indexed for
the retry runner), so a scrape costs the same with ten parked workflows or ten
thousand, and returns at most one row per kind and status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from .records import WorkflowKind, WorkflowStatus
from .schema import workflows

__all__ = ["WorkflowCount", "WorkflowStats"]


@dataclass(frozen=True, slots=True)
class WorkflowCount:
    """How many workflows of one kind are in one status, and since when the oldest."""

    kind: WorkflowKind
    status: WorkflowStatus
    count: int
    oldest_updated_at: float


class WorkflowStats:
    """The statistics half of the journal (bounded like every journal operation)."""

    _engine: AsyncEngine

    async def workflow_counts(self, statuses: Sequence[WorkflowStatus]) -> list[WorkflowCount]:
        """Per (kind, status) among ``statuses``: the count and the oldest last change."""
        query = (
            sa.select(
                workflows.c.kind,
                workflows.c.status,
                sa.func.count(),
                sa.func.min(workflows.c.updated_at),
            )
            .where(workflows.c.status.in_(list(statuses)))
            .group_by(workflows.c.kind, workflows.c.status)
        )
        async with self._engine.connect() as conn:
            rows = await conn.execute(query)
            return [
                WorkflowCount(WorkflowKind(kind), WorkflowStatus(status), int(count), float(oldest))
                for kind, status, count, oldest in rows
            ]
