"""Operations: replay parked work, close what needs a person, and the background runner's step.

Every entry point applies scope and tenancy: another channel's workflow is refused
exactly as a missing one is, so a partner never learns it exists.
"""

from __future__ import annotations

from sources import WorkflowKind, WorkflowRecord, WorkflowStatus

from ..identifiers import is_workflow_id
from .base import Problem, Refused, Runtime
from .engine import Plan, execute
from .events import workflow_event
from .refund import REFUND
from .replacement import REPLACEMENT
from .service_case import COMMENT, OPEN_CASE

__all__ = [
    "PLANS",
    "REPLAYABLE",
    "drive",
    "replay_workflow",
    "resolve_workflow",
    "visible_workflow",
]

PLANS: dict[WorkflowKind, Plan] = {p.kind: p for p in (REFUND, REPLACEMENT, OPEN_CASE, COMMENT)}
REPLAYABLE = (WorkflowStatus.PARKED, WorkflowStatus.NEEDS_ATTENTION, WorkflowStatus.APPROVED)
"""Parked, needing attention, or approved but never started (its request died)."""
RESOLVABLE = (WorkflowStatus.PARKED, WorkflowStatus.NEEDS_ATTENTION)
RESOLUTIONS = {
    "RESOLVED_MANUALLY": WorkflowStatus.RESOLVED_MANUALLY,
    "ABANDONED": WorkflowStatus.ABANDONED,
}


async def visible_workflow(rt: Runtime, workflow_id: str) -> WorkflowRecord:
    """The workflow, if it exists for this principal; else NOT_FOUND (missing or hidden)."""
    workflow = await rt.journal.workflow(workflow_id) if is_workflow_id(workflow_id) else None
    if workflow is None or not rt.policy.may_see_channel(rt.principal, workflow.channel):
        raise Refused(Problem("NOT_FOUND", "No workflow matches.", ("id",)))
    return workflow


async def drive(rt: Runtime, workflow: WorkflowRecord) -> WorkflowRecord:
    """The background runner's attempt at a due workflow (parked, stalled or abandoned)."""
    return await execute(
        rt,
        PLANS[workflow.kind],
        workflow.id,
        from_statuses=(WorkflowStatus.PARKED, WorkflowStatus.APPROVED),
        background=True,
    )


async def replay_workflow(rt: Runtime, workflow_id: str) -> WorkflowRecord:
    """An operator runs the parked (or stuck) steps of a workflow again (scope ``ops``)."""
    rt.require("ops")
    workflow = await visible_workflow(rt, workflow_id)
    if workflow.status not in (*REPLAYABLE, WorkflowStatus.PROCESSING):
        raise Refused(
            Problem(
                "NOT_ELIGIBLE",
                f"Only parked or stalled workflows, or ones needing attention, replay; "
                f"this one is {workflow.status}.",
            )
        )
    await rt.journal.audit(
        rt.audit(
            f"{workflow.kind}.replayed_by_operator",
            "replayed",
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        )
    )
    return await execute(rt, PLANS[workflow.kind], workflow_id, from_statuses=REPLAYABLE)


async def resolve_workflow(
    rt: Runtime, workflow_id: str, resolution: str, note: str
) -> WorkflowRecord:
    """An operator closes parked or stuck work by hand (``ops``); audited with the note."""
    rt.require("ops")
    workflow = await visible_workflow(rt, workflow_id)
    status = RESOLUTIONS[resolution]
    moved = await rt.journal.transition(
        workflow_id,
        status,
        rt.audit(
            f"{workflow.kind}.{status.value.lower()}",
            status.value.lower(),
            detail=note,
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [workflow_event(rt, workflow, status.value.lower(), status, by=rt.principal.subject)],
        expect=RESOLVABLE,
        last_error=workflow.last_error,
    )
    if not moved:
        raise Refused(
            Problem(
                "NOT_ELIGIBLE",
                f"Only parked workflows, or ones needing attention, can be resolved; "
                f"this one is {workflow.status}.",
            )
        )
    rt.observer.workflow_moved(workflow.kind, status, workflow.created_at)
    rt.invalidate(workflow.order_number, workflow.order_id)
    found = await rt.journal.workflow(workflow_id)
    assert found is not None
    return found
