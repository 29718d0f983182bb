"""Audit entries written by the governed processes."""

from __future__ import annotations

from datetime import datetime

import strawberry

__all__ = ["AuditEntry"]


@strawberry.type(description="Who did what, when, under which correlation id.")
class AuditEntry:
    """One audit record."""

    at: datetime = strawberry.field(description="When it happened (UTC).")
    actor: str = strawberry.field(description="The principal (token subject) who acted.")
    action: str = strawberry.field(description="e.g. refund.requested, refund.approved.")
    detail: str | None = strawberry.field(description="What was decided, in words.")
    correlation_id: str = strawberry.field(description="The X-Request-ID of the request.")
    workflow_id: str | None = strawberry.field(
        default=None, description="The workflow the entry is about, if any."
    )
