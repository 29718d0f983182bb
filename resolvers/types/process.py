"""GraphQL face of the governed processes: inputs, payloads, refund requests, steps."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import Money as MoneyModel
from sources import WorkflowKind as WorkflowKindModel
from sources import WorkflowRecord
from sources import WorkflowStatus as WorkflowStatusModel

from ..context import Info
from ..loads import Load, reads
from ..processes import Problem
from .audit import AuditEntry
from .money import Money

if TYPE_CHECKING:
    from .order import Order

__all__ = [
    "CaseCommentInput",
    "MoneyInput",
    "OpenCaseInput",
    "RefundInput",
    "RefundLineInput",
    "RefundPreview",
    "RefundPreviewInput",
    "RefundReason",
    "RefundRequest",
    "ReplacementInput",
    "UserError",
    "WorkflowKind",
    "WorkflowResolution",
    "WorkflowStatus",
    "WorkflowStep",
    "at",
    "audit_entries",
]


@strawberry.enum(description="Why money goes back to the customer.")
class RefundReason(enum.Enum):
    """Refund reasons (mapped to ERP order reasons)."""

    DAMAGED = "DAMAGED"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_DELIVERED = "NOT_DELIVERED"
    LATE = "LATE"
    CUSTOMER_CHANGED_MIND = "CUSTOMER_CHANGED_MIND"
    GOODWILL = "GOODWILL"
    OTHER = "OTHER"


WorkflowStatus = strawberry.enum(
    WorkflowStatusModel,
    name="WorkflowStatus",
    description="Where a governed process stands. PARKED waits for a retry that may succeed "
    "(its money may already have moved); COMPENSATED failed before anything irreversible and "
    "was undone; NEEDS_ATTENTION needs an operator (replayWorkflow or resolveWorkflow).",
)
"""The journal's statuses, declared once in ``sources`` and exposed as they are."""

WorkflowKind = strawberry.enum(
    WorkflowKindModel,
    name="WorkflowKind",
    description="The kinds of governed process.",
)


@strawberry.enum(description="How an operator closes work that needs a person.")
class WorkflowResolution(enum.Enum):
    """resolveWorkflow outcomes."""

    RESOLVED_MANUALLY = "RESOLVED_MANUALLY"
    ABANDONED = "ABANDONED"


@strawberry.input(description="An exact amount in a currency.")
class MoneyInput:
    """Money as input."""

    amount: Decimal = strawberry.field(description='Exact amount, e.g. "5.00".')
    currency: str = strawberry.field(description="ISO 4217 code; must be the order's.")

    def model(self) -> MoneyModel:
        """The canonical amount."""
        return MoneyModel(self.amount, self.currency.upper())


@strawberry.input(description="A quantity of one order line.")
class RefundLineInput:
    """One line and how many of it."""

    line_id: strawberry.ID = strawberry.field(description="OrderLine.id (shopify:LineItem:<id>).")
    quantity: int = strawberry.field(description="How many units.")


@strawberry.input(description="Ask for a refund of lines or of an amount.")
class RefundInput:
    """requestRefund input."""

    order_number: str = strawberry.field(description='The order, e.g. "#1001".')
    lines: list[RefundLineInput] | None = strawberry.field(
        default=None, description="Either lines or amount."
    )
    amount: MoneyInput | None = strawberry.field(
        default=None, description="Either amount or lines."
    )
    reason: RefundReason = strawberry.field(description="Why.")
    note: str | None = strawberry.field(default=None, description="Free text for the records.")
    idempotency_key: str = strawberry.field(
        description="Required. The same key with the same input returns the first result."
    )


@strawberry.input(description="What a refund would do, without doing it.")
class RefundPreviewInput:
    """refundPreview input."""

    order_number: str = strawberry.field(description='The order, e.g. "#1001".')
    lines: list[RefundLineInput] | None = strawberry.field(default=None, description="Lines, or…")
    amount: MoneyInput | None = strawberry.field(default=None, description="…an amount.")


@strawberry.input(description="Replace damaged or wrong items.")
class ReplacementInput:
    """requestReplacement input."""

    order_number: str = strawberry.field(description='The order, e.g. "#1001".')
    lines: list[RefundLineInput] = strawberry.field(description="Lines to replace.")
    reason: RefundReason = strawberry.field(description="Why.")
    idempotency_key: str = strawberry.field(description="Required; see RefundInput.")


@strawberry.input(description="Open a service case about an order.")
class OpenCaseInput:
    """openCase input."""

    order_number: str = strawberry.field(description='The order, e.g. "#1001".')
    subject: str = strawberry.field(description="Subject line.")
    description: str | None = strawberry.field(default=None, description="Details.")
    priority: str | None = strawberry.field(default=None, description="High, Medium or Low.")
    idempotency_key: str = strawberry.field(description="Required; see RefundInput.")


@strawberry.input(description="Comment on a service case.")
class CaseCommentInput:
    """addCaseComment input."""

    case_number: str = strawberry.field(description="Case number, e.g. 00001027.")
    body: str = strawberry.field(description="The comment.")
    idempotency_key: str = strawberry.field(description="Required; see RefundInput.")


@strawberry.type(description="Why a request was refused, or what limits apply.")
class UserError:
    """A business-rule outcome, not a failure of the API."""

    field: list[str] | None = strawberry.field(description="Path of the input field concerned.")
    message: str = strawberry.field(description="For a person.")
    code: str = strawberry.field(
        description="NOT_ELIGIBLE, AMOUNT_EXCEEDS_REFUNDABLE, IDEMPOTENCY_KEY_REUSED, "
        "IDEMPOTENCY_KEY_IN_USE, APPROVAL_REQUIRED, FORBIDDEN, NOT_FOUND, CURRENCY_MISMATCH, "
        "BAD_USER_INPUT."
    )

    @classmethod
    def of(cls, problem: Problem) -> UserError:
        """Wrap a process problem."""
        field = list(problem.field) if problem.field else None
        return cls(field=field, message=problem.message, code=problem.code)


@strawberry.type(description="What a refund would do: eligibility, amount, approval.")
class RefundPreview:
    """refundPreview result."""

    eligible: bool = strawberry.field(description="No rule refuses it.")
    amount: Money = strawberry.field(description="What would be refunded.")
    refundable: Money = strawberry.field(description="What can still be refunded.")
    requires_approval: bool = strawberry.field(description="Above the approval threshold.")
    reasons: list[UserError] = strawberry.field(
        description="Why not eligible, or what limits apply; same codes as userErrors."
    )


def at(epoch: float | None) -> datetime | None:
    """An epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


@strawberry.type(description="One step of a governed process.")
class WorkflowStep:
    """A step and how it went."""

    name: str = strawberry.field(description="e.g. oms.refund, erp.credit_memo, crm.case_comment.")
    system: str = strawberry.field(description="oms, erp or crm.")
    status: str = strawberry.field(
        description="PENDING, DONE, FAILED, PARKED, COMPENSATED or SKIPPED."
    )
    attempts: int = strawberry.field(description="How often it ran.")
    last_error: str | None = strawberry.field(description="The last failure, coded.")
    at: datetime | None = strawberry.field(description="When it last ran.")


async def workflow_steps(info: Info, workflow_id: str) -> list[WorkflowStep]:
    """The steps of a workflow from the journal."""
    env = info.context.processes
    if env is None:
        return []
    return [
        WorkflowStep(
            name=s.name,
            system=s.system,
            status=s.status,
            attempts=s.attempts,
            last_error=s.last_error,
            at=at(s.at),
        )
        for s in await env.journal.steps_of(workflow_id)
    ]


async def audit_entries(
    info: Info,
    *,
    order_number: str | None = None,
    workflow_id: str | None = None,
    correlation_id: str | None = None,
) -> list[AuditEntry]:
    """Audit entries from the journal."""
    env = info.context.processes
    if env is None:
        return []
    found = await env.journal.audit_for(
        order_number=order_number, workflow_id=workflow_id, correlation_id=correlation_id
    )
    return [
        AuditEntry(
            at=at(a.at) or datetime.now(UTC),
            actor=a.actor,
            action=a.action,
            detail=f"{a.decision}: {a.detail}" if a.detail else a.decision,
            correlation_id=a.correlation_id,
            workflow_id=a.workflow_id,
        )
        for a in found
    ]


@strawberry.type(description="A refund as a governed process: state, steps and audit.")
class RefundRequest:
    """A refund request."""

    record: strawberry.Private[WorkflowRecord]

    @strawberry.field(description="Refund request id (rr_…).")
    def id(self) -> strawberry.ID:
        """The workflow id."""
        return strawberry.ID(self.record.id)

    @strawberry.field(description="The order refunded.", metadata=reads(Load.OMS_ORDER))
    async def order(self, info: Info) -> Annotated[Order, strawberry.lazy(".order")] | None:
        """Live from the OMS."""
        from ..errors import OrderNotFound
        from ..lookup import find_order

        try:
            return await find_order(info, number=self.record.order_number)
        except OrderNotFound:
            return None

    @strawberry.field(description="Where it stands.")
    def status(self) -> WorkflowStatusModel:
        """Workflow status."""
        return self.record.status

    @strawberry.field(description="How much.")
    def amount(self) -> Money:
        """Amount in the order's currency."""
        return Money(amount=self.record.amount or Decimal("0"), currency=self.record.currency)

    @strawberry.field(description="When it was requested.")
    def created_at(self) -> datetime:
        """Creation time (UTC)."""
        return at(self.record.created_at) or datetime.now(UTC)

    @strawberry.field(description="Why it is parked, compensated or needs attention (coded).")
    def last_error(self) -> str | None:
        """The reason of the last failure, if it rests because of one."""
        return self.record.last_error

    @strawberry.field(description="Why.")
    def reason(self) -> RefundReason:
        """The reason given."""
        return RefundReason(self.record.reason)

    @strawberry.field(description="Who asked (token subject).")
    def requested_by(self) -> str:
        """Requester."""
        return self.record.requested_by

    @strawberry.field(description="Who approved, when approval was needed.")
    def approved_by(self) -> str | None:
        """Approver."""
        return self.record.approved_by

    @strawberry.field(
        description="The steps across OMS, ERP and CRM.", metadata=reads(Load.JOURNAL)
    )
    async def steps(self, info: Info) -> list[WorkflowStep]:
        """In order."""
        return await workflow_steps(info, self.record.id)

    @strawberry.field(
        description="Every decision about this request.", metadata=reads(Load.JOURNAL)
    )
    async def audit(self, info: Info) -> list[AuditEntry]:
        """Oldest first."""
        return await audit_entries(info, workflow_id=self.record.id)
