"""The journal's tables: the one declaration the code queries with.

The database gets them from the Alembic revisions in ``migrations/versions`` (written by
hand, applied at start-up); every change here comes with a revision that makes it, and
``tests/sources/test_migrations.py`` fails when the two disagree.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["audit", "idempotency", "metadata", "order_locks", "outbox", "steps", "workflows"]

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
    sa.Column("lease_until", sa.Double, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
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
    sa.Column("lease_until", sa.Double, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    # Retry state of parked workflows (revision 0002): the background runner's backoff.
    sa.Column("next_attempt_at", sa.Double),
    sa.Column("retries", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", sa.Text),
    sa.Index("workflows_by_order", "order_number", "status"),
    sa.Index("workflows_by_status", "status", "next_attempt_at"),
    sa.Index("workflows_by_created", "created_at"),
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
    sa.Column("at", sa.Double),
)

audit = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("client", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("decision", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("workflow_id", sa.String(64)),
    sa.Column("order_number", sa.String(64)),
    sa.Column("correlation_id", sa.String(128), nullable=False),
    sa.Index("audit_by_order", "order_number"),
    sa.Index("audit_by_workflow", "workflow_id"),
    sa.Index("audit_by_correlation", "correlation_id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("published_at", sa.Double),
    # Revision 0003: the CloudEvent's id (the broker's message id; NULL on rows written
    # before events had one) and the key the relay keeps events in order by (the order).
    sa.Column("event_id", sa.String(36)),
    sa.Column("order_key", sa.String(200), nullable=False, server_default=sa.text("''")),
    sa.Index("outbox_pending", "published_at", "id"),
    sa.Index("outbox_by_order", "order_key", "id"),
)

order_locks = sa.Table(
    "order_locks",
    metadata,
    sa.Column("order_number", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
