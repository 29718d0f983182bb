"""The step runner: executes a workflow's pending steps in order, durably.

Each step is idempotent downstream (keys, look-ups before posting) and recorded in the
journal as it finishes, so a replay runs only what is left. A lease on the workflow
keeps two runners (two replicas, or a replay racing the background retry) from
executing it at once. Failures before the pivot step — the irreversible one — fail the
workflow, since nothing has moved; failures at or after it park the workflow for
forward recovery (``replayWorkflow`` or the background retry).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sources import SourceError, WorkflowRecord

from .base import Runtime

__all__ = ["Plan", "Step", "execute"]

StepFn = Callable[[Runtime, WorkflowRecord, dict[str, dict[str, Any]]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its name (``system.action``), the system, and what it does."""

    name: str
    system: str
    run: StepFn


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one kind of workflow and the first step that cannot be undone."""

    kind: str
    steps: tuple[Step, ...]
    pivot: str

    def names(self) -> list[tuple[str, str]]:
        """(name, system) of every step, for the journal."""
        return [(s.name, s.system) for s in self.steps]


def _error_text(error: SourceError) -> str:
    return f"{error.code} ({error.source}): {error.detail}"


async def execute(
    rt: Runtime,
    plan: Plan,
    workflow_id: str,
    *,
    from_statuses: tuple[str, ...] = ("APPROVED",),
    on_complete: Callable[[WorkflowRecord, Mapping[str, dict[str, Any]]], dict[str, Any]]
    | None = None,
) -> str:
    """Run what is left of the workflow; returns its status afterwards."""
    journal = rt.journal
    if not await journal.lease(workflow_id, from_statuses, rt.settings.lease_s):
        current = await journal.workflow(workflow_id)
        return current.status if current else "FAILED"
    workflow = await journal.workflow(workflow_id)
    assert workflow is not None
    recorded = await journal.steps_of(workflow_id)
    results = {r.name: r.result or {} for r in recorded if r.status == "DONE"}
    pivot_done = plan.pivot in results
    kind = plan.kind
    for step, record in zip(plan.steps, recorded, strict=True):
        if record.status in ("DONE", "SKIPPED"):
            continue
        try:
            result = await step.run(rt, workflow, results)
        except SourceError as error:
            text = _error_text(error)
            await journal.record_step(workflow_id, record.position, "FAILED", error=text)
            # Nothing irreversible happened yet and retrying cannot help: fail. Otherwise
            # park it for forward recovery.
            status = "FAILED" if not pivot_done and not error.transient else "PARKED"
            await journal.transition(
                workflow_id,
                status,
                rt.audit(
                    f"{kind}.{status.lower()}",
                    status.lower(),
                    detail=f"{step.name}: {text}",
                    workflow_id=workflow_id,
                    order_number=workflow.order_number,
                ),
                [(f"{kind}.{status.lower()}", {"id": workflow_id, "step": step.name})],
            )
            return status
        results[step.name] = result
        await journal.record_step(workflow_id, record.position, "DONE", result=result)
        pivot_done = pivot_done or step.name == plan.pivot
    outcome = on_complete(workflow, results) if on_complete else None
    await journal.transition(
        workflow_id,
        "COMPLETED",
        rt.audit(
            f"{kind}.completed",
            "completed",
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [(f"{kind}.completed", {"id": workflow_id, "order": workflow.order_number, **results})],
        outcome=outcome,
    )
    rt.invalidate(workflow.order_number, workflow.order_id)
    return "COMPLETED"
