"""Root mutation fields: check input, start a governed process, return its payload.

Three rules hold for every payload:

- Input is checked (``resolvers.validation``, ``resolvers.identifiers``) before anything
  reaches an upstream, a URL, a body or the journal; each refusal is a user error with
  its field path.
- A refused mutation returns no object: the caller learns only the user errors, so
  another channel's object answers exactly as a missing id does.
- A workflow that did not finish says so: its status is in the object and the reason
  in ``userErrors``, so no payload is ever empty of both.
"""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from sources import CrmCase, WorkflowKind, WorkflowRecord

from .context import Info
from .inputs import case_number, key, lines_of, number_of, refund_ask, refuse_unless_ok
from .loads import Load, looks_up
from .processes import (
    Problem,
    Refused,
    add_case_comment,
    approve_refund,
    failure_problem,
    open_case,
    reject_refund,
    replay_workflow,
    request_refund,
    request_replacement,
    resolve_workflow,
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
    WorkflowResolution,
    workflow_steps,
)
from .types.workflow import Workflow
from .validation import Checker

__all__ = ["Mutation"]


def _errors(problems: Iterable[Problem]) -> list[UserError]:
    return [UserError.of(p) for p in problems]


async def _workflow(info: Info, workflow_id: str) -> WorkflowRecord | None:
    env = info.context.processes
    return await env.journal.workflow(workflow_id) if env else None


def _outcome_errors(record: WorkflowRecord | None) -> list[UserError]:
    problem = failure_problem(record) if record else None
    return _errors([problem]) if problem else []


async def _refund_payload(info: Info, workflow_id: str) -> RefundPayload:
    record = await _workflow(info, workflow_id)
    return RefundPayload(
        refund_request=RefundRequest(record=record) if record else None,
        user_errors=_outcome_errors(record),
    )


async def _workflow_payload(
    info: Info, record: WorkflowRecord, errors: list[UserError]
) -> WorkflowPayload:
    return WorkflowPayload(
        status=record.status,
        steps=await workflow_steps(info, record.id),
        workflow=Workflow(record=record),
        user_errors=errors,
    )


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


async def _case_payload(info: Info, workflow_id: str) -> CasePayload:
    record = await _workflow(info, workflow_id)
    errors = _outcome_errors(record)
    case = await _case_of(info, workflow_id)
    if case is None and not errors:  # never empty of both: say why there is no case
        errors = _errors([Problem("SOURCE_UNAVAILABLE", "The case could not be read back.")])
    return CasePayload(case=case, user_errors=errors)


@strawberry.type(description="Governed processes: every write goes through one.")
class Mutation:
    """Refunds, replacements, approvals, service cases and operations."""

    @strawberry.mutation(
        description="Refund lines or an amount of an order.", metadata=looks_up(Load.PROCESS)
    )
    async def request_refund(self, info: Info, input: RefundInput) -> RefundPayload:
        """Eligibility, idempotency, approval policy, then ERP, CRM, OMS, ERP and CRM steps."""
        check = Checker()
        ask = refund_ask(check, input.order_number, input.lines, input.amount)
        check.text(input.note, "note")
        key(check, input.idempotency_key)
        try:
            refuse_unless_ok(check)
            workflow_id = await request_refund(
                runtime_of(info.context), ask, input.reason.value, input.note, input.idempotency_key
            )
        except Refused as refused:
            return RefundPayload(refund_request=None, user_errors=_errors(refused.problems))
        return await _refund_payload(info, workflow_id)

    @strawberry.mutation(
        description="Approve a refund held for approval (not one's own).",
        metadata=looks_up(Load.PROCESS),
    )
    async def approve_refund(
        self,
        info: Info,
        id: strawberry.ID,
        note: str | None = None,
    ) -> RefundPayload:
        """Four eyes: needs refunds:approve and another principal than the requester."""
        check = Checker()
        check.text(note, "note")
        try:
            refuse_unless_ok(check)
            record = await approve_refund(runtime_of(info.context), str(id), note)
        except Refused as refused:
            return RefundPayload(refund_request=None, user_errors=_errors(refused.problems))
        return await _refund_payload(info, record.id)

    @strawberry.mutation(
        description="Reject a refund held for approval.", metadata=looks_up(Load.PROCESS)
    )
    async def reject_refund(
        self,
        info: Info,
        id: strawberry.ID,
        reason: str,
    ) -> RefundPayload:
        """Ends it; nothing is written upstream."""
        check = Checker()
        check.text(reason, "reason", required=True)
        try:
            refuse_unless_ok(check)
            await reject_refund(runtime_of(info.context), str(id), reason)
        except Refused as refused:
            return RefundPayload(refund_request=None, user_errors=_errors(refused.problems))
        return await _refund_payload(info, str(id))

    @strawberry.mutation(
        description="Damaged or wrong item: replace from stock if the ERP has it, "
        "otherwise refund.",
        metadata=looks_up(Load.PROCESS),
    )
    async def request_replacement(
        self,
        info: Info,
        input: ReplacementInput,
    ) -> ReplacementPayload:
        """Says which outcome happened, with the workflow that made it happen."""
        check = Checker()
        number = number_of(check, input.order_number)
        lines = lines_of(check, input.lines)
        if not input.lines:
            check.complain(("lines",), "Name at least one line to replace.")
        key(check, input.idempotency_key)
        try:
            refuse_unless_ok(check)
            record = await request_replacement(
                runtime_of(info.context), number, lines, input.reason.value, input.idempotency_key
            )
        except Refused as refused:
            return ReplacementPayload(
                outcome=None,
                refund_request=None,
                replacement_order_number=None,
                workflow=None,
                user_errors=_errors(refused.problems),
            )
        errors = _outcome_errors(record)
        if record.kind is WorkflowKind.REFUND:
            return ReplacementPayload(
                outcome="REFUNDED" if not errors else None,
                refund_request=RefundRequest(record=record),
                replacement_order_number=None,
                workflow=Workflow(record=record),
                user_errors=errors,
            )
        env = info.context.processes
        steps = await env.journal.steps_of(record.id) if env else []
        number_made = next(
            (
                (s.result or {}).get("orderNumber")
                for s in steps
                if s.name == "oms.replacement_order" and s.result
            ),
            None,
        )
        return ReplacementPayload(
            # Replaced once the replacement order exists, even while the rest is parked.
            outcome="REPLACED" if number_made else None,
            refund_request=None,
            replacement_order_number=number_made,
            workflow=Workflow(record=record),
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Open a service case about an order.", metadata=looks_up(Load.PROCESS)
    )
    async def open_case(self, info: Info, input: OpenCaseInput) -> CasePayload:
        """Idempotent by key (upsert by external id in the CRM)."""
        check = Checker()
        number = number_of(check, input.order_number)
        check.text(input.subject, "subject", required=True)
        check.text(input.description, "description")
        check.text(input.priority, "priority")
        key(check, input.idempotency_key)
        try:
            refuse_unless_ok(check)
            workflow_id = await open_case(
                runtime_of(info.context),
                number,
                input.subject,
                input.description,
                input.priority,
                input.idempotency_key,
            )
        except Refused as refused:
            return CasePayload(case=None, user_errors=_errors(refused.problems))
        return await _case_payload(info, workflow_id)

    @strawberry.mutation(description="Comment on a service case.", metadata=looks_up(Load.PROCESS))
    async def add_case_comment(
        self,
        info: Info,
        input: CaseCommentInput,
    ) -> CasePayload:
        """Idempotent by key."""
        check = Checker()
        number = case_number(check, input.case_number)
        check.text(input.body, "body", required=True)
        key(check, input.idempotency_key)
        try:
            refuse_unless_ok(check)
            workflow_id = await add_case_comment(
                runtime_of(info.context), number, input.body, input.idempotency_key
            )
        except Refused as refused:
            return CasePayload(case=None, user_errors=_errors(refused.problems))
        return await _case_payload(info, workflow_id)

    @strawberry.mutation(
        description="Operations: run the parked steps of a workflow (or one that needs "
        "attention, once its cause is fixed) again.",
        metadata=looks_up(Load.PROCESS),
    )
    async def replay_workflow(self, info: Info, id: strawberry.ID) -> WorkflowPayload:
        """Needs ops; exactly-once through the steps' own idempotency."""
        try:
            record = await replay_workflow(runtime_of(info.context), str(id))
        except Refused as refused:
            return WorkflowPayload.refused(_errors(refused.problems))
        return await _workflow_payload(info, record, _outcome_errors(record))

    @strawberry.mutation(
        description="Operations: close parked work, or work that needs attention, by hand "
        "(resolved outside Order360, or abandoned); audited with the operator and the note.",
        metadata=looks_up(Load.PROCESS),
    )
    async def resolve_workflow(
        self,
        info: Info,
        id: strawberry.ID,
        resolution: WorkflowResolution,
        note: str,
    ) -> WorkflowPayload:
        """Needs ops."""
        check = Checker()
        check.text(note, "note", required=True, limit=1000)
        try:
            refuse_unless_ok(check)
            record = await resolve_workflow(
                runtime_of(info.context), str(id), resolution.value, note
            )
        except Refused as refused:
            return WorkflowPayload.refused(_errors(refused.problems))
        return await _workflow_payload(info, record, [])  # the operator's own decision
