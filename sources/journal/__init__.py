"""The process journal: idempotency records, workflow state, audit log, outbox."""

from .records import AuditRecord, Claim, ClaimKind, StepRecord, WorkflowRecord
from .store import RETENTION_S, Journal, engine_url

__all__ = [
    "RETENTION_S",
    "AuditRecord",
    "Claim",
    "ClaimKind",
    "Journal",
    "StepRecord",
    "WorkflowRecord",
    "engine_url",
]
