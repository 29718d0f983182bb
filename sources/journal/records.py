"""Rows of the journal as values."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "AuditRecord",
    "Claim",
    "ClaimKind",
    "Reservation",
    "StepRecord",
    "StepStatus",
    "WorkflowKind",
    "WorkflowRecord",
    "WorkflowStatus",
]


class WorkflowKind(enum.StrEnum):
    """The kinds of governed process (stored as their values)."""

    REFUND = "refund"
    REPLACEMENT = "replacement"
    CASE = "case"
    CASE_COMMENT = "case_comment"


class WorkflowStatus(enum.StrEnum):
    """Where a workflow stands; the GraphQL enum of the same name mirrors it."""

    PENDING_APPROVAL = "PENDING_APPROVAL"  # waits for a second person
    APPROVED = "APPROVED"  # may run; nothing ran yet
    PROCESSING = "PROCESSING"  # a runner holds its lease
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"  # a supervisor said no; nothing ran
    FAILED = "FAILED"  # journals written before compensation existed; no longer produced
    PARKED = "PARKED"  # past its pivot, waiting for a retry that may succeed
    COMPENSATED = "COMPENSATED"  # failed before its pivot; what it did was undone
    NEEDS_ATTENTION = "NEEDS_ATTENTION"  # a retry cannot help: an operator must decide
    RESOLVED_MANUALLY = "RESOLVED_MANUALLY"  # an operator finished it by hand
    ABANDONED = "ABANDONED"  # an operator gave it up

    @property
    def resting(self) -> bool:
        """No runner is working on it: done, refused, or waiting for a person or a retry."""
        return self not in (WorkflowStatus.APPROVED, WorkflowStatus.PROCESSING)

    @property
    def final(self) -> bool:
        """Nothing more will happen to it."""
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {
        WorkflowStatus.COMPLETED,
        WorkflowStatus.REJECTED,
        WorkflowStatus.FAILED,
        WorkflowStatus.COMPENSATED,
        WorkflowStatus.RESOLVED_MANUALLY,
        WorkflowStatus.ABANDONED,
    }
)


class StepStatus(enum.StrEnum):
    """How one step of a workflow went."""

    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"
    PARKED = "PARKED"
    COMPENSATED = "COMPENSATED"
    SKIPPED = "SKIPPED"


class ClaimKind(enum.Enum):
    """What claiming an idempotency key found."""

    NEW = "NEW"  # the key is ours now: run the operation
    REPLAY = "REPLAY"  # same key, same input, finished: return the stored result
    REUSED = "REUSED"  # same key, different input: refuse
    IN_USE = "IN_USE"  # same key, same input, still running elsewhere
    RESUME = "RESUME"  # same key, same input, its lease expired: take over and finish it


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of claiming a key, with what a replay or a resume needs."""

    kind: ClaimKind
    workflow_id: str | None = None
    response: str | None = None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of a workflow and how it went."""

    position: int
    name: str
    system: str
    status: StepStatus
    attempts: int
    last_error: str | None = None
    result: dict[str, Any] | None = None
    at: float | None = None


@dataclass(frozen=True, slots=True)
class WorkflowRecord:
    """A governed process instance (refund, replacement, case)."""

    id: str
    kind: WorkflowKind
    status: WorkflowStatus
    order_number: str
    order_id: str
    channel: str
    amount: Decimal | None
    """Money the workflow moves; ``None`` for kinds that move none (cases)."""
    currency: str
    """The order's currency."""
    reason: str
    requested_by: str
    requested_client: str
    approved_by: str | None
    payload: dict[str, Any]
    outcome: dict[str, Any] | None
    created_at: float
    updated_at: float
    retries: int = 0
    """Background retries so far (for the backoff of parked work)."""
    next_attempt_at: float | None = None
    """When a parked workflow may be retried next."""
    last_error: str | None = None
    """Why it is parked, compensated or needs attention (coded, safe to show)."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who did what, when, with which decision, under which correlation id."""

    at: float
    actor: str
    client: str
    action: str
    decision: str
    detail: str | None
    workflow_id: str | None
    order_number: str | None
    correlation_id: str


@dataclass(frozen=True, slots=True)
class Reservation:
    """What open refund requests of one order hold before their money moved."""

    amount: Decimal = Decimal("0")
    lines: Mapping[str, int] = field(default_factory=dict)
    """Units held per OMS line id."""
