"""The durable journal: idempotency keys, workflows and steps, audit log, outbox.

SQLAlchemy 2 async Core over SQLite (aiosqlite, the zero-set-up default) or PostgreSQL
(asyncpg, for several replicas): the same statements on both. Keys are claimed with a
single INSERT (the primary key decides, no check-then-act); in-flight claims carry a
lease so a crashed request cannot block its key forever; refunds on one order are
serialised by a lock row taken inside the transaction that reserves their amount.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .claims import RETENTION_S, Claims
from .schema import MIGRATIONS
from .workflows import Workflows

__all__ = ["RETENTION_S", "Journal", "engine_url"]


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


class Journal(Workflows, Claims):
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
