"""Mutation payloads: the result, or the userErrors that explain why not."""

from __future__ import annotations

import strawberry

from .case import Case
from .process import RefundRequest, UserError, WorkflowStatus, WorkflowStep

__all__ = ["CasePayload", "RefundPayload", "ReplacementPayload", "WorkflowPayload"]


@strawberry.type(description="Result of requestRefund, approveRefund and rejectRefund.")
class RefundPayload:
    """The refund request, or why not."""

    refund_request: RefundRequest | None = strawberry.field(description="The refund request.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


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
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="Result of openCase and addCaseComment.")
class CasePayload:
    """The case, or why not."""

    case: Case | None = strawberry.field(description="The case.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="Result of replayWorkflow.")
class WorkflowPayload:
    """Where the workflow stands after the replay."""

    status: WorkflowStatus | None = strawberry.field(description="Status after the replay.")
    steps: list[WorkflowStep] = strawberry.field(description="Its steps.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")
