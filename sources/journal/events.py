"""The audit log and the outbox of business events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .records import AuditRecord
from .schema import audit, outbox

__all__ = ["AuditAndOutbox"]


class AuditAndOutbox:
    """Who did what, and the events waiting for the relay."""

    _engine: AsyncEngine

    # --- audit and outbox ---------------------------------------------------------------

    async def audit(self, entry: AuditRecord) -> None:
        """Write one audit entry on its own (refusals, replays)."""
        async with self._engine.begin() as conn:
            await self._audit(conn, entry)

    async def _audit(self, conn: AsyncConnection, entry: AuditRecord) -> None:
        await conn.execute(audit.insert().values(**asdict(entry)))

    async def _publish(
        self, conn: AsyncConnection, events: Iterable[tuple[str, dict[str, Any]]]
    ) -> None:
        now = time.time()
        for topic, payload in events:
            await conn.execute(
                outbox.insert().values(
                    at=now, topic=topic, payload=json.dumps(payload, default=str)
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

    async def unpublished(self, limit: int = 100) -> list[tuple[int, str, dict[str, Any]]]:
        """Events not yet published, oldest first."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
            )
            return [(r.id, r.topic, json.loads(r.payload)) for r in rows]

    async def mark_published(self, ids: Sequence[int]) -> None:
        """Events handed to the bus."""
        if not ids:
            return
        async with self._engine.begin() as conn:
            await conn.execute(
                outbox.update().where(outbox.c.id.in_(list(ids))).values(published_at=time.time())
            )
