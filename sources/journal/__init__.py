"""The process journal: idempotency records, workflow state, audit log, outbox.

``Journal.open(url, timeout_s=…)`` connects and migrates (Alembic, under a lock); every
operation answers within ``timeout_s`` or raises ``JournalUnavailable``.
"""

from .errors import JournalUnavailable
from .events import Backlog
from .records import (
    AuditRecord,
    Claim,
    ClaimKind,
    Reservation,
    StepRecord,
    StepStatus,
    WorkflowKind,
    WorkflowRecord,
    WorkflowStatus,
)
from .stats import WorkflowCount
from .store import DEFAULT_TIMEOUT_S, RETENTION_S, Journal, engine_url
from .workflows import OPEN_STATUSES, Page

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "OPEN_STATUSES",
    "RETENTION_S",
    "AuditRecord",
    "Backlog",
    "Claim",
    "ClaimKind",
    "Journal",
    "JournalUnavailable",
    "Page",
    "Reservation",
    "StepRecord",
    "StepStatus",
    "WorkflowCount",
    "WorkflowKind",
    "WorkflowRecord",
    "WorkflowStatus",
    "engine_url",
]
