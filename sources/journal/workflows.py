"""Workflows and their steps: order lock rows, reservations, leases, transitions."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..events import CloudEvent
from .events import AuditAndOutbox
from .records import (
    AuditRecord,
    Reservation,
    StepRecord,
    StepStatus,
    WorkflowKind,
    WorkflowRecord,
    WorkflowStatus,
)
from .schema import order_locks, steps, workflows

__all__ = ["OPEN_STATUSES", "Page", "Workflows"]

# Statuses that still hold part of an order's refundable amount.
OPEN_STATUSES = (
    WorkflowStatus.PENDING_APPROVAL,
    WorkflowStatus.APPROVED,
    WorkflowStatus.PROCESSING,
    WorkflowStatus.PARKED,
    WorkflowStatus.NEEDS_ATTENTION,
)
# Rows written before amounts became optional carry "XXX" for "no money moves".
_NO_CURRENCY = "XXX"

Page = tuple[float, str]
"""A position in the newest-first listing: (created_at, id) of the last row seen."""


def _workflow(row: Any) -> WorkflowRecord:
    moves_money = bool(row.amount) and row.currency != _NO_CURRENCY
    return WorkflowRecord(
        id=row.id,
        kind=WorkflowKind(row.kind),
        status=WorkflowStatus(row.status),
        order_number=row.order_number,
        order_id=row.order_id,
        channel=row.channel,
        amount=Decimal(row.amount) if moves_money else None,
        currency="" if row.currency == _NO_CURRENCY else row.currency,
        reason=row.reason,
        requested_by=row.requested_by,
        requested_client=row.requested_client,
        approved_by=row.approved_by,
        payload=json.loads(row.payload),
        outcome=json.loads(row.outcome) if row.outcome else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        retries=row.retries or 0,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )


def _step(row: Any) -> StepRecord:
    return StepRecord(
        position=row.position,
        name=row.name,
        system=row.system,
        status=StepStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        result=json.loads(row.result) if row.result else None,
        at=row.at,
    )


class Workflows(AuditAndOutbox):
    """The workflow half of the journal; audit and events ride in the same transactions."""

    _engine: AsyncEngine

    # --- workflows ----------------------------------------------------------------------

    @asynccontextmanager
    async def order_lock(self, order_number: str) -> AsyncIterator[AsyncConnection]:
        """A transaction holding the order's lock row until it ends (serialises refunds)."""
        async with self._engine.begin() as conn:
            bumped = await conn.execute(
                order_locks.update()
                .where(order_locks.c.order_number == order_number)
                .values(version=order_locks.c.version + 1)
            )
            if bumped.rowcount == 0:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            order_locks.insert().values(order_number=order_number, version=1)
                        )
                except IntegrityError:
                    await conn.execute(
                        order_locks.update()
                        .where(order_locks.c.order_number == order_number)
                        .values(version=order_locks.c.version + 1)
                    )
            yield conn

    async def _holds(
        self, conn: AsyncConnection, order_numbers: Sequence[str]
    ) -> dict[str, Reservation]:
        # The pivot's name is the refund plan's: once its money moved, the OMS counts it.
        pivoted = sa.select(steps.c.workflow_id).where(
            steps.c.name == "oms.refund", steps.c.status == StepStatus.DONE
        )
        rows = await conn.execute(
            sa.select(workflows.c.order_number, workflows.c.amount, workflows.c.payload).where(
                workflows.c.order_number.in_(list(order_numbers)),
                workflows.c.kind == WorkflowKind.REFUND,
                workflows.c.status.in_(OPEN_STATUSES),
                workflows.c.id.not_in(pivoted),
            )
        )
        amounts: dict[str, Decimal] = {}
        lines: dict[str, dict[str, int]] = {}
        for row in rows:
            amounts[row.order_number] = amounts.get(row.order_number, Decimal("0")) + Decimal(
                row.amount or "0"
            )
            held = lines.setdefault(row.order_number, {})
            for line_id, quantity in json.loads(row.payload).get("lines") or []:
                held[str(line_id)] = held.get(str(line_id), 0) + int(quantity)
        return {n: Reservation(amounts[n], lines.get(n, {})) for n in amounts}

    async def reserved(self, conn: AsyncConnection, order_number: str) -> Decimal:
        """Amount held by open refund workflows whose OMS refund has not happened yet."""
        return (await self._holds(conn, [order_number])).get(order_number, Reservation()).amount

    async def reserved_now(self, order_number: str) -> Decimal:
        """``reserved`` outside any lock, for previews."""
        async with self._engine.connect() as conn:
            return await self.reserved(conn, order_number)

    async def reservations(self, order_numbers: Sequence[str]) -> dict[str, Reservation]:
        """What open refund requests hold, for each order that has any (one query)."""
        async with self._engine.connect() as conn:
            return await self._holds(conn, order_numbers)

    async def insert_workflow(
        self,
        conn: AsyncConnection,
        record: WorkflowRecord,
        step_names: Sequence[tuple[str, str]],
        audit_entry: AuditRecord,
        events: Iterable[CloudEvent],
    ) -> None:
        """Create a workflow, its pending steps, an audit entry and events, in ``conn``'s txn."""
        values = asdict(record)
        values["amount"] = "" if record.amount is None else str(record.amount)
        values["payload"] = json.dumps(record.payload, default=str)
        values["outcome"] = json.dumps(record.outcome, default=str) if record.outcome else None
        values["lease_until"] = 0.0
        await conn.execute(workflows.insert().values(**values))
        for position, (name, system) in enumerate(step_names):
            await conn.execute(
                steps.insert().values(
                    workflow_id=record.id,
                    position=position,
                    name=name,
                    system=system,
                    status=StepStatus.PENDING,
                    attempts=0,
                )
            )
        await self._audit(conn, audit_entry)
        await self._publish(conn, events)

    async def workflow(self, workflow_id: str) -> WorkflowRecord | None:
        """A workflow by id."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(sa.select(workflows).where(workflows.c.id == workflow_id))
            ).first()
        return _workflow(row) if row else None

    async def steps_of(self, workflow_id: str) -> list[StepRecord]:
        """A workflow's steps in order."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(steps)
                .where(steps.c.workflow_id == workflow_id)
                .order_by(steps.c.position)
            )
            return [_step(r) for r in rows]

    async def lease(
        self,
        workflow_id: str,
        from_statuses: Sequence[WorkflowStatus],
        lease_s: float,
        event: CloudEvent | None = None,
    ) -> bool:
        """Take a workflow for execution (PROCESSING) unless another runner holds it.

        A PROCESSING workflow whose lease ran out was left by a runner that died: it is
        taken over, so a crash at any point ends in completion or an operator queue.
        ``event`` (its start) enters the outbox in the same transaction, if it is taken.
        """
        now = time.time()
        async with self._engine.begin() as conn:
            taken = await conn.execute(
                workflows.update()
                .where(
                    workflows.c.id == workflow_id,
                    sa.or_(
                        workflows.c.status.in_(list(from_statuses)),
                        sa.and_(
                            workflows.c.status == WorkflowStatus.PROCESSING,
                            workflows.c.lease_until < now,
                        ),
                    ),
                )
                .values(status=WorkflowStatus.PROCESSING, lease_until=now + lease_s, updated_at=now)
            )
            if taken.rowcount == 1 and event is not None:
                await self._publish(conn, [event])
        return taken.rowcount == 1

    async def record_step(
        self,
        workflow_id: str,
        position: int,
        status: StepStatus,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        lease_s: float | None = None,
        attempted: bool = True,
        event: CloudEvent | None = None,
    ) -> None:
        """One attempt of a step finished (or the step was skipped or compensated).

        With ``lease_s`` the runner's lease on the workflow is renewed in the same
        transaction, so a long workflow is not taken over while it makes progress;
        ``event`` enters the outbox in it too.
        """
        now = time.time()
        values: dict[str, Any] = {
            "status": status,
            "attempts": steps.c.attempts + (1 if attempted else 0),
            "at": now,
        }
        if attempted:
            values["last_error"] = error
        if result is not None:
            values["result"] = json.dumps(result, default=str)
        async with self._engine.begin() as conn:
            await conn.execute(
                steps.update()
                .where(steps.c.workflow_id == workflow_id, steps.c.position == position)
                .values(**values)
            )
            if lease_s is not None:
                await conn.execute(
                    workflows.update()
                    .where(
                        workflows.c.id == workflow_id,
                        workflows.c.status == WorkflowStatus.PROCESSING,
                    )
                    .values(lease_until=now + lease_s, updated_at=now)
                )
            if event is not None:
                await self._publish(conn, [event])

    async def transition(
        self,
        workflow_id: str,
        status: WorkflowStatus,
        audit_entry: AuditRecord,
        events: Iterable[CloudEvent] = (),
        *,
        approved_by: str | None = None,
        outcome: dict[str, Any] | None = None,
        expect: Sequence[WorkflowStatus] | None = None,
        last_error: str | None = None,
        retry_at: float | None = None,
        count_retry: bool = False,
    ) -> bool:
        """Move a workflow to ``status`` with its audit entry and events, in one txn.

        ``last_error`` is kept while the workflow rests (cleared when it completes);
        ``retry_at`` schedules the next background attempt of a parked workflow.
        """
        values: dict[str, Any] = {
            "status": status,
            "updated_at": time.time(),
            "lease_until": 0.0,
            "next_attempt_at": retry_at,
            "last_error": last_error,
        }
        if count_retry:
            values["retries"] = workflows.c.retries + 1
        if approved_by is not None:
            values["approved_by"] = approved_by
        if outcome is not None:
            values["outcome"] = json.dumps(outcome, default=str)
        async with self._engine.begin() as conn:
            query = workflows.update().where(workflows.c.id == workflow_id)
            if expect is not None:
                query = query.where(workflows.c.status.in_(list(expect)))
            changed = await conn.execute(query.values(**values))
            if changed.rowcount != 1:
                return False
            await self._audit(conn, audit_entry)
            await self._publish(conn, events)
        return True

    async def due(self, now: float, idle_s: float, limit: int) -> list[WorkflowRecord]:
        """Workflows a background runner should drive now, the longest-waiting first.

        Parked ones whose retry time has come; PROCESSING ones whose runner's lease ran
        out (it died); APPROVED ones nobody started within ``idle_s`` (the request that
        created them died before running them).
        """
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(workflows)
                .where(
                    sa.or_(
                        sa.and_(
                            workflows.c.status == WorkflowStatus.PARKED,
                            sa.or_(
                                workflows.c.next_attempt_at.is_(None),
                                workflows.c.next_attempt_at <= now,
                            ),
                        ),
                        sa.and_(
                            workflows.c.status == WorkflowStatus.PROCESSING,
                            workflows.c.lease_until < now,
                        ),
                        sa.and_(
                            workflows.c.status == WorkflowStatus.APPROVED,
                            workflows.c.updated_at < now - idle_s,
                        ),
                    )
                )
                .order_by(workflows.c.updated_at)
                .limit(limit)
            )
            return [_workflow(r) for r in rows]

    async def workflows_page(
        self,
        *,
        limit: int,
        after: Page | None = None,
        statuses: Sequence[WorkflowStatus] | None = None,
        kinds: Sequence[WorkflowKind] | None = None,
        channel: str | None = None,
        order_number: str | None = None,
    ) -> list[WorkflowRecord]:
        """Workflows newest first, after the position ``after``, filtered."""
        query = sa.select(workflows)
        if statuses is not None:
            query = query.where(workflows.c.status.in_(list(statuses)))
        if kinds is not None:
            query = query.where(workflows.c.kind.in_(list(kinds)))
        if channel is not None:
            query = query.where(workflows.c.channel == channel)
        if order_number is not None:
            query = query.where(workflows.c.order_number == order_number)
        if after is not None:
            at, last_id = after
            query = query.where(
                sa.or_(
                    workflows.c.created_at < at,
                    sa.and_(workflows.c.created_at == at, workflows.c.id < last_id),
                )
            )
        query = query.order_by(workflows.c.created_at.desc(), workflows.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [_workflow(r) for r in await conn.execute(query)]

    async def postpone(self, workflow_id: str, until: float) -> None:
        """Move a parked workflow's next retry (its system is known to be down)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                workflows.update()
                .where(workflows.c.id == workflow_id, workflows.c.status == WorkflowStatus.PARKED)
                .values(next_attempt_at=until)
            )
