"""The canonical events of the governed processes, built from our own records.

Every transition the engine journals carries one event (``docs/events.md``): the
workflow's transitions as ``com.order360.<kind>.<transition>``, each step's new status as
``com.order360.workflow.step_<status>``. Their data is our model (the workflow's id,
kind, status, order, amount) and never a vendor's payload: step results, which hold
vendor ids, stay in the journal.
"""

from __future__ import annotations

from typing import Any

from sources import CloudEvent, StepStatus, WorkflowRecord, WorkflowStatus, event_type

from ..identifiers import order_id
from .base import Runtime

__all__ = ["step_event", "workflow_event"]


def _subject(workflow: WorkflowRecord) -> str | None:
    # A comment on a case that names no order has no order id: no subject, and the
    # relay orders such events among themselves.
    return order_id(workflow.order_id) if workflow.order_id else None


def _about(workflow: WorkflowRecord) -> dict[str, Any]:
    return {
        "workflowId": workflow.id,
        "kind": workflow.kind.value.upper(),
        "orderNumber": workflow.order_number,
        "orderId": _subject(workflow),
        "channel": workflow.channel,
    }


def workflow_event(
    rt: Runtime,
    workflow: WorkflowRecord,
    transition: str,
    status: WorkflowStatus,
    *,
    by: str | None = None,
    error: str | None = None,
) -> CloudEvent:
    """The event of ``workflow`` moving to ``status`` (``transition`` names the move).

    ``by`` is who decided (approvals, operator resolutions); ``error`` the coded reason
    a workflow parked, was compensated or needs an operator.
    """
    data: dict[str, Any] = {
        **_about(workflow),
        "status": status.value,
        "amount": None if workflow.amount is None else str(workflow.amount),
        "currency": workflow.currency or None,
        "reason": workflow.reason,
    }
    if by is not None:
        data["by"] = by
    if error is not None:
        data["error"] = error
    return CloudEvent.new(
        event_type(workflow.kind.value, transition),
        subject=_subject(workflow),
        data=data,
        correlation_id=rt.call.request_id,
    )


def step_event(
    rt: Runtime,
    workflow: WorkflowRecord,
    name: str,
    system: str,
    status: StepStatus,
    *,
    error: str | None = None,
) -> CloudEvent:
    """The event of one of ``workflow``'s steps reaching ``status``."""
    data: dict[str, Any] = {
        **_about(workflow),
        "step": {"name": name, "system": system, "status": status.value},
    }
    if error is not None:
        data["error"] = error
    return CloudEvent.new(
        event_type("workflow", f"step_{status.value.lower()}"),
        subject=_subject(workflow),
        data=data,
        correlation_id=rt.call.request_id,
    )
