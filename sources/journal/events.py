"""The audit log and the outbox of business events.

Events enter the outbox in the transaction of the state change they report
(``_publish``), as CloudEvents built by the caller; ``relay`` takes them out again.

How several replicas share one outbox (PostgreSQL): ``relay`` claims the oldest
unpublished rows with ``SELECT … FOR UPDATE SKIP LOCKED`` in a transaction, publishes
them, marks them published and commits, so a row is published by the replica holding
its lock and by no other; a replica that dies mid-batch releases its locks and another
publishes the rows again (the broker drops the repeat by event id). Per-order order: an
order whose oldest unpublished row is locked by another replica is left to that replica
for this round, and a batch stops at its first failure, so no event overtakes an
earlier one of its order. On SQLite the lock clause does not exist and one writer is
assumed: run one replica (SQLite is the single-process default anyway).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..events import TYPE_PREFIX, CloudEvent, rfc3339
from .records import AuditRecord
from .schema import audit, outbox

__all__ = ["AuditAndOutbox", "Backlog"]

# Rows written before events had ids get a stable one derived from the row id.
_LEGACY_IDS = uuid.UUID("6f9b3d5e-2a41-4c8e-9d0b-0e8a3c1f7b24")


@dataclass(frozen=True, slots=True)
class Backlog:
    """Unpublished events: how many, and how long the oldest has waited."""

    size: int
    oldest_age_s: float


def _event(row: Any) -> CloudEvent:
    body = json.loads(row.payload)
    if row.event_id is not None and body.get("specversion"):
        return CloudEvent.from_dict(body)
    return CloudEvent(  # written before revision 0003: the topic and a bare payload
        id=str(uuid.uuid5(_LEGACY_IDS, f"outbox:{row.id}")),
        type=TYPE_PREFIX + row.topic,
        time=rfc3339(row.at),
        data=body,
    )


class AuditAndOutbox:
    """Who did what, and the events waiting for the relay."""

    _engine: AsyncEngine
    timeout_s: float

    # --- audit and outbox ---------------------------------------------------------------

    async def audit(self, entry: AuditRecord) -> None:
        """Write one audit entry on its own (refusals, replays)."""
        async with self._engine.begin() as conn:
            await self._audit(conn, entry)

    async def _audit(self, conn: AsyncConnection, entry: AuditRecord) -> None:
        await conn.execute(audit.insert().values(**asdict(entry)))

    async def _publish(self, conn: AsyncConnection, events: Iterable[CloudEvent]) -> None:
        now = time.time()
        for event in events:
            await conn.execute(
                outbox.insert().values(
                    at=now,
                    topic=event.type.removeprefix(TYPE_PREFIX)[:64],
                    payload=event.to_json(),
                    event_id=event.id,
                    order_key=event.subject or "",
                )
            )

    async def audit_for(
        self,
        *,
        order_number: str | None = None,
        workflow_id: str | None = None,
        correlation_id: str | None = None,
        limit: int = 500,
    ) -> list[AuditRecord]:
        """Audit entries of an order, a workflow or a request, oldest first."""
        query = sa.select(audit).order_by(audit.c.id).limit(limit)
        if order_number is not None:
            query = query.where(audit.c.order_number == order_number)
        if workflow_id is not None:
            query = query.where(audit.c.workflow_id == workflow_id)
        if correlation_id is not None:
            query = query.where(audit.c.correlation_id == correlation_id)
        async with self._engine.connect() as conn:
            rows = await conn.execute(query)
            return [
                AuditRecord(
                    at=r.at,
                    actor=r.actor,
                    client=r.client,
                    action=r.action,
                    decision=r.decision,
                    detail=r.detail,
                    workflow_id=r.workflow_id,
                    order_number=r.order_number,
                    correlation_id=r.correlation_id,
                )
                for r in rows
            ]

    async def unpublished(self, limit: int = 100) -> list[CloudEvent]:
        """Events not yet published, oldest first (for inspection; ``relay`` publishes)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
            )
            return [_event(r) for r in rows]

    async def outbox_backlog(self) -> Backlog:
        """How many events wait for the relay, and the age of the oldest (0 when none)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(sa.func.count(), sa.func.min(outbox.c.at)).where(
                        outbox.c.published_at.is_(None)
                    )
                )
            ).one()
        size, oldest = int(row[0]), row[1]
        return Backlog(size, max(0.0, time.time() - oldest) if oldest is not None else 0.0)

    async def relay(
        self, publish: Callable[[CloudEvent], Awaitable[None]], limit: int = 100
    ) -> int:
        """Publish up to ``limit`` of the oldest unpublished events, in order; returns
        how many were published and marked (see the module docstring).

        ``publish`` must return only once the broker holds the event. When it raises,
        the events published before it are still marked (committed), the rest stay
        for the next call, and the exception is raised again. A batch also stops once
        half the journal's bound has gone by, so a slow broker shortens batches instead
        of having the whole transaction time out (and every event in it published again).
        """
        failure: Exception | None = None
        stop_at = time.monotonic() + self.timeout_s / 2
        async with self._engine.begin() as conn:
            claimed = (
                await conn.execute(
                    sa.select(outbox)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not claimed:
                return 0
            held_elsewhere = await self._held_elsewhere(conn, claimed)
            done: list[int] = []
            for row in claimed:
                if done and time.monotonic() > stop_at:
                    break
                if row.order_key in held_elsewhere:
                    continue
                try:
                    await publish(_event(row))
                except Exception as exc:  # the broker: keep what went out, stop here
                    failure = exc
                    break
                done.append(row.id)
            if done:
                await conn.execute(
                    outbox.update().where(outbox.c.id.in_(done)).values(published_at=time.time())
                )
        if failure is not None:
            raise failure
        return len(done)

    async def _held_elsewhere(self, conn: AsyncConnection, claimed: Sequence[Any]) -> set[str]:
        """Orders of the batch with an earlier unpublished row this batch does not hold.

        That row is locked by another replica's batch (the claim takes the oldest rows
        it can lock), so this batch must not publish past it. A plain read: it sees
        locked rows without waiting for them.
        """
        first_claimed: dict[str, int] = {}
        for row in claimed:
            first_claimed.setdefault(row.order_key, row.id)
        rows = await conn.execute(
            sa.select(outbox.c.order_key, sa.func.min(outbox.c.id))
            .where(
                outbox.c.published_at.is_(None),
                outbox.c.order_key.in_(list(first_claimed)),
            )
            .group_by(outbox.c.order_key)
        )
        return {key for key, first in rows if first < first_claimed[key]}
