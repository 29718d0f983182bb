"""Alembic's environment for the journal: always online, on the connection it is handed.

``migrations.upgrade`` puts an open SQLAlchemy ``Connection`` (inside the transaction
that holds the migration lock) in ``config.attributes["connection"]`` and the PostgreSQL
schema, if any, in ``attributes["schema"]``. There is no URL and no ``alembic.ini``: the
journal decides where it lives, and the lock must cover the whole run.
"""

from __future__ import annotations

from alembic import context

from sources.journal.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the journal's migrations through Journal.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table_schema=context.config.attributes.get("schema"),
)
# The caller's transaction is already open, so this runs inside it (no commit here).
with context.begin_transaction():
    context.run_migrations()
