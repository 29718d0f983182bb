"""The process journal: idempotency records, workflow state, audit log, outbox."""

from .records import (
    AuditRecord,
    Claim,
    ClaimKind,
    StepRecord,
    StepStatus,
    WorkflowKind,
    WorkflowRecord,
    WorkflowStatus,
)
from .store import RETENTION_S, Journal, engine_url
from .workflows import OPEN_STATUSES, Page

__all__ = [
    "OPEN_STATUSES",
    "RETENTION_S",
    "AuditRecord",
    "Claim",
    "ClaimKind",
    "Journal",
    "Page",
    "StepRecord",
    "StepStatus",
    "WorkflowKind",
    "WorkflowRecord",
    "WorkflowStatus",
    "engine_url",
]
