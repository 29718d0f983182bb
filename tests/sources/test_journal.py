"""The journal's atomic claims and leases, on SQLite and (where reachable) PostgreSQL;
and its bounds: every operation answers in time or raises ``JournalUnavailable``."""

from __future__ import annotations

import asyncio
import inspect
import os
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from sources import JournalUnavailable as ExportedJournalUnavailable
from sources.journal import AuditRecord, ClaimKind, Journal, JournalUnavailable, engine_url
from sources.journal.bounded import is_bounded
from sources.journal.errors import is_unavailability
from tests.silent_tcp import SilentProxy

POSTGRES = os.environ.get("ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
async def journal(request: pytest.FixtureRequest) -> AsyncIterator[Journal]:
    if request.param == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/j.db"
    else:
        url = f"{POSTGRES}?schema=order360_unit_{uuid.uuid4().hex[:10]}"
    try:
        opened = await Journal.open(url)
    except JournalUnavailable as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield opened
    await opened.close()
    if request.param == "postgresql":
        engine = create_async_engine(engine_url(url))
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{url.rsplit("=", 1)[1]}" CASCADE'))
        await engine.dispose()


def test_engine_urls() -> None:
    assert engine_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert engine_url("postgresql://u@h:5432/db?schema=s") == "postgresql+asyncpg://u@h:5432/db"
    with pytest.raises(ValueError, match="unsupported"):
        engine_url("mysql://h/db")


async def test_claim_replay_reuse_and_in_use(journal: Journal) -> None:
    key = uuid.uuid4().hex
    assert (await journal.claim("s", key, "f1", 30)).kind is ClaimKind.NEW
    assert (await journal.claim("s", key, "f1", 30)).kind is ClaimKind.IN_USE
    assert (await journal.claim("s", key, "f2", 30)).kind is ClaimKind.REUSED
    assert (await journal.claim("other", key, "f1", 30)).kind is ClaimKind.NEW
    await journal.finish_claim("s", key, "wf_1", '{"workflow": "wf_1"}')
    replay = await journal.claim("s", key, "f1", 30)
    assert replay.kind is ClaimKind.REPLAY
    assert replay.workflow_id == "wf_1"


async def test_concurrent_claims_have_one_winner(journal: Journal) -> None:
    key = uuid.uuid4().hex
    claims = await asyncio.gather(*(journal.claim("s", key, "f", 30) for _ in range(10)))
    assert sum(c.kind is ClaimKind.NEW for c in claims) == 1


async def test_expired_lease_is_resumed_once(journal: Journal) -> None:
    key = uuid.uuid4().hex
    assert (await journal.claim("s", key, "f", 0.2)).kind is ClaimKind.NEW
    await journal.bind_claim("s", key, "wf_9")
    await asyncio.sleep(0.3)
    takers = await asyncio.gather(*(journal.claim("s", key, "f", 30) for _ in range(5)))
    resumed = [c for c in takers if c.kind is ClaimKind.RESUME]
    assert len(resumed) == 1
    assert resumed[0].workflow_id == "wf_9"


async def test_released_claim_can_be_claimed_again(journal: Journal) -> None:
    key = uuid.uuid4().hex
    await journal.claim("s", key, "f", 30)
    await journal.release_claim("s", key)
    assert (await journal.claim("s", key, "other-input", 30)).kind is ClaimKind.NEW
    assert await journal.ping()


# --- bounds ---------------------------------------------------------------------------

HANG_GUARD_S = 60  # only so a regression cannot hang the suite; never a speed check


def _audit() -> AuditRecord:
    return AuditRecord(
        at=0.0,
        actor="a",
        client="c",
        action="x",
        decision="y",
        detail=None,
        workflow_id=None,
        order_number="#1",
        correlation_id="r",
    )


async def _locked_reserve(journal: Journal) -> Any:
    async with journal.order_lock("#1") as conn:
        return await journal.reserved(conn, "#1")


# One call of every kind of operation: claims, workflow reads and writes, the lock, audit.
OPERATIONS: list[Callable[[Journal], Awaitable[Any]]] = [
    lambda j: j.claim("s", uuid.uuid4().hex, "f", 30),
    lambda j: j.finish_claim("s", "k", "wf", "{}"),
    lambda j: j.workflow("wf"),
    lambda j: j.steps_of("wf"),
    lambda j: j.lease("wf", ("APPROVED",), 30),
    lambda j: j.due(0.0, 30.0, 10),
    lambda j: j.workflows_page(limit=10),
    lambda j: j.postpone("wf", 0.0),
    lambda j: j.reserved_now("#1"),
    _locked_reserve,
    lambda j: j.audit(_audit()),
    lambda j: j.audit_for(order_number="#1"),
    lambda j: j.unpublished(),
]


def test_every_public_operation_is_bounded() -> None:
    own = {"create", "open", "close", "migrate", "ping"}  # bound themselves
    operations = [
        name
        for name, member in inspect.getmembers(Journal, inspect.isfunction)
        if not name.startswith("_") and name not in own
    ]
    assert "claim" in operations
    assert "order_lock" in operations
    assert [name for name in operations if not is_bounded(getattr(Journal, name))] == []
    assert ExportedJournalUnavailable is JournalUnavailable


def test_what_counts_as_unavailable() -> None:
    assert is_unavailability(TimeoutError())
    assert is_unavailability(ConnectionRefusedError())
    locked = sqlite3.OperationalError("database is locked")
    assert is_unavailability(sa.exc.OperationalError("INSERT", {}, locked))
    # A broken constraint or a bad statement is a bug or a race the caller handles.
    assert not is_unavailability(sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError()))
    assert not is_unavailability(sa.exc.ProgrammingError("SELECT", {}, sqlite3.ProgrammingError()))
    assert not is_unavailability(ValueError("x"))


async def test_unmigrated_journal_refuses_every_operation() -> None:
    journal = Journal.create(f"sqlite:///{tempfile.mkdtemp()}/j.db")
    try:
        for operation in OPERATIONS:
            with pytest.raises(JournalUnavailable, match="not migrated"):
                await operation(journal)
        assert not await journal.ping()
        assert journal.revision is None
    finally:
        await journal.close()


async def test_sqlite_file_locked_elsewhere_is_unavailable() -> None:
    path = f"{tempfile.mkdtemp()}/j.db"
    journal = await Journal.open(f"sqlite:///{path}", timeout_s=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process writing, for ever
        async with asyncio.timeout(HANG_GUARD_S):
            with pytest.raises(JournalUnavailable):
                await journal.claim("s", "k", "f", 30)
        holder.execute("ROLLBACK")
        assert (await journal.claim("s", "k", "f", 30)).kind is ClaimKind.NEW
    finally:
        holder.close()
        await journal.close()


async def test_black_hole_fails_open_within_its_bound() -> None:
    hole = SilentProxy(None)
    port = await hole.start()
    try:
        async with asyncio.timeout(HANG_GUARD_S):
            with pytest.raises(JournalUnavailable):
                await Journal.open(f"postgresql://nobody@127.0.0.1:{port}/db", timeout_s=0.3)
        assert hole.accepted >= 1
    finally:
        await hole.close()


async def _postgres_through(proxy: SilentProxy) -> tuple[str, str]:
    target = urlsplit(POSTGRES)
    port = await proxy.start()
    schema = f"order360_silent_{uuid.uuid4().hex[:10]}"
    user = target.username or "postgres"
    return f"postgresql://{user}@127.0.0.1:{port}{target.path}?schema={schema}", schema


async def test_silent_postgres_fails_every_operation_then_recovers() -> None:
    target = urlsplit(POSTGRES)
    proxy = SilentProxy((target.hostname or "127.0.0.1", target.port or 5432))
    url, schema = await _postgres_through(proxy)
    try:
        journal = await Journal.open(url, timeout_s=0.3)
    except JournalUnavailable as exc:
        await proxy.close()
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        async with asyncio.timeout(HANG_GUARD_S):
            assert (await journal.claim("s", "k", "f", 30)).kind is ClaimKind.NEW
            proxy.silence()
            for operation in OPERATIONS:
                with pytest.raises(JournalUnavailable):
                    await operation(journal)
            assert not await journal.ping()
            proxy.resume()
            for _attempt in range(100):  # the pool replaces what it lost; how soon varies
                if await journal.ping():
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the journal never answered again")
            assert (await journal.claim("s", "k2", "f", 30)).kind is ClaimKind.NEW
    finally:
        await journal.close()
        await proxy.close()
        engine = create_async_engine(engine_url(POSTGRES))
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()
