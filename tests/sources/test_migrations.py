"""The journal's Alembic migrations: replicas starting together, old journals adopted,
revisions and ``schema.py`` in agreement. SQLite always, PostgreSQL where reachable
(required under CI)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sources.journal import Journal, engine_url
from sources.journal.migrations import alembic_config, head_revision
from sources.journal.schema import metadata

POSTGRES = os.environ.get("ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 4
HANG_GUARD_S = 120  # only so a regression cannot hang the suite; never a speed check

# The first migrator's version 1, verbatim: what journals made before Alembic look like.
V1_DDL = [
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope VARCHAR(300) NOT NULL, idem_key VARCHAR(255) NOT NULL,
        fingerprint VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL,
        workflow_id VARCHAR(64), response TEXT, lease_until DOUBLE PRECISION NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (scope, idem_key))""",
    """CREATE TABLE IF NOT EXISTS workflows (
        id VARCHAR(64) PRIMARY KEY, kind VARCHAR(32) NOT NULL, status VARCHAR(32) NOT NULL,
        order_number VARCHAR(64) NOT NULL, order_id VARCHAR(64) NOT NULL,
        channel VARCHAR(64) NOT NULL, amount VARCHAR(32) NOT NULL,
        currency VARCHAR(3) NOT NULL, reason VARCHAR(32) NOT NULL,
        requested_by VARCHAR(200) NOT NULL, requested_client VARCHAR(200) NOT NULL,
        approved_by VARCHAR(200), payload TEXT NOT NULL, outcome TEXT,
        lease_until DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS workflows_by_order ON workflows (order_number, status)",
    """CREATE TABLE IF NOT EXISTS workflow_steps (
        workflow_id VARCHAR(64) NOT NULL, position INTEGER NOT NULL,
        name VARCHAR(64) NOT NULL, system VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL,
        attempts INTEGER NOT NULL, last_error TEXT, result TEXT, at DOUBLE PRECISION,
        PRIMARY KEY (workflow_id, position))""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor VARCHAR(200) NOT NULL,
        client VARCHAR(200) NOT NULL, action VARCHAR(64) NOT NULL,
        decision VARCHAR(64) NOT NULL, detail TEXT, workflow_id VARCHAR(64),
        order_number VARCHAR(64), correlation_id VARCHAR(128) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS audit_by_order ON audit_log (order_number)",
    "CREATE INDEX IF NOT EXISTS audit_by_workflow ON audit_log (workflow_id)",
    """CREATE TABLE IF NOT EXISTS outbox (
        id {serial} PRIMARY KEY, at DOUBLE PRECISION NOT NULL, topic VARCHAR(64) NOT NULL,
        payload TEXT NOT NULL, published_at DOUBLE PRECISION)""",
    """CREATE TABLE IF NOT EXISTS order_locks (
        order_number VARCHAR(64) PRIMARY KEY, version INTEGER NOT NULL)""",
]
V1_ROWS = [
    """INSERT INTO idempotency_keys VALUES
        ('c|agent|requestRefund', 'key-1', 'f', 'done', 'rr_old', '{"workflow": "rr_old"}',
         0, 1700000000)""",
    """INSERT INTO workflows (id, kind, status, order_number, order_id, channel, amount,
        currency, reason, requested_by, requested_client, approved_by, payload, outcome,
        lease_until, created_at, updated_at) VALUES
        ('rr_old', 'refund', 'PARKED', '#1001', 'shopify:Order:1', 'web', '12.50', 'USD',
         'DAMAGED', 'agent', 'c', NULL, '{}', NULL, 0, 1700000000, 1700000001)""",
    """INSERT INTO workflow_steps VALUES
        ('rr_old', 0, 'oms.refund', 'oms', 'DONE', 1, NULL, '{"refundId": 7}', 1700000001)""",
    """INSERT INTO audit_log (at, actor, client, action, decision, detail, workflow_id,
        order_number, correlation_id) VALUES
        (1700000000, 'agent', 'c', 'refund.requested', 'approved', NULL, 'rr_old', '#1001',
         'req-1')""",
    "INSERT INTO outbox (at, topic, payload) VALUES (1700000000, 'refund.parked', '{}')",
    "INSERT INTO order_locks VALUES ('#1001', 3)",
]


async def _postgres_or_skip() -> None:
    engine = create_async_engine(engine_url(POSTGRES))
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"PostgreSQL required under CI: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A journal URL over nothing at all: a new SQLite file, or a PostgreSQL schema name
    that does not exist yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix='order360-')}/journal.db"
        return
    await _postgres_or_skip()
    schema = f"order360_mig_{uuid.uuid4().hex[:10]}"
    yield f"{POSTGRES}?schema={schema}"
    engine = create_async_engine(engine_url(POSTGRES))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def _schema(url: str) -> str | None:
    return url.split("?schema=", 1)[1] if "?schema=" in url else None


def _engine(url: str) -> AsyncEngine:
    """A plain engine on the journal's database (and schema), outside the journal."""
    schema = _schema(url)
    if schema is None:
        return create_async_engine(engine_url(url))
    return create_async_engine(
        engine_url(url), connect_args={"server_settings": {"search_path": schema}}
    )


async def _versions(url: str) -> list[str]:
    engine = _engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            return [row.version_num for row in rows]
    finally:
        await engine.dispose()


async def test_replicas_starting_together_agree(fresh_url: str) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        journals = await asyncio.gather(*(Journal.open(fresh_url) for _ in range(REPLICAS)))
    try:
        assert [j.revision for j in journals] == [head_revision()] * REPLICAS
        assert await _versions(fresh_url) == [head_revision()]
        assert all([await j.ping() for j in journals])
    finally:
        for journal in journals:
            await journal.close()


_REPLICA = """
import asyncio, sys
from sources.journal import Journal

async def main() -> None:
    sys.stdin.readline()  # start together: every replica has imported everything by now
    journal = await Journal.open(sys.argv[1])
    print(journal.revision)
    await journal.close()

asyncio.run(main())
"""


async def test_replica_processes_starting_together_agree(fresh_url: str) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        replicas = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                _REPLICA,
                fresh_url,
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(REPLICAS)
        ]
        for replica in replicas:
            assert replica.stdin is not None
            replica.stdin.write(b"go\n")
        outcomes = [await replica.communicate() for replica in replicas]
    for replica, (out, err) in zip(replicas, outcomes, strict=True):
        assert replica.returncode == 0, err.decode()
        assert out.decode().strip() == head_revision()
    assert await _versions(fresh_url) == [head_revision()]


async def _make_v1(url: str) -> None:
    """A journal exactly as the first migrator made it, with a row in every table."""
    engine = _engine(url)
    schema = _schema(url)
    serial = "INTEGER" if url.startswith("sqlite") else "SERIAL"
    try:
        async with engine.begin() as conn:
            if schema is not None:
                await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            await conn.execute(sa.text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
            for statement in V1_DDL:
                await conn.execute(sa.text(statement.replace("{serial}", serial)))
            await conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (1)"))
            for statement in V1_ROWS:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = _engine(url)
    tables = ["idempotency_keys", "workflow_steps", "audit_log", "outbox", "order_locks"]
    try:
        async with engine.connect() as conn:
            dump = {
                table: [tuple(row) for row in await conn.execute(sa.text(f"SELECT * FROM {table}"))]
                for table in tables
            }
            workflow = await conn.execute(
                sa.text(
                    "SELECT id, status, amount, payload, retries, next_attempt_at, last_error "
                    "FROM workflows"
                )
            )
            dump["workflows"] = [tuple(row) for row in workflow]
            legacy = await conn.execute(sa.text("SELECT version FROM schema_version"))
            dump["schema_version"] = [tuple(row) for row in legacy]
            return dump
    finally:
        await engine.dispose()


async def test_v1_journal_is_adopted_with_its_rows(fresh_url: str) -> None:
    await _make_v1(fresh_url)
    async with asyncio.timeout(HANG_GUARD_S):
        journal = await Journal.open(fresh_url)
    try:
        assert journal.revision == head_revision()
        dump = await _dump(fresh_url)
        assert dump["workflows"] == [("rr_old", "PARKED", "12.50", "{}", 0, None, None)]
        assert [row[:5] for row in dump["idempotency_keys"]] == [
            ("c|agent|requestRefund", "key-1", "f", "done", "rr_old")
        ]
        assert [row[:3] for row in dump["workflow_steps"]] == [("rr_old", 0, "oms.refund")]
        assert [row[0] for row in dump["audit_log"]] == [1]
        assert [row[2] for row in dump["outbox"]] == ["refund.parked"]
        assert dump["order_locks"] == [("#1001", 3)]
        # Left as it was, so a replica of the previous release still sees "version 1".
        assert dump["schema_version"] == [(1,)]
        # The journal reads its old rows through today's tables.
        record = await journal.workflow("rr_old")
        assert record is not None
        assert record.status == "PARKED"
        assert [w.id for w in await journal.due(time.time(), 30.0, 10)] == ["rr_old"]
        audit = await journal.audit_for(workflow_id="rr_old")
        assert [entry.correlation_id for entry in audit] == ["req-1"]
    finally:
        await journal.close()
    # Opening again changes nothing.
    again = await Journal.open(fresh_url)
    await again.close()
    assert await _versions(fresh_url) == [head_revision()]


async def test_revisions_build_exactly_the_declared_tables(fresh_url: str) -> None:
    journal = await Journal.open(fresh_url)
    await journal.close()
    engine = _engine(fresh_url)

    def same_storage(
        context: MigrationContext,
        inspected_column: Any,
        metadata_column: Any,
        inspected_type: Any,
        metadata_type: Any,
    ) -> bool | None:
        # SQLite stores every floating type as REAL and reflects it so; else Alembic decides.
        if context.dialect.name == "sqlite" and isinstance(metadata_type, sa.Float):
            return not isinstance(inspected_type, sa.REAL)
        return None

    def differences(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": same_storage, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_downgrade_to_0001_and_back(fresh_url: str) -> None:
    journal = await Journal.open(fresh_url)
    await journal.close()
    engine = _engine(fresh_url)
    schema = _schema(fresh_url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c, schema), "0001"))
            await conn.commit()
        assert await _versions(fresh_url) == ["0001"]
        journal = await Journal.open(fresh_url)
        assert journal.revision == head_revision()
        await journal.close()
    finally:
        await engine.dispose()
