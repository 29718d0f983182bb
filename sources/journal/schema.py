"""The journal's tables and their versioned migrations.

Each migration is a list of DDL statements applied in one transaction and recorded in
``schema_version``; start-up applies the ones not yet recorded, so SQLite files and
PostgreSQL databases of any earlier version reach the current one. Written as plain
SQL that both dialects accept.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["MIGRATIONS", "audit", "idempotency", "metadata", "outbox", "steps", "workflows"]

metadata = sa.MetaData()

idempotency = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(300), primary_key=True),
    sa.Column("idem_key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("workflow_id", sa.String(64)),
    sa.Column("response", sa.Text),
    sa.Column("lease_until", sa.Float, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("order_number", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("amount", sa.String(32), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_client", sa.String(200), nullable=False),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text),
    sa.Column("lease_until", sa.Float, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("next_attempt_at", sa.Float),
    sa.Column("retries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
)

steps = sa.Table(
    "workflow_steps",
    metadata,
    sa.Column("workflow_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("system", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("result", sa.Text),
    sa.Column("at", sa.Float),
)

audit = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("client", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("decision", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("workflow_id", sa.String(64)),
    sa.Column("order_number", sa.String(64)),
    sa.Column("correlation_id", sa.String(128), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("published_at", sa.Float),
)

order_locks = sa.Table(
    "order_locks",
    metadata,
    sa.Column("order_number", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Version 1 creates every table above; later versions append statements here.
MIGRATIONS: list[list[str]] = [
    [
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
    ],
    [
        "ALTER TABLE workflows ADD COLUMN next_attempt_at DOUBLE PRECISION",
        "ALTER TABLE workflows ADD COLUMN retries INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE workflows ADD COLUMN last_error TEXT",
        "CREATE INDEX IF NOT EXISTS workflows_by_status ON workflows (status, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS workflows_by_created ON workflows (created_at)",
        "CREATE INDEX IF NOT EXISTS audit_by_correlation ON audit_log (correlation_id)",
    ],
]
