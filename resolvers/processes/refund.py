"""Refunds: request (with eligibility and approval policy), approve, reject, execute.

Steps, in order: ``erp.sales_order`` (the ERP order the refund will be credited
against must exist), ``crm.case`` (the order's case, opened for the refund if it has
none; compensated by a note that the refund was declined, never deleted), then the
pivot ``oms.refund`` (the money moves; it cannot be undone), ``erp.credit_memo`` (the
books follow, carrying the OMS refund id) and ``crm.case_comment`` (the case says what
happened). A failure before the pivot compensates and moves no money; after it the
remaining steps are retried forward until they are done or an operator decides.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sources import (
    CaseDraft,
    CreditLine,
    CreditNote,
    Money,
    WorkflowKind,
    WorkflowRecord,
    WorkflowStatus,
)

from ..identifiers import is_workflow_id
from .base import Problem, Refused, Runtime
from .eligibility import RefundAsk, assess
from .engine import Admitted, Declined, Plan, Results, Step, execute, start
from .events import workflow_event

__all__ = [
    "REFUND",
    "approve_refund",
    "case_for_order",
    "comment_once",
    "marker",
    "reject_refund",
    "request_refund",
]

CENT = Decimal("0.01")


def marker(workflow_id: str) -> str:
    """The tag our writes carry so that a lost answer can be found again."""
    return f"[order360:{workflow_id}]"


async def sales_order_of(rt: Runtime, wf: WorkflowRecord) -> dict[str, Any]:
    """Step ``erp.sales_order``: the ERP order a credit or return will reference."""
    sales = (await rt.sources.erp.sales_orders([wf.order_number], rt.call)).get(wf.order_number)
    if sales is None:
        raise Declined("ERP_ORDER_MISSING", "The ERP has no sales order for this order.")
    return {"salesOrder": sales.document_number}


async def _erp_sales_order(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    return await sales_order_of(rt, wf)


async def case_for_order(rt: Runtime, wf: WorkflowRecord, subject: str) -> dict[str, Any]:
    """Step ``crm.case``: the order's open case, or one opened (idempotently) for ``wf``."""
    cases = (await rt.sources.crm.cases_by_order_number([wf.order_number], rt.call)).get(
        wf.order_number, []
    )
    open_cases = [c for c in cases if not c.closed]
    if open_cases:
        return {"caseId": open_cases[0].id, "created": False}
    draft = CaseDraft(
        subject=subject,
        description="",
        priority="Medium",
        order_number=wf.order_number,
        oms_order_id=wf.order_id,
        contact_id=wf.payload.get("contactId") or None,
    )
    case_id, created = await rt.sources.crm.open_case(wf.id, draft, rt.call)
    return {"caseId": case_id, "created": created}


async def _case_id(rt: Runtime, wf: WorkflowRecord, done: Results, subject: str) -> str:
    found = done.get("crm.case", {}).get("caseId")
    if found:
        return str(found)
    # Workflows journalled before the case became a step of its own.
    return str((await case_for_order(rt, wf, subject))["caseId"])


async def comment_once(rt: Runtime, case_id: str, tag: str, body: str) -> dict[str, Any]:
    """Comment on a case once: an earlier comment carrying ``tag`` is reused."""
    comment = await rt.sources.crm.comment_once(case_id, tag, body, rt.call)
    return {"caseId": case_id, "commentId": comment}


async def annotate_declined(rt: Runtime, wf: WorkflowRecord, done: Results, what: str) -> None:
    """Compensation of ``crm.case``: the case says the request was declined (kept, not deleted)."""
    case_id = done.get("crm.case", {}).get("caseId")
    if not case_id:
        return
    body = (
        f"{what} {wf.id} through Order360 was declined before anything was changed: "
        f"{(wf.last_error or 'a check failed').split(' at ')[0]}."
    )
    await comment_once(rt, str(case_id), f"[order360:{wf.id}:declined]", body)


def _subject(wf: WorkflowRecord) -> str:
    return f"Refund for order {wf.order_number}"


async def _crm_case(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    return await case_for_order(rt, wf, _subject(wf))


async def _crm_case_declined(rt: Runtime, wf: WorkflowRecord, done: Results) -> None:
    await annotate_declined(rt, wf, done, "Refund request")


def _refund_amount(wf: WorkflowRecord) -> Money:
    assert wf.amount is not None, "a refund workflow always has an amount"
    return Money(wf.amount, wf.currency)


async def _oms_refund(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    oms = rt.sources.oms
    found = await oms.refund_by_marker(wf.order_id, wf.currency, marker(wf.id), rt.call)
    if found is None:
        lines = [(lid, qty) for lid, qty in wf.payload.get("lines", [])]
        quote = await oms.calculate_refund(wf.order_id, wf.currency, lines, rt.call)
        note = f"{wf.reason}: {wf.payload.get('note') or 'refund'} {marker(wf.id)}"
        found = await oms.create_refund(
            wf.order_id,
            currency=wf.currency,
            amount=_refund_amount(wf),
            quote=quote,
            lines=lines,
            restock="return" if wf.reason in ("DAMAGED", "WRONG_ITEM") and lines else "no_restock",
            note=note,
            idempotency_key=wf.id,
            call=rt.call,
        )
    return {"omsRefundId": found.id, "amount": str(found.amount.amount)}


async def _credit_lines(rt: Runtime, wf: WorkflowRecord) -> tuple[CreditLine, ...]:
    order = await rt.sources.oms.order_by_number(wf.order_number, rt.call)
    if order is None:
        raise Declined("NOT_FOUND", "The order is no longer in the order system.")
    amount = _refund_amount(wf)
    gross = order.subtotal.amount + order.total_tax.amount
    net_share = order.subtotal.amount / gross if gross else Decimal("1")
    net_total = (amount.amount * net_share).quantize(CENT, ROUND_HALF_UP)
    by_line = {line.id: line for line in order.lines}
    lines = [(by_line[lid], qty) for lid, qty in wf.payload.get("lines", []) if lid in by_line]
    if not lines:
        first = order.lines[0]
        return (CreditLine(first.sku, Decimal("1"), Money(net_total, wf.currency)),)
    weights = [line.unit_price.amount * qty for line, qty in lines]
    total_weight = sum(weights) or Decimal("1")
    items: list[CreditLine] = []
    left = net_total
    for index, ((line, qty), weight) in enumerate(zip(lines, weights, strict=True)):
        share = left if index == len(lines) - 1 else (net_total * weight / total_weight)
        share = share.quantize(CENT, ROUND_HALF_UP)
        left -= share
        items.append(CreditLine(line.sku, Decimal(qty), Money(share, wf.currency)))
    return tuple(items)


async def _erp_credit_memo(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    sales_order = done.get("erp.sales_order", {}).get("salesOrder")
    if not sales_order:  # journalled before the check became a step of its own
        sales_order = (await sales_order_of(rt, wf))["salesOrder"]
    credit = CreditNote(
        reference=wf.id,
        oms_refund_id=done["oms.refund"]["omsRefundId"],
        order_number=wf.order_number,
        sales_order=str(sales_order),
        reason=wf.reason,
        lines=await _credit_lines(rt, wf),
    )
    # The ERP finds an earlier post by our reference: a retried step credits once.
    return {"creditMemoRequest": await rt.sources.erp.post_credit(credit, rt.call)}


async def _crm_comment(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    memo = done.get("erp.credit_memo", {}).get("creditMemoRequest", "pending")
    body = (
        f"Refund of {wf.amount} {wf.currency} ({wf.reason.lower().replace('_', ' ')}) issued "
        f"through Order360; OMS refund {done['oms.refund']['omsRefundId']}, ERP credit memo "
        f"request {memo}."
    )
    case_id = await _case_id(rt, wf, done, _subject(wf))
    return await comment_once(rt, case_id, marker(wf.id), body)


REFUND = Plan(
    kind=WorkflowKind.REFUND,
    prefix="rr",
    steps=(
        Step("erp.sales_order", "erp", _erp_sales_order),
        Step("crm.case", "crm", _crm_case, compensate=_crm_case_declined),
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

    async def admit(conn: Any) -> Admitted:
        reserved = await rt.journal.reserved(conn, ask.order_number)
        decision = await assess(rt, ask, reserved)
        if decision.problems:
            raise Refused(*decision.problems)
        order = decision.order
        return Admitted(
            order_number=order.number,
            order_id=order.id,
            channel=order.channel,
            currency=decision.amount.currency,
            amount=decision.amount.amount,
            reason=reason,
            payload={
                "lines": [list(line) for line in decision.lines],
                "note": note,
                "contactId": decision.contact_id,
            },
            needs_approval=decision.requires_approval,
            detail=f"{decision.amount.amount} {decision.amount.currency} ({reason})",
        )

    return await start(
        rt,
        REFUND,
        operation="requestRefund",
        key=key,
        payload=payload,
        order_number=ask.order_number,
        admit=admit,
    )


async def _pending(rt: Runtime, workflow_id: str) -> WorkflowRecord:
    found = is_workflow_id(workflow_id)
    workflow = await rt.journal.workflow(workflow_id) if found else None
    if (
        workflow is None
        or workflow.kind is not WorkflowKind.REFUND
        or not rt.policy.may_see_channel(rt.principal, workflow.channel)
    ):
        raise Refused(Problem("NOT_FOUND", "No refund request matches.", ("id",)))
    if workflow.status is not WorkflowStatus.PENDING_APPROVAL:
        raise Refused(
            Problem("NOT_ELIGIBLE", f"The refund request is {workflow.status}, not pending.")
        )
    return workflow


async def approve_refund(rt: Runtime, workflow_id: str, note: str | None) -> WorkflowRecord:
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
        ask = RefundAsk(workflow.order_number, (), _refund_amount(workflow))
        assert workflow.amount is not None
        check = await assess(rt, ask, others - workflow.amount)
    if check.problems:
        raise Refused(*check.problems)
    moved = await rt.journal.transition(
        workflow_id,
        WorkflowStatus.APPROVED,
        rt.audit(
            "refund.approved",
            "approved",
            detail=note,
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [
            workflow_event(
                rt, workflow, "approved", WorkflowStatus.APPROVED, by=rt.principal.subject
            )
        ],
        approved_by=rt.principal.subject,
        expect=(WorkflowStatus.PENDING_APPROVAL,),
    )
    if not moved:
        raise Refused(Problem("NOT_ELIGIBLE", "The refund request is no longer pending."))
    rt.observer.approval_decided(REFUND.kind, "approved", workflow.created_at)
    return await execute(rt, REFUND, workflow_id)


async def reject_refund(rt: Runtime, workflow_id: str, reason: str) -> None:
    """A supervisor ends a held refund; nothing is written upstream."""
    rt.require("refunds:approve")
    workflow = await _pending(rt, workflow_id)
    moved = await rt.journal.transition(
        workflow_id,
        WorkflowStatus.REJECTED,
        rt.audit(
            "refund.rejected",
            "rejected",
            detail=reason,
            workflow_id=workflow_id,
            order_number=workflow.order_number,
        ),
        [
            workflow_event(
                rt, workflow, "rejected", WorkflowStatus.REJECTED, by=rt.principal.subject
            )
        ],
        expect=(WorkflowStatus.PENDING_APPROVAL,),
    )
    if not moved:
        raise Refused(Problem("NOT_ELIGIBLE", "The refund request is no longer pending."))
    rt.observer.approval_decided(REFUND.kind, "rejected", workflow.created_at)
    rt.observer.workflow_moved(REFUND.kind, WorkflowStatus.REJECTED, workflow.created_at)
