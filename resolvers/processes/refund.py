"""Refunds: request (with eligibility and approval policy), approve, reject, execute.

Steps: ``oms.refund`` (the money moves: the pivot, it cannot be undone), then
``erp.credit_memo`` (the books follow, carrying the OMS refund id) and
``crm.case_comment`` (the customer's case says what happened). Before the pivot a
failure fails the workflow and releases its reservation; after it, the remaining
steps are retried forward until they are done.
"""

from __future__ import annotations

import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sources import Money, SourceBadResponse, SourceError, WorkflowRecord

from .base import Problem, Refused, Runtime
from .eligibility import RefundAsk, assess
from .engine import Plan, Step, execute
from .idempotency import bind, idempotent

__all__ = ["REFUND", "approve_refund", "comment_once", "reject_refund", "request_refund"]

CENT = Decimal("0.01")


def marker(workflow_id: str) -> str:
    """The tag our writes carry so that a lost answer can be found again."""
    return f"[order360:{workflow_id}]"


async def _oms_refund(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    oms = rt.sources.writes.oms
    found = await oms.refund_by_marker(wf.order_id, wf.currency, marker(wf.id), rt.call)
    if found is None:
        lines = [(lid, qty) for lid, qty in wf.payload.get("lines", [])]
        quote = await oms.calculate_refund(wf.order_id, wf.currency, lines, rt.call)
        note = f"{wf.reason}: {wf.payload.get('note') or 'refund'} {marker(wf.id)}"
        found = await oms.create_refund(
            wf.order_id,
            currency=wf.currency,
            amount=Money(wf.amount, wf.currency),
            quote=quote,
            lines=lines,
            restock="return" if wf.reason in ("DAMAGED", "WRONG_ITEM") and lines else "no_restock",
            note=note,
            idempotency_key=wf.id,
            call=rt.call,
        )
    return {"omsRefundId": found.id, "amount": str(found.amount.amount)}


async def _credit_memo_items(
    rt: Runtime, wf: WorkflowRecord
) -> tuple[str, list[tuple[str, Decimal, Money]]]:
    order = await rt.sources.oms.order_by_number(wf.order_number, rt.call)
    sales = (await rt.sources.erp.sales_orders([wf.order_number], rt.call)).get(wf.order_number)
    if order is None or sales is None:
        raise SourceBadResponse(
            "erp", "the order has no ERP sales order to credit", transient=False
        )
    gross = order.subtotal.amount + order.total_tax.amount
    net_share = order.subtotal.amount / gross if gross else Decimal("1")
    net_total = (wf.amount * net_share).quantize(CENT, ROUND_HALF_UP)
    by_line = {line.id: line for line in order.lines}
    lines = [(by_line[lid], qty) for lid, qty in wf.payload.get("lines", []) if lid in by_line]
    if not lines:
        first = order.lines[0]
        return sales.document_number, [(first.sku, Decimal("1"), Money(net_total, wf.currency))]
    weights = [line.unit_price.amount * qty for line, qty in lines]
    total_weight = sum(weights) or Decimal("1")
    items: list[tuple[str, Decimal, Money]] = []
    left = net_total
    for index, ((line, qty), weight) in enumerate(zip(lines, weights, strict=True)):
        share = left if index == len(lines) - 1 else (net_total * weight / total_weight)
        share = share.quantize(CENT, ROUND_HALF_UP)
        left -= share
        items.append((line.sku, Decimal(qty), Money(share, wf.currency)))
    return sales.document_number, items


async def _erp_credit_memo(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    erp = rt.sources.writes.erp
    existing = await erp.find_credit_memo_request(wf.id, rt.call)
    if existing:
        return {"creditMemoRequest": existing}
    sales_order, items = await _credit_memo_items(rt, wf)
    number = await erp.create_credit_memo_request(
        reference=wf.id,
        oms_refund_id=done["oms.refund"]["omsRefundId"],
        order_number=wf.order_number,
        sales_order=sales_order,
        reason=wf.reason,
        items=items,
        call=rt.call,
    )
    return {"creditMemoRequest": number}


async def case_for_order(rt: Runtime, wf: WorkflowRecord, subject: str) -> str:
    """The order's open CRM case, or one created (idempotently) for this workflow."""
    cases = (await rt.sources.crm.cases_by_order_number([wf.order_number], rt.call)).get(
        wf.order_number, []
    )
    open_cases = [c for c in cases if not c.closed]
    if open_cases:
        return open_cases[0].id
    case_id, _ = await rt.sources.writes.crm.upsert_case(
        wf.id,
        {
            "Subject": subject,
            "Origin": "Web",
            "Priority": "Medium",
            "Order_Number__c": wf.order_number,
            "Shopify_Order_Id__c": wf.order_id,
        },
        rt.call,
    )
    return case_id


async def comment_once(rt: Runtime, wf: WorkflowRecord, subject: str, body: str) -> dict[str, Any]:
    """Comment on the order's case once: an earlier comment with our marker is reused."""
    crm = rt.sources.writes.crm
    case_id = await case_for_order(rt, wf, subject)
    existing = await crm.comment_with_marker(case_id, marker(wf.id), rt.call)
    if existing:
        return {"caseId": case_id, "commentId": existing}
    comment = await crm.add_comment(case_id, f"{body} {marker(wf.id)}", rt.call)
    return {"caseId": case_id, "commentId": comment}


async def _crm_comment(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    memo = done.get("erp.credit_memo", {}).get("creditMemoRequest", "pending")
    body = (
        f"Refund of {wf.amount} {wf.currency} ({wf.reason.lower().replace('_', ' ')}) issued "
        f"through Order360; OMS refund {done['oms.refund']['omsRefundId']}, ERP credit memo "
        f"request {memo}."
    )
    return await comment_once(rt, wf, f"Refund for order {wf.order_number}", body)


REFUND = Plan(
    kind="refund",
    steps=(
        Step("oms.refund", "oms", _oms_refund),
        Step("erp.credit_memo", "erp", _erp_credit_memo),
        Step("crm.case_comment", "crm", _crm_comment),
    ),
    pivot="oms.refund",
)


async def request_refund(
    rt: Runtime, ask: RefundAsk, reason: str, note: str | None, key: str
) -> str:
    """Run the refund process for one request; returns the refund request id."""
    rt.require("refunds:write")
    payload = {
        "orderNumber": ask.order_number,
        "lines": [list(line) for line in ask.lines],
        "amount": [str(ask.amount.amount), ask.amount.currency] if ask.amount else None,
        "reason": reason,
        "note": note,
    }

    async def run(resume: str | None) -> str:
        if resume:
            await execute(rt, REFUND, resume, from_statuses=("APPROVED", "PARKED"))
            return resume
        return await _start(rt, ask, reason, note, key)

    try:
        return await idempotent(rt, "requestRefund", key, payload, run)
    except Refused as refused:
        await rt.journal.audit(
            rt.audit(
                "refund.requested",
                f"refused:{refused.problems[0].code}",
                detail=str(refused),
                order_number=ask.order_number,
            )
        )
        raise
    except SourceError as error:
        await rt.journal.audit(
            rt.audit(
                "refund.requested",
                f"failed:{error.code}",
                detail=f"{error.source} failed before anything was written",
                order_number=ask.order_number,
            )
        )
        raise


async def _start(rt: Runtime, ask: RefundAsk, reason: str, note: str | None, key: str) -> str:
    journal = rt.journal
    workflow_id = f"rr_{uuid.uuid4().hex[:20]}"
    order_number = ask.order_number if ask.order_number.startswith("#") else f"#{ask.order_number}"
    async with journal.order_lock(order_number) as conn:
        reserved = await journal.reserved(conn, order_number)
        decision = await assess(rt, ask, reserved)
        if decision.problems:
            raise Refused(*decision.problems)
        status = "PENDING_APPROVAL" if decision.requires_approval else "APPROVED"
        now = time.time()
        record = WorkflowRecord(
            id=workflow_id,
            kind="refund",
            status=status,
            order_number=decision.order.number,
            order_id=decision.order.id,
            channel=decision.order.channel,
            amount=decision.amount.amount,
            currency=decision.amount.currency,
            reason=reason,
            requested_by=rt.principal.subject,
            requested_client=rt.principal.client_id,
            approved_by=None,
            payload={
                "lines": [[lid.removeprefix("shopify:LineItem:"), qty] for lid, qty in ask.lines],
                "note": note,
                "idempotencyKey": key,
            },
            outcome=None,
            created_at=now,
            updated_at=now,
        )
        await journal.insert_workflow(
            conn,
            record,
            REFUND.names(),
            rt.audit(
                "refund.requested",
                "pending_approval" if status == "PENDING_APPROVAL" else "accepted",
                detail=f"{decision.amount.amount} {decision.amount.currency} ({reason})",
                workflow_id=workflow_id,
                order_number=record.order_number,
            ),
            [("refund.requested", {"id": workflow_id, "order": record.order_number})],
        )
    await bind(rt, "requestRefund", key, workflow_id)
    if status == "APPROVED":
        await execute(rt, REFUND, workflow_id)
    return workflow_id


async def _pending(rt: Runtime, workflow_id: str) -> WorkflowRecord:
    workflow = await rt.journal.workflow(workflow_id)
    if workflow is None or not rt.policy.may_see_channel(rt.principal, workflow.channel):
        raise Refused(Problem("NOT_FOUND", "No refund request matches.", ("id",)))
    if workflow.status != "PENDING_APPROVAL":
        raise Refused(
            Problem("NOT_ELIGIBLE", f"The refund request is {workflow.status}, not pending.")
        )
    return workflow


async def approve_refund(rt: Runtime, workflow_id: str, note: str | None) -> str:
    """A second person releases a held refund; it then executes."""
    rt.require("refunds:approve")
    workflow = await _pending(rt, workflow_id)
    if workflow.requested_by == rt.principal.subject:
        await rt.journal.audit(
            rt.audit(
                "refund.approved",
                "refused:FORBIDDEN",
                detail="four eyes: the requester cannot approve",
                workflow_id=workflow_id,
                order_number=workflow.order_number,
            )
        )
        raise Refused(Problem("FORBIDDEN", "A refund must be approved by someone else."))
    async with rt.journal.order_lock(workflow.order_number) as conn:
        others = await rt.journal.reserved(conn, workflow.order_number)
        ask = RefundAsk(workflow.order_number, (), Money(workflow.amount, workflow.currency))
        check = await assess(rt, ask, others - workflow.amount)
    over = [p for p in check.problems if p.code == "AMOUNT_EXCEEDS_REFUNDABLE"]
    if over:
        raise Refused(*over)
    moved = await rt.journal.transition(
        workflow_id,
        "APPROVED",
        rt.audit(
            "refund.approved",
            "approved",
            detail=note,
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [("refund.approved", {"id": workflow_id, "by": rt.principal.subject})],
        approved_by=rt.principal.subject,
        expect=("PENDING_APPROVAL",),
    )
    if not moved:
        raise Refused(Problem("NOT_ELIGIBLE", "The refund request is no longer pending."))
    return await execute(rt, REFUND, workflow_id)


async def reject_refund(rt: Runtime, workflow_id: str, reason: str) -> None:
    """A supervisor ends a held refund; nothing is written upstream."""
    rt.require("refunds:approve")
    workflow = await _pending(rt, workflow_id)
    moved = await rt.journal.transition(
        workflow_id,
        "REJECTED",
        rt.audit(
            "refund.rejected",
            "rejected",
            detail=reason,
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [("refund.rejected", {"id": workflow_id, "reason": reason})],
        expect=("PENDING_APPROVAL",),
    )
    if not moved:
        raise Refused(Problem("NOT_ELIGIBLE", "The refund request is no longer pending."))
