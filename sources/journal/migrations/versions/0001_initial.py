"""The journal as the first migrator left it (its version 1), table for table.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# The old DDL said DOUBLE PRECISION on both dialects; SQLite stores it as REAL either way.
_DOUBLE: sa.DOUBLE_PRECISION[float] = sa.DOUBLE_PRECISION()


def upgrade() -> None:
    """Create every table and index of schema version 1."""
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("idem_key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("workflow_id", sa.String(64)),
        sa.Column("response", sa.Text),
        sa.Column("lease_until", _DOUBLE, nullable=False),
        sa.Column("created_at", _DOUBLE, nullable=False),
        sa.PrimaryKeyConstraint("scope", "idem_key"),
    )
    op.create_table(
        "workflows",
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
        sa.Column("lease_until", _DOUBLE, nullable=False),
        sa.Column("created_at", _DOUBLE, nullable=False),
        sa.Column("updated_at", _DOUBLE, nullable=False),
    )
    op.create_index("workflows_by_order", "workflows", ["order_number", "status"])
    op.create_table(
        "workflow_steps",
        sa.Column("workflow_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("at", _DOUBLE),
        sa.PrimaryKeyConstraint("workflow_id", "position"),
    )
    op.create_table(
        "audit_log",
        # SERIAL on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite, as before.
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _DOUBLE, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("workflow_id", sa.String(64)),
        sa.Column("order_number", sa.String(64)),
        sa.Column("correlation_id", sa.String(128), nullable=False),
    )
    op.create_index("audit_by_order", "audit_log", ["order_number"])
    op.create_index("audit_by_workflow", "audit_log", ["workflow_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _DOUBLE, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("published_at", _DOUBLE),
    )
    op.create_table(
        "order_locks",
        sa.Column("order_number", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop everything (an empty journal)."""
    for table in (
        "order_locks",
        "outbox",
        "audit_log",
        "workflow_steps",
        "workflows",
        "idempotency_keys",
    ):
        op.drop_table(table)
