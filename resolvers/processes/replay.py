"""Operations: run the parked steps of a workflow again (``replayWorkflow``, background retry)."""

from __future__ import annotations

from .base import Problem, Refused, Runtime
from .engine import Plan, execute
from .refund import REFUND
from .replacement import REPLACEMENT
from .service_case import COMMENT, OPEN_CASE

__all__ = ["PLANS", "replay_workflow", "resume_parked"]

PLANS: dict[str, Plan] = {p.kind: p for p in (REFUND, REPLACEMENT, OPEN_CASE, COMMENT)}


async def resume_parked(rt: Runtime, workflow_id: str) -> str:
    """Drive a parked (or abandoned) workflow on; returns its status afterwards."""
    workflow = await rt.journal.workflow(workflow_id)
    if workflow is None:
        raise Refused(Problem("NOT_FOUND", "No workflow matches.", ("id",)))
    return await execute(
        rt, PLANS[workflow.kind], workflow_id, from_statuses=("PARKED", "APPROVED")
    )


async def replay_workflow(rt: Runtime, workflow_id: str) -> str:
    """An operator replays a parked workflow (scope ``ops``)."""
    rt.require("ops")
    workflow = await rt.journal.workflow(workflow_id)
    if workflow is None:
        raise Refused(Problem("NOT_FOUND", "No workflow matches.", ("id",)))
    if workflow.status not in ("PARKED", "PROCESSING"):
        raise Refused(
            Problem("NOT_ELIGIBLE", f"Only parked workflows replay; this one is {workflow.status}.")
        )
    await rt.journal.audit(
        rt.audit(
            f"{workflow.kind}.replayed_by_operator",
            "replayed",
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        )
    )
    return await resume_parked(rt, workflow_id)
