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

from .events import AuditAndOutbox
from .records import AuditRecord, StepRecord, WorkflowRecord
from .schema import order_locks, steps, workflows

__all__ = ["OPEN_STATUSES", "Workflows"]

# Statuses that still hold part of an order's refundable amount.
OPEN_STATUSES = ("PENDING_APPROVAL", "APPROVED", "PROCESSING", "PARKED")


def _workflow(row: Any) -> WorkflowRecord:
    return WorkflowRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        order_number=row.order_number,
        order_id=row.order_id,
        channel=row.channel,
        amount=Decimal(row.amount),
        currency=row.currency,
        reason=row.reason,
        requested_by=row.requested_by,
        requested_client=row.requested_client,
        approved_by=row.approved_by,
        payload=json.loads(row.payload),
        outcome=json.loads(row.outcome) if row.outcome else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
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

    async def reserved(self, conn: AsyncConnection, order_number: str) -> Decimal:
        """Amount held by open refund workflows whose OMS refund has not happened yet."""
        rows = await conn.execute(
            sa.select(workflows.c.id, workflows.c.amount).where(
                workflows.c.order_number == order_number,
                workflows.c.kind == "refund",
                workflows.c.status.in_(OPEN_STATUSES),
            )
        )
        total = Decimal("0")
        for row in rows:
            done = await conn.execute(
                sa.select(steps.c.status).where(
                    steps.c.workflow_id == row.id,
                    steps.c.name == "oms.refund",
                    steps.c.status == "DONE",
                )
            )
            if done.first() is None:
                total += Decimal(row.amount)
        return total

    async def reserved_now(self, order_number: str) -> Decimal:
        """``reserved`` outside any lock, for previews."""
        async with self._engine.connect() as conn:
            return await self.reserved(conn, order_number)

    async def insert_workflow(
        self,
        conn: AsyncConnection,
        record: WorkflowRecord,
        step_names: Sequence[tuple[str, str]],
        audit_entry: AuditRecord,
        events: Iterable[tuple[str, dict[str, Any]]],
    ) -> None:
        """Create a workflow, its pending steps, an audit entry and events, in ``conn``'s txn."""
        values = asdict(record)
        values["amount"] = str(record.amount)
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
                    status="PENDING",
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
            return [
                StepRecord(
                    position=r.position,
                    name=r.name,
                    system=r.system,
                    status=r.status,
                    attempts=r.attempts,
                    last_error=r.last_error,
                    result=json.loads(r.result) if r.result else None,
                    at=r.at,
                )
                for r in rows
            ]

    async def lease(self, workflow_id: str, from_statuses: Sequence[str], lease_s: float) -> bool:
        """Take a workflow for execution (PROCESSING) unless another runner holds it."""
        now = time.time()
        async with self._engine.begin() as conn:
            taken = await conn.execute(
                workflows.update()
                .where(
                    workflows.c.id == workflow_id,
                    sa.or_(
                        workflows.c.status.in_(from_statuses),
                        sa.and_(workflows.c.status == "PROCESSING", workflows.c.lease_until < now),
                    ),
                )
                .values(status="PROCESSING", lease_until=now + lease_s, updated_at=now)
            )
        return taken.rowcount == 1

    async def record_step(
        self,
        workflow_id: str,
        position: int,
        status: str,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """One attempt of a step finished (or was skipped)."""
        values: dict[str, Any] = {
            "status": status,
            "attempts": steps.c.attempts + (0 if status == "SKIPPED" else 1),
            "last_error": error,
            "at": time.time(),
        }
        if result is not None:
            values["result"] = json.dumps(result, default=str)
        async with self._engine.begin() as conn:
            await conn.execute(
                steps.update()
                .where(steps.c.workflow_id == workflow_id, steps.c.position == position)
                .values(**values)
            )

    async def transition(
        self,
        workflow_id: str,
        status: str,
        audit_entry: AuditRecord,
        events: Iterable[tuple[str, dict[str, Any]]] = (),
        *,
        approved_by: str | None = None,
        outcome: dict[str, Any] | None = None,
        expect: Sequence[str] | None = None,
    ) -> bool:
        """Move a workflow to ``status`` with its audit entry and events, in one txn."""
        values: dict[str, Any] = {"status": status, "updated_at": time.time(), "lease_until": 0.0}
        if approved_by is not None:
            values["approved_by"] = approved_by
        if outcome is not None:
            values["outcome"] = json.dumps(outcome, default=str)
        async with self._engine.begin() as conn:
            query = workflows.update().where(workflows.c.id == workflow_id)
            if expect is not None:
                query = query.where(workflows.c.status.in_(expect))
            changed = await conn.execute(query.values(**values))
            if changed.rowcount != 1:
                return False
            await self._audit(conn, audit_entry)
            await self._publish(conn, events)
        return True

    async def parked(self, limit: int = 20) -> list[str]:
        """Ids of parked workflows, oldest first (for the background retry)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(workflows.c.id)
                .where(workflows.c.status == "PARKED")
                .order_by(workflows.c.updated_at)
                .limit(limit)
            )
            return [r.id for r in rows]
