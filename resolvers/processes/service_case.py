"""Service cases: open a case about an order, comment on a case; idempotent by key."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

from sources import WorkflowRecord

from .base import Problem, Refused, Runtime
from .eligibility import live_order
from .engine import Plan, Step, execute
from .idempotency import bind, idempotent

__all__ = ["add_case_comment", "open_case"]

PRIORITIES = {"High", "Medium", "Low"}


async def _upsert_case(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    fields = {
        "Subject": wf.payload["subject"],
        "Description": wf.payload.get("description") or "",
        "Priority": wf.payload.get("priority") or "Medium",
        "Origin": "Web",
        "Order_Number__c": wf.order_number,
        "Shopify_Order_Id__c": wf.order_id,
    }
    case_id, created = await rt.sources.writes.crm.upsert_case(wf.id, fields, rt.call)
    return {"caseId": case_id, "created": created}


async def _comment(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    crm = rt.sources.writes.crm
    case_id = wf.payload["caseId"]
    tag = f"[order360:{wf.id}]"
    existing = await crm.comment_with_marker(case_id, tag, rt.call)
    if existing:
        return {"caseId": case_id, "commentId": existing}
    comment = await crm.add_comment(case_id, f"{wf.payload['body']} {tag}", rt.call)
    return {"caseId": case_id, "commentId": comment}


_PREFIX = {"case": "cs", "case_comment": "cc"}
OPEN_CASE = Plan("case", (Step("crm.case", "crm", _upsert_case),), pivot="crm.case")
COMMENT = Plan(
    "case_comment", (Step("crm.case_comment", "crm", _comment),), pivot="crm.case_comment"
)


async def _record(
    rt: Runtime,
    plan: Plan,
    *,
    order_number: str,
    order_id: str,
    channel: str,
    payload: dict[str, Any],
    action: str,
) -> str:
    now = time.time()
    record = WorkflowRecord(
        id=f"{_PREFIX[plan.kind]}_{uuid.uuid4().hex[:20]}",
        kind=plan.kind,
        status="APPROVED",
        order_number=order_number,
        order_id=order_id,
        channel=channel,
        amount=Decimal("0"),
        currency="XXX",  # ISO 4217 "no currency": cases move no money
        reason="OTHER",
        requested_by=rt.principal.subject,
        requested_client=rt.principal.client_id,
        approved_by=None,
        payload=payload,
        outcome=None,
        created_at=now,
        updated_at=now,
    )
    async with rt.journal.order_lock(order_number) as conn:
        await rt.journal.insert_workflow(
            conn,
            record,
            plan.names(),
            rt.audit(action, "accepted", workflow_id=record.id, order_number=order_number),
            [(action, {"id": record.id, "order": order_number})],
        )
    return record.id


async def open_case(
    rt: Runtime,
    order_number: str,
    subject: str,
    description: str | None,
    priority: str | None,
    key: str,
) -> str:
    """Open a CRM case about an order; returns the workflow id (its result names the case)."""
    rt.require("cases:write")
    if not subject.strip():
        raise Refused(Problem("BAD_USER_INPUT", "subject must not be empty.", ("subject",)))
    if priority is not None and priority not in PRIORITIES:
        raise Refused(Problem("BAD_USER_INPUT", "priority is High, Medium or Low.", ("priority",)))
    payload = {"order": order_number, "subject": subject, "description": description}
    payload["priority"] = priority

    async def run(resume: str | None) -> str:
        if resume:
            await execute(rt, OPEN_CASE, resume, from_statuses=("APPROVED", "PARKED"))
            return resume
        order = await live_order(rt, order_number)
        workflow_id = await _record(
            rt,
            OPEN_CASE,
            order_number=order.number,
            order_id=order.id,
            channel=order.channel,
            payload=dict(payload),
            action="case.opened",
        )
        await bind(rt, "openCase", key, workflow_id)
        await execute(rt, OPEN_CASE, workflow_id)
        return workflow_id

    return await idempotent(rt, "openCase", key, payload, run)


async def add_case_comment(rt: Runtime, case_number: str, body: str, key: str) -> str:
    """Comment on a case the principal may see; returns the workflow id."""
    rt.require("cases:write")
    if not body.strip():
        raise Refused(Problem("BAD_USER_INPUT", "body must not be empty.", ("body",)))
    payload = {"case": case_number, "body": body}

    async def run(resume: str | None) -> str:
        if resume:
            await execute(rt, COMMENT, resume, from_statuses=("APPROVED", "PARKED"))
            return resume
        found = (await rt.sources.crm.cases_by_number([case_number], rt.call)).get(case_number)
        order = None
        if found is not None and found.order_number:
            order = await rt.sources.oms.order_by_number(found.order_number, rt.call)
        partner = rt.policy.channel_filter(rt.principal)
        if found is None or (partner and (order is None or order.channel != partner)):
            raise Refused(Problem("NOT_FOUND", "No case matches.", ("caseNumber",)))
        workflow_id = await _record(
            rt,
            COMMENT,
            order_number=found.order_number or "",
            order_id=order.id if order else "",
            channel=order.channel if order else "",
            payload={**payload, "caseId": found.id},
            action="case.commented",
        )
        await bind(rt, "addCaseComment", key, workflow_id)
        await execute(rt, COMMENT, workflow_id)
        return workflow_id

    return await idempotent(rt, "addCaseComment", key, payload, run)
