"""Rows of the journal as values."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["AuditRecord", "Claim", "ClaimKind", "StepRecord", "WorkflowRecord"]


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
    status: str
    attempts: int
    last_error: str | None = None
    result: dict[str, Any] | None = None
    at: float | None = None


@dataclass(frozen=True, slots=True)
class WorkflowRecord:
    """A governed process instance (refund, replacement, case)."""

    id: str
    kind: str
    status: str
    order_number: str
    order_id: str
    channel: str
    amount: Decimal
    currency: str
    reason: str
    requested_by: str
    requested_client: str
    approved_by: str | None
    payload: dict[str, Any]
    outcome: dict[str, Any] | None
    created_at: float
    updated_at: float


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
