"""Operators' view of the governed processes: workflows, their queues and pages.

Lists are newest first and cursor-paged on (created_at, id), so a page boundary never
skips or repeats a workflow while new ones arrive. Every list applies tenancy: a
partner's principal only ever sees workflows of its own channel.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import WorkflowKind as WorkflowKindModel
from sources import WorkflowRecord
from sources import WorkflowStatus as WorkflowStatusModel

from ..context import Info
from ..errors import BadUserInput
from ..loads import Load, reads
from .audit import AuditEntry
from .connection import PageInfo
from .process import (
    RefundRequest,
    WorkflowStep,
    at,
    audit_entries,
    workflow_steps,
)

if TYPE_CHECKING:
    from .order import Order

__all__ = [
    "MAX_QUEUE_PAGE",
    "RefundRequestConnection",
    "Workflow",
    "WorkflowConnection",
    "workflow_page",
]

MAX_QUEUE_PAGE = 100


@strawberry.type(description="A governed process: a refund, replacement, case or comment.")
class Workflow:
    """One workflow as the journal knows it."""

    record: strawberry.Private[WorkflowRecord]

    @strawberry.field(description="Workflow id (rr_…, rp_…, cs_…, cc_…).")
    def id(self) -> strawberry.ID:
        """The id."""
        return strawberry.ID(self.record.id)

    @strawberry.field(description="What kind of process.")
    def kind(self) -> WorkflowKindModel:
        """The kind."""
        return self.record.kind

    @strawberry.field(description="Where it stands.")
    def status(self) -> WorkflowStatusModel:
        """The status."""
        return self.record.status

    @strawberry.field(description='The order it is about, e.g. "#1001".')
    def order_number(self) -> str:
        """The canonical order number."""
        return self.record.order_number

    @strawberry.field(description="The order, live from the OMS.", metadata=reads(Load.OMS_ORDER))
    async def order(self, info: Info) -> Annotated[Order, strawberry.lazy(".order")] | None:
        """Null when the order cannot be found."""
        from ..errors import BadUserInput, OrderNotFound
        from ..lookup import find_order

        if not self.record.order_number.startswith("#"):
            return None
        try:
            return await find_order(info, number=self.record.order_number)
        except (OrderNotFound, BadUserInput):  # a case about no order, or one now gone
            return None

    @strawberry.field(description="Who asked (token subject).")
    def requested_by(self) -> str:
        """Requester."""
        return self.record.requested_by

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        """Creation time (UTC)."""
        return at(self.record.created_at) or datetime.now(UTC)

    @strawberry.field(description="When it last changed.")
    def updated_at(self) -> datetime:
        """Last change (UTC)."""
        return at(self.record.updated_at) or datetime.now(UTC)

    @strawberry.field(description="Why it is parked, compensated or needs attention (coded).")
    def last_error(self) -> str | None:
        """The reason of the last failure, if it rests because of one."""
        return self.record.last_error

    @strawberry.field(description="Background retries so far.")
    def retries(self) -> int:
        """How often the background runner tried it."""
        return self.record.retries

    @strawberry.field(description="When a parked workflow is retried next.")
    def next_attempt_at(self) -> datetime | None:
        """Next background attempt (UTC)."""
        return at(self.record.next_attempt_at)

    @strawberry.field(description="Its steps in order.", metadata=reads(Load.JOURNAL))
    async def steps(self, info: Info) -> list[WorkflowStep]:
        """The steps and how each went."""
        return await workflow_steps(info, self.record.id)

    @strawberry.field(
        description="Every decision about it, oldest first.", metadata=reads(Load.JOURNAL)
    )
    async def audit(self, info: Info) -> list[AuditEntry]:
        """Audit entries."""
        return await audit_entries(info, workflow_id=self.record.id)


@strawberry.type(description="One workflow in a page.")
class WorkflowEdge:
    """Edge of a workflow page."""

    cursor: str = strawberry.field(description="Opaque position, for `after`.")
    node: Workflow = strawberry.field(description="The workflow.")


@strawberry.type(description="A page of workflows, newest first.")
class WorkflowConnection:
    """Relay connection of workflows."""

    edges: list[WorkflowEdge] = strawberry.field(description="The workflows of this page.")
    page_info: PageInfo = strawberry.field(description="Where the page ends.")


@strawberry.type(description="One refund request in a page.")
class RefundRequestEdge:
    """Edge of a refund request page."""

    cursor: str = strawberry.field(description="Opaque position, for `after`.")
    node: RefundRequest = strawberry.field(description="The refund request.")


@strawberry.type(description="A page of refund requests, newest first.")
class RefundRequestConnection:
    """Relay connection of refund requests."""

    edges: list[RefundRequestEdge] = strawberry.field(description="The requests of this page.")
    page_info: PageInfo = strawberry.field(description="Where the page ends.")


def _cursor(record: WorkflowRecord) -> str:
    raw = f"{record.created_at!r}|{record.id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _position(cursor: str) -> tuple[float, str]:
    try:
        at_text, _, last_id = (
            base64.urlsafe_b64decode(cursor.encode("ascii")).decode().partition("|")
        )
        return float(at_text), last_id
    except (UnicodeError, ValueError, binascii.Error) as exc:
        raise BadUserInput("after is not a cursor of this list.") from exc


async def workflow_page(
    info: Info,
    *,
    first: int,
    after: str | None,
    status: WorkflowStatusModel | None,
    kinds: list[WorkflowKindModel] | None,
) -> tuple[list[tuple[str, WorkflowRecord]], PageInfo]:
    """One newest-first page of the workflows the caller may see, with cursors."""
    if not 0 < first <= MAX_QUEUE_PAGE:
        raise BadUserInput(f"first must be between 1 and {MAX_QUEUE_PAGE}.")
    context = info.context
    env = context.processes
    if env is None:
        return [], PageInfo(has_next_page=False, end_cursor=None)
    rows = await env.journal.workflows_page(
        limit=first + 1,
        after=_position(after) if after else None,
        statuses=[status] if status is not None else None,
        kinds=kinds,
        channel=context.policy.channel_filter(context.principal),
    )
    page = rows[:first]
    edges = [(_cursor(r), r) for r in page]
    return edges, PageInfo(
        has_next_page=len(rows) > first, end_cursor=edges[-1][0] if edges else None
    )
