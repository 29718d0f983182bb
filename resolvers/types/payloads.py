"""Mutation payloads: the result, or the userErrors that explain why not."""

from __future__ import annotations

import strawberry

from sources import WorkflowStatus

from .case import Case
from .process import RefundRequest, UserError, WorkflowStep
from .workflow import Workflow

__all__ = ["CasePayload", "RefundPayload", "ReplacementPayload", "WorkflowPayload"]


@strawberry.type(description="Result of requestRefund, approveRefund and rejectRefund.")
class RefundPayload:
    """The refund request, or why not."""

    refund_request: RefundRequest | None = strawberry.field(description="The refund request.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused, or why its workflow did not finish."
    )


@strawberry.type(description="Result of requestReplacement.")
class ReplacementPayload:
    """What happened: a replacement, or a refund when stock was missing."""

    outcome: str | None = strawberry.field(description="REPLACED or REFUNDED.")
    refund_request: RefundRequest | None = strawberry.field(
        description="The refund, when the items were out of stock."
    )
    replacement_order_number: str | None = strawberry.field(
        description="The new order's number, when replaced."
    )
    workflow: Workflow | None = strawberry.field(
        description="The workflow that does it (id, status, steps), to follow or replay."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused, or why its workflow did not finish."
    )


@strawberry.type(description="Result of openCase and addCaseComment.")
class CasePayload:
    """The case, or why not."""

    case: Case | None = strawberry.field(description="The case.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused, or why its workflow did not finish."
    )


@strawberry.type(description="Result of replayWorkflow.")
class WorkflowPayload:
    """Where the workflow stands after the replay."""

    status: WorkflowStatus | None = strawberry.field(description="Status afterwards.")
    steps: list[WorkflowStep] = strawberry.field(description="Its steps.")
    workflow: Workflow | None = strawberry.field(description="The workflow afterwards.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused, or why the workflow still did not finish."
    )

    @classmethod
    def refused(cls, errors: list[UserError]) -> WorkflowPayload:
        """A refusal: the errors and nothing else."""
        return cls(status=None, steps=[], workflow=None, user_errors=errors)
