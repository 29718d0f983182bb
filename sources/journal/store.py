"""The durable journal: idempotency keys, workflows and steps, audit log, outbox.

SQLAlchemy 2 async Core over SQLite (aiosqlite, the zero-set-up default) or PostgreSQL
(asyncpg, for several replicas): the same statements on both. Keys are claimed with a
single INSERT (the primary key decides, no check-then-act); in-flight claims carry a
lease so a crashed request cannot block its key forever; refunds on one order are
serialised by a lock row taken inside the transaction that reserves their amount.

Every operation is bounded by ``timeout_s`` (``bounded.py``): the driver gets it as its
connect, statement, pool-wait and SQLite busy timeouts, and the operation as a whole
fails with ``JournalUnavailable`` once it has passed. The schema is brought to the head
Alembic revision by ``migrate()`` under a lock (``migrations/``); until that has
succeeded in this process, every operation raises ``JournalUnavailable`` at once.

Use::

    journal = await Journal.open("postgresql://db/order360?schema=journal", timeout_s=2.0)

or, to start serving while the database is still away, ``Journal.create(url)`` and call
``migrate()`` until it stops raising ``JournalUnavailable`` (the gateway's lifespan does).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from . import migrations
from .bounded import Bound, bound_operations
from .claims import RETENTION_S, Claims
from .errors import JournalUnavailable
from .stats import WorkflowStats
from .workflows import Workflows

__all__ = ["DEFAULT_TIMEOUT_S", "MIGRATION_TIMEOUT_S", "RETENTION_S", "Journal", "engine_url"]

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 2.0
# A migration may wait for another replica's (the lock) and build indexes on big tables:
# it gets its own, longer bound. Connecting still fails after ``timeout_s``.
MIGRATION_TIMEOUT_S = 60.0


# Alembic's ``op`` and ``context`` are module-level proxies: two migrations running at once
# in one process (two journals, or the greenlets of one) would swap them under each other.
# The database lock covers other processes; this covers ours, one lock per event loop.
_process_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _migration_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _process_locks.get(loop)
    if lock is None:
        lock = _process_locks[loop] = asyncio.Lock()
    return lock


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


def _postgres_engine(
    url: str, schema: str | None, *, connect_s: float, command_s: float, **options: Any
) -> AsyncEngine:
    connect_args: dict[str, Any] = {"timeout": connect_s, "command_timeout": command_s}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(engine_url(url), connect_args=connect_args, **options)


@bound_operations
class Journal(Workflows, Claims, WorkflowStats):
    """All durable state of the governed processes.

    Every public operation inherited from ``Workflows`` and ``Claims`` answers within
    ``timeout_s`` or raises ``JournalUnavailable`` (applied by ``bound_operations``).
    """

    def __init__(self, engine: AsyncEngine, *, url: str, timeout_s: float) -> None:
        self._engine = engine
        self.dialect = engine.dialect.name
        self.timeout_s = timeout_s
        self._url = url
        self._schema = _schema_of(url) if self.dialect == "postgresql" else None
        self._bound = Bound(timeout_s)
        self._migration_bound = Bound(MIGRATION_TIMEOUT_S)
        self._migrated: str | None = None

    @classmethod
    def create(cls, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Journal:
        """A journal over ``url`` that has not connected yet (``migrate()`` before use)."""
        if url.startswith("sqlite"):
            options: dict[str, Any] = {
                # Writers queue for the file lock this long, then fail (busy timeout).
                "connect_args": {"timeout": timeout_s},
            }
            if ":memory:" not in url:
                options["pool_timeout"] = timeout_s  # a single-connection pool has no wait
            engine = create_async_engine(engine_url(url), **options)
        else:
            engine = _postgres_engine(
                url,
                _schema_of(url),
                connect_s=timeout_s,
                command_s=timeout_s,
                pool_timeout=timeout_s,
            )
        return cls(engine, url=url, timeout_s=timeout_s)

    @classmethod
    async def open(cls, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Journal:
        """Connect and bring the schema to the head revision (``JournalUnavailable`` if
        the database does not answer)."""
        journal = cls.create(url, timeout_s=timeout_s)
        try:
            await journal.migrate()
        except BaseException:
            await journal.close()
            raise
        return journal

    @property
    def revision(self) -> str | None:
        """The schema revision this process migrated to (``None`` until it has)."""
        return self._migrated

    async def close(self) -> None:
        """Release every connection."""
        await self._bound.close()
        await self._migration_bound.close(self.timeout_s)
        await self._engine.dispose()

    async def migrate(self) -> str:
        """Bring the schema to the head revision under the migration lock; returns it.

        Safe to run from any number of replicas at once: they queue on the lock, and
        each finds the schema as the previous one left it. Raises ``JournalUnavailable``
        when the database cannot be reached or the lock not had in time.
        """
        revision = await self._migration_bound.run(self._migrate)
        self._migrated = revision
        return revision

    async def _migrate(self) -> str:
        async with _migration_lock():
            return await self._migrate_locked()

    async def _migrate_locked(self) -> str:
        if self.dialect == "postgresql":
            # Its own connection without the short statement timeout: the lock wait and
            # index builds may take longer than one request's bound.
            engine = _postgres_engine(
                self._url,
                self._schema,
                connect_s=self.timeout_s,
                command_s=MIGRATION_TIMEOUT_S,
                poolclass=NullPool,
            )
            try:
                async with engine.connect() as conn:
                    revision = await conn.run_sync(migrations.upgrade, self._schema)
                    await conn.commit()
            finally:
                await engine.dispose()
            return revision
        # SQLite: the journal's own engine (an in-memory journal has one connection), with
        # a busy timeout long enough to queue behind another process's migration.
        async with self._engine.connect() as conn:
            await conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(MIGRATION_TIMEOUT_S * 1000)}")
            try:
                revision = await conn.run_sync(migrations.upgrade, None)
                await conn.commit()
            finally:
                await conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        return revision

    async def ping(self) -> bool:
        """Whether the store answers within the bound and is migrated (readiness)."""
        if self._migrated is None:
            return False
        try:
            await self._bounded(self._select_one)
        except JournalUnavailable:
            return False
        return True

    async def _select_one(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def _bounded(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run one operation within the bound (``bounded.Bounded``)."""
        if self._migrated is None:
            raise JournalUnavailable("the schema is not migrated yet")
        return await self._bound.run(operation)
