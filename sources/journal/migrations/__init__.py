"""The journal's versioned schema: Alembic revisions applied at start-up, under a lock.

``upgrade(connection, schema)`` runs inside one transaction on the caller's connection:

1. take the migration lock: ``pg_advisory_xact_lock(ADVISORY_LOCK_KEY)`` on PostgreSQL
   (released when the transaction ends), ``BEGIN IMMEDIATE`` on SQLite (the file's
   write lock); replicas that start together queue here, and each finds the schema as
   the first one left it;
2. on PostgreSQL, create the ``?schema=`` schema if needed (inside the lock, so two
   replicas do not race ``CREATE SCHEMA``);
3. adopt a journal made by the first migrator (a ``schema_version`` table holding
   version 1 and no ``alembic_version``): stamp it at revision 0001, touching no row;
4. upgrade to the head revision (``versions/``).

The caller commits. ``schema_version`` is left as it was, so a replica of the previous
release that starts during a rolling upgrade still finds "version 1" and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = [
    "ADVISORY_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "head_revision",
    "upgrade",
]

# One fixed key for every journal in a database: migrations of different ?schema=
# journals queue behind each other too, which costs nothing and keeps the key obvious.
ADVISORY_LOCK_KEY = int.from_bytes(b"o360jrnl", "big")
_HERE = Path(__file__).resolve().parent


def alembic_config(connection: sa.Connection | None = None, schema: str | None = None) -> Config:
    """Alembic's configuration for the journal, on ``connection`` (for ``alembic.command``).

    The caller holds the transaction (and, to be safe against replicas, the lock).
    """
    config = Config(attributes={"connection": connection, "schema": schema})
    # set_main_option interpolates %(name)s: a path is taken literally.
    config.set_main_option("script_location", str(_HERE).replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the journal ships no migrations")
    return head


def current_revision(connection: sa.Connection, schema: str | None) -> str | None:
    """The revision the database is at (``None``: not under Alembic yet)."""
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


def _lock(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
    else:
        # pysqlite opens transactions only before DML, so this BEGIN is the transaction
        # every statement below runs in, and the caller's commit ends it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _legacy_version(connection: sa.Connection, schema: str | None) -> int | None:
    if not sa.inspect(connection).has_table("schema_version", schema=schema):
        return None
    table = sa.table("schema_version", sa.column("version"), schema=schema)
    found = connection.execute(sa.select(sa.func.max(table.c.version))).scalar()
    return int(found or 0)


def upgrade(connection: sa.Connection, schema: str | None = None) -> str:
    """Bring the journal to the head revision under the lock; returns the revision."""
    _lock(connection)
    if schema is not None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    config = alembic_config(connection, schema)
    if current_revision(connection, schema) is None:
        legacy = _legacy_version(connection, schema)
        if legacy == 1:
            command.stamp(config, "0001")
        elif legacy is not None:
            raise RuntimeError(f"unknown journal schema_version {legacy}: refusing to migrate")
    command.upgrade(config, "head")
    revision = current_revision(connection, schema)
    if revision is None:
        raise RuntimeError("the journal's migrations left no revision")
    return revision
