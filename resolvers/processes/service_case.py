"""Service cases: open a case about an order, comment on a case; idempotent by key.

Each is a one-step workflow whose step is its pivot: a refusal by the CRM (e.g. a field
it will not take) ends the workflow ``COMPENSATED`` with the reason, which the caller
gets as a user error; a CRM that does not answer parks it for a retry.
"""

from __future__ import annotations

from typing import Any

from sources import CaseDraft, WorkflowKind, WorkflowRecord

from .base import Problem, Refused, Runtime
from .eligibility import checked, live_order
from .engine import Admitted, Plan, Results, Step, start
from .refund import comment_once, marker

__all__ = ["COMMENT", "OPEN_CASE", "PRIORITIES", "add_case_comment", "open_case"]

PRIORITIES = ("High", "Medium", "Low")


async def _upsert_case(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    draft = CaseDraft(
        subject=wf.payload["subject"],
        description=wf.payload.get("description") or "",
        priority=wf.payload.get("priority") or "Medium",
        order_number=wf.order_number,
        oms_order_id=wf.order_id,
    )
    case_id, created = await rt.sources.crm.open_case(wf.id, draft, rt.call)
    return {"caseId": case_id, "created": created}


async def _comment(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    return await comment_once(rt, wf.payload["caseId"], marker(wf.id), wf.payload["body"])


OPEN_CASE = Plan(
    WorkflowKind.CASE, "cs", (Step("crm.case", "crm", _upsert_case),), pivot="crm.case"
)
COMMENT = Plan(
    WorkflowKind.CASE_COMMENT,
    "cc",
    (Step("crm.case_comment", "crm", _comment),),
    pivot="crm.case_comment",
)


async def open_case(
    rt: Runtime,
    order_number: str,
    subject: str,
    description: str | None,
    priority: str | None,
    key: str,
) -> str:
    """Open a CRM case about an order; returns the workflow id (its result names the case).

    The input is checked by the caller (``resolvers.validation``); the number is canonical.
    """
    rt.require("cases:write")
    if priority is not None and priority not in PRIORITIES:
        raise Refused(Problem("BAD_USER_INPUT", "priority is High, Medium or Low.", ("priority",)))
    payload = {
        "order": order_number,
        "subject": subject,
        "description": description,
        "priority": priority,
    }

    async def admit(conn: Any) -> Admitted:
        order = await live_order(rt, order_number)
        return Admitted(
            order_number=order.number,
            order_id=order.id,
            channel=order.channel,
            currency=order.currency,
            reason="OTHER",
            payload=dict(payload),
        )

    return await start(
        rt,
        OPEN_CASE,
        operation="openCase",
        key=key,
        payload=payload,
        order_number=order_number,
        admit=admit,
    )


async def add_case_comment(rt: Runtime, case_number: str, body: str, key: str) -> str:
    """Comment on a case the principal may see; returns the workflow id.

    Another channel's case is refused exactly like a missing one. Comments on one case
    are serialised by a lock of their own (``case:<number>``), not the order's.
    """
    rt.require("cases:write")
    payload = {"case": case_number, "body": body}

    async def admit(conn: Any) -> Admitted:
        found = (
            await checked(rt.sources.crm.cases_by_number([case_number], rt.call), "the case")
        ).get(case_number)
        order = None
        if found is not None and found.order_number:
            order = await checked(
                rt.sources.oms.order_by_number(found.order_number, rt.call), "the case's order"
            )
        partner = rt.policy.channel_filter(rt.principal)
        if found is None or (partner and (order is None or order.channel != partner)):
            raise Refused(Problem("NOT_FOUND", "No case matches.", ("caseNumber",)))
        return Admitted(
            order_number=order.number if order else (found.order_number or ""),
            order_id=order.id if order else "",
            channel=order.channel if order else "",
            currency=order.currency if order else "",
            reason="OTHER",
            payload={**payload, "caseId": found.id},
        )

    return await start(
        rt,
        COMMENT,
        operation="addCaseComment",
        key=key,
        payload=payload,
        order_number=f"case:{case_number}",
        admit=admit,
    )
