"""The durable journal: idempotency keys, workflows and steps, audit log, outbox.

SQLAlchemy 2 async Core over SQLite (aiosqlite, the zero-set-up default) or PostgreSQL
(asyncpg, for several replicas): the same statements on both. Keys are claimed with a
single INSERT (the primary key decides, no check-then-act); in-flight claims carry a
lease so a crashed request cannot block its key forever; refunds on one order are
serialised by a lock row taken inside the transaction that reserves their amount.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .records import AuditRecord, Claim, ClaimKind, StepRecord, WorkflowRecord
from .schema import MIGRATIONS, audit, idempotency, order_locks, outbox, steps, workflows

__all__ = ["RETENTION_S", "Journal", "engine_url"]

# Completed keys are kept at least this long (Stripe keeps 24 h; we keep 48 h).
RETENTION_S = 48 * 3600
# Statuses that still hold part of an order's refundable amount.
OPEN_STATUSES = ("PENDING_APPROVAL", "APPROVED", "PROCESSING", "PARKED")


def engine_url(url: str) -> str:
    """``sqlite:///x.db`` / ``postgresql://…`` → the async driver's URL (without ``schema``)."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "schema"])
        return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, query, ""))
    raise ValueError(f"unsupported journal URL scheme: {url.split(':', 1)[0]}")


def _schema_of(url: str) -> str | None:
    """The PostgreSQL schema named by ``?schema=`` (tables live there), if any."""
    found = dict(parse_qsl(urlsplit(url).query)).get("schema")
    if found is not None and not found.replace("_", "").isalnum():
        raise ValueError("journal schema names are letters, digits and underscores")
    return found


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


class Journal:
    """All durable state of the governed processes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    async def open(cls, url: str) -> Journal:
        """Connect and bring the schema to the current version."""
        options: dict[str, Any] = {}
        schema = None
        if url.startswith("sqlite"):
            # Writers queue instead of failing while another holds the file lock.
            options["connect_args"] = {"timeout": 30}
        else:
            schema = _schema_of(url)
            if schema:
                options["connect_args"] = {"server_settings": {"search_path": schema}}
        journal = cls(create_async_engine(engine_url(url), **options))
        if schema:
            async with journal._engine.begin() as conn:
                await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await journal.migrate()
        return journal

    async def close(self) -> None:
        """Release every connection."""
        await self._engine.dispose()

    async def migrate(self) -> int:
        """Apply the migrations not yet recorded; returns the schema version."""
        serial = "INTEGER" if self.dialect == "sqlite" else "SERIAL"
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            )
            current = (
                await conn.execute(sa.text("SELECT MAX(version) FROM schema_version"))
            ).scalar() or 0
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in statements:
                    await conn.execute(sa.text(statement.replace("{serial}", serial)))
                await conn.execute(
                    sa.text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": version}
                )
        return len(MIGRATIONS)

    async def ping(self) -> bool:
        """Whether the store answers (readiness)."""
        try:
            async with self._engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception:
            return False
        return True

    # --- idempotency --------------------------------------------------------------------

    async def claim(self, scope: str, key: str, fingerprint: str, lease_s: float) -> Claim:
        """Claim ``key`` for ``scope`` atomically, or say what already holds it."""
        now = time.time()
        async with self._engine.begin() as conn:
            try:
                await conn.execute(
                    idempotency.insert().values(
                        scope=scope,
                        idem_key=key,
                        fingerprint=fingerprint,
                        status="in_flight",
                        lease_until=now + lease_s,
                        created_at=now,
                    )
                )
                return Claim(ClaimKind.NEW)
            except IntegrityError:
                pass
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(idempotency).where(
                        idempotency.c.scope == scope, idempotency.c.idem_key == key
                    )
                )
            ).one()
            if row.fingerprint != fingerprint:
                return Claim(ClaimKind.REUSED)
            if row.status == "done":
                return Claim(ClaimKind.REPLAY, row.workflow_id, row.response)
            if row.lease_until > now:
                return Claim(ClaimKind.IN_USE, row.workflow_id)
            # Compare-and-set on the old lease: of two takers, exactly one wins.
            taken = await conn.execute(
                idempotency.update()
                .where(
                    idempotency.c.scope == scope,
                    idempotency.c.idem_key == key,
                    idempotency.c.lease_until == row.lease_until,
                )
                .values(lease_until=now + lease_s)
            )
            if taken.rowcount == 1:
                return Claim(ClaimKind.RESUME, row.workflow_id)
            return Claim(ClaimKind.IN_USE, row.workflow_id)

    async def bind_claim(self, scope: str, key: str, workflow_id: str) -> None:
        """Remember which workflow the claimed key started (for resume after a crash)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                idempotency.update()
                .where(idempotency.c.scope == scope, idempotency.c.idem_key == key)
                .values(workflow_id=workflow_id)
            )

    async def finish_claim(
        self, scope: str, key: str, workflow_id: str | None, response: str
    ) -> None:
        """Store the first result under the key; replays return it."""
        async with self._engine.begin() as conn:
            await conn.execute(
                idempotency.update()
                .where(idempotency.c.scope == scope, idempotency.c.idem_key == key)
                .values(status="done", workflow_id=workflow_id, response=response)
            )

    async def release_claim(self, scope: str, key: str) -> None:
        """Forget a claim whose request was refused before doing anything (safe to retry)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                idempotency.delete().where(
                    idempotency.c.scope == scope,
                    idempotency.c.idem_key == key,
                    idempotency.c.status == "in_flight",
                )
            )

    async def purge_keys(self, older_than_s: float = RETENTION_S) -> int:
        """Drop completed keys past retention; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                idempotency.delete().where(
                    idempotency.c.status == "done",
                    idempotency.c.created_at < time.time() - older_than_s,
                )
            )
        return int(result.rowcount)

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
        self, *, order_number: str | None = None, workflow_id: str | None = None
    ) -> list[AuditRecord]:
        """Audit entries of an order or a workflow, oldest first."""
        query = sa.select(audit).order_by(audit.c.id)
        if order_number is not None:
            query = query.where(audit.c.order_number == order_number)
        if workflow_id is not None:
            query = query.where(audit.c.workflow_id == workflow_id)
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
