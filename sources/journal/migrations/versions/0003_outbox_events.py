"""CloudEvents in the outbox: each row's event id and the order it belongs to.

``event_id`` is the id of the CloudEvent in ``payload`` (the broker de-duplicates by it);
rows written before stay NULL and the relay derives a stable id from the row id.
``order_key`` (the event's subject, the order) lets the relays of several replicas keep
each order's events in order; old rows share the empty key, so they keep theirs. The
indexes serve the relay's claim of the oldest unpublished rows and its per-order check.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the two columns and the relay's indexes."""
    op.add_column("outbox", sa.Column("event_id", sa.String(36)))
    op.add_column(
        "outbox",
        sa.Column("order_key", sa.String(200), nullable=False, server_default=sa.text("''")),
    )
    op.create_index("outbox_pending", "outbox", ["published_at", "id"])
    op.create_index("outbox_by_order", "outbox", ["order_key", "id"])


def downgrade() -> None:
    """Back to revision 0002."""
    op.drop_index("outbox_by_order", "outbox")
    op.drop_index("outbox_pending", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("order_key")
        batch.drop_column("event_id")
