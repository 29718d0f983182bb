"""Root mutation fields: parse input, start a governed process, return its payload."""

from __future__ import annotations

import strawberry

from sources import CrmCase

from .context import Info
from .processes import (
    RefundAsk,
    Refused,
    add_case_comment,
    approve_refund,
    open_case,
    reject_refund,
    replay_workflow,
    request_refund,
    request_replacement,
    runtime_of,
)
from .types.case import Case
from .types.payloads import CasePayload, RefundPayload, ReplacementPayload, WorkflowPayload
from .types.process import (
    CaseCommentInput,
    OpenCaseInput,
    RefundInput,
    RefundRequest,
    ReplacementInput,
    UserError,
    WorkflowStatus,
    workflow_steps,
)

__all__ = ["Mutation"]


def _errors(refused: Refused) -> list[UserError]:
    return [UserError.of(p) for p in refused.problems]


async def _refund_request(info: Info, workflow_id: str) -> RefundRequest | None:
    env = info.context.processes
    record = await env.journal.workflow(workflow_id) if env else None
    return RefundRequest(record=record) if record else None


async def _case_of(info: Info, workflow_id: str) -> Case | None:
    env = info.context.processes
    if env is None:
        return None
    steps = await env.journal.steps_of(workflow_id)
    case_id = next((s.result or {} for s in steps if s.result), {}).get("caseId")
    if not case_id:
        return None
    found: dict[str, CrmCase] = await info.context.sources.crm.cases_by_id(
        [case_id], info.context.call
    )
    return Case(record=found[case_id]) if case_id in found else None


@strawberry.type(description="Governed processes: every write goes through one.")
class Mutation:
    """Refunds, replacements, approvals, service cases and operations."""

    @strawberry.mutation(description="Refund lines or an amount of an order.")
    async def request_refund(self, info: Info, input: RefundInput) -> RefundPayload:
        """Eligibility, idempotency, approval policy, then OMS, ERP and CRM steps."""
        lines = tuple((str(line.line_id), line.quantity) for line in input.lines or [])
        ask = RefundAsk(input.order_number, lines, input.amount.model() if input.amount else None)
        try:
            rt = runtime_of(info.context)
            workflow_id = await request_refund(
                rt, ask, input.reason.value, input.note, input.idempotency_key
            )
        except Refused as refused:
            return RefundPayload(refund_request=None, user_errors=_errors(refused))
        return RefundPayload(
            refund_request=await _refund_request(info, workflow_id), user_errors=[]
        )

    @strawberry.mutation(description="Approve a refund held for approval (not one's own).")
    async def approve_refund(
        self,
        info: Info,
        id: strawberry.ID,
        note: str | None = None,
    ) -> RefundPayload:
        """Four eyes: needs refunds:approve and another principal than the requester."""
        try:
            await approve_refund(runtime_of(info.context), str(id), note)
        except Refused as refused:
            return RefundPayload(
                refund_request=await _refund_request(info, str(id)), user_errors=_errors(refused)
            )
        return RefundPayload(refund_request=await _refund_request(info, str(id)), user_errors=[])

    @strawberry.mutation(description="Reject a refund held for approval.")
    async def reject_refund(
        self,
        info: Info,
        id: strawberry.ID,
        reason: str,
    ) -> RefundPayload:
        """Ends it; nothing is written upstream."""
        try:
            await reject_refund(runtime_of(info.context), str(id), reason)
        except Refused as refused:
            return RefundPayload(
                refund_request=await _refund_request(info, str(id)), user_errors=_errors(refused)
            )
        return RefundPayload(refund_request=await _refund_request(info, str(id)), user_errors=[])

    @strawberry.mutation(
        description="Damaged or wrong item: replace from stock if the ERP has it, otherwise refund."
    )
    async def request_replacement(
        self,
        info: Info,
        input: ReplacementInput,
    ) -> ReplacementPayload:
        """Says which outcome happened."""
        lines = tuple((str(line.line_id), line.quantity) for line in input.lines)
        try:
            outcome, workflow_id = await request_replacement(
                runtime_of(info.context),
                input.order_number,
                lines,
                input.reason.value,
                input.idempotency_key,
            )
        except Refused as refused:
            return ReplacementPayload(
                outcome=None,
                refund_request=None,
                replacement_order_number=None,
                user_errors=_errors(refused),
            )
        if outcome == "REFUNDED":
            return ReplacementPayload(
                outcome=outcome,
                refund_request=await _refund_request(info, workflow_id),
                replacement_order_number=None,
                user_errors=[],
            )
        env = info.context.processes
        steps = await env.journal.steps_of(workflow_id) if env else []
        number = next(
            (
                (s.result or {}).get("orderNumber")
                for s in steps
                if s.name == "oms.replacement_order"
            ),
            None,
        )
        return ReplacementPayload(
            outcome=outcome, refund_request=None, replacement_order_number=number, user_errors=[]
        )

    @strawberry.mutation(description="Open a service case about an order.")
    async def open_case(self, info: Info, input: OpenCaseInput) -> CasePayload:
        """Idempotent by key (upsert by external id in the CRM)."""
        try:
            workflow_id = await open_case(
                runtime_of(info.context),
                input.order_number,
                input.subject,
                input.description,
                input.priority,
                input.idempotency_key,
            )
        except Refused as refused:
            return CasePayload(case=None, user_errors=_errors(refused))
        return CasePayload(case=await _case_of(info, workflow_id), user_errors=[])

    @strawberry.mutation(description="Comment on a service case.")
    async def add_case_comment(
        self,
        info: Info,
        input: CaseCommentInput,
    ) -> CasePayload:
        """Idempotent by key."""
        try:
            workflow_id = await add_case_comment(
                runtime_of(info.context), input.case_number, input.body, input.idempotency_key
            )
        except Refused as refused:
            return CasePayload(case=None, user_errors=_errors(refused))
        return CasePayload(case=await _case_of(info, workflow_id), user_errors=[])

    @strawberry.mutation(description="Operations: run the parked steps of a failed workflow again.")
    async def replay_workflow(self, info: Info, id: strawberry.ID) -> WorkflowPayload:
        """Needs ops; exactly-once through the steps' own idempotency."""
        try:
            status = await replay_workflow(runtime_of(info.context), str(id))
        except Refused as refused:
            return WorkflowPayload(status=None, steps=[], user_errors=_errors(refused))
        return WorkflowPayload(
            status=WorkflowStatus(status),
            steps=await workflow_steps(info, str(id)),
            user_errors=[],
        )
