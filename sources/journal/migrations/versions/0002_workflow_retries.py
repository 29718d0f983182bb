"""What the workflow engine needs next: per-workflow retry state and the queues' indexes.

``next_attempt_at`` says when a parked workflow may be retried, ``retries`` how often it
was, ``last_error`` why the last attempt failed. The indexes serve the operators' queue
(by status, then when due), the newest-first listing, and the audit search by
correlation id.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the retry columns and the three indexes."""
    # ALTER TABLE ADD COLUMN on both dialects (no table copy): SQLite accepts NOT NULL
    # with a constant default, and PostgreSQL 11+ adds it without rewriting the table.
    op.add_column("workflows", sa.Column("next_attempt_at", sa.DOUBLE_PRECISION()))
    op.add_column(
        "workflows",
        sa.Column("retries", sa.Integer, nullable=False, server_default=sa.text("0")),
    )
    op.add_column("workflows", sa.Column("last_error", sa.Text))
    op.create_index("workflows_by_status", "workflows", ["status", "next_attempt_at"])
    op.create_index("workflows_by_created", "workflows", ["created_at"])
    op.create_index("audit_by_correlation", "audit_log", ["correlation_id"])


def downgrade() -> None:
    """Back to revision 0001."""
    op.drop_index("audit_by_correlation", "audit_log")
    op.drop_index("workflows_by_created", "workflows")
    op.drop_index("workflows_by_status", "workflows")
    # SQLite 3.35+ drops columns in place; batch mode would copy the table instead.
    with op.batch_alter_table("workflows") as batch:
        batch.drop_column("last_error")
        batch.drop_column("retries")
        batch.drop_column("next_attempt_at")
