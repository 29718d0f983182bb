"""Replacements for damaged or wrong items: from stock if the ERP has it, else a refund.

With stock for every SKU: ``erp.sales_order`` (the order the return references must be
in the ERP), ``crm.case`` (compensated by a "declined" note), then the pivot
``oms.replacement_order`` (a zero-priced order, deduplicated by our key), the customer
return in the ERP (looked up before posting) and a comment on the order's case.
Without stock: the same lines go through the refund process, so the customer is made
whole either way; the payload says which happened.
"""

from __future__ import annotations

from typing import Any

from sources import ReturnLine, ReturnRequest, SourceError, WorkflowKind, WorkflowRecord

from .base import Problem, Refused, Runtime
from .eligibility import RefundAsk, live_order, unavailable
from .engine import (
    Admitted,
    Plan,
    Results,
    Step,
    audited,
    create_workflow,
    resume_workflow,
)
from .idempotency import idempotent
from .refund import (
    REFUND,
    annotate_declined,
    case_for_order,
    comment_once,
    marker,
    request_refund,
    sales_order_of,
)

__all__ = ["REPLACEMENT", "request_replacement"]


def _subject(wf: WorkflowRecord) -> str:
    return f"Replacement for order {wf.order_number}"


async def _erp_sales_order(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    return await sales_order_of(rt, wf)


async def _crm_case(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    return await case_for_order(rt, wf, _subject(wf))


async def _crm_case_declined(rt: Runtime, wf: WorkflowRecord, done: Results) -> None:
    await annotate_declined(rt, wf, done, "Replacement request")


async def _oms_order(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    created = await rt.sources.oms.create_order(
        customer_id=wf.payload["customerId"],
        lines=[(sku, qty) for sku, qty in wf.payload["skus"]],
        currency=wf.currency,
        tags=f"replacement,order360:{wf.id}",
        note=f"Replacement for {wf.order_number} ({wf.reason}) {marker(wf.id)}",
        idempotency_key=wf.id,
        call=rt.call,
    )
    return {"orderNumber": created.number, "orderId": created.id}


async def _erp_return(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    goods = ReturnRequest(
        reference=wf.id,
        order_number=wf.order_number,
        reason=wf.reason,
        lines=tuple(ReturnLine(sku, qty) for sku, qty in wf.payload["skus"]),
    )
    # The ERP finds an earlier post by our reference: a retried step returns once.
    return {"customerReturn": await rt.sources.erp.post_return(goods, rt.call)}


async def _crm_comment(rt: Runtime, wf: WorkflowRecord, done: Results) -> dict[str, Any]:
    body = (
        f"Replacement order {done['oms.replacement_order']['orderNumber']} sent through Order360 "
        f"({wf.reason.lower().replace('_', ' ')}); ERP return "
        f"{done['erp.customer_return']['customerReturn']}."
    )
    case_id = done.get("crm.case", {}).get("caseId")
    if not case_id:  # journalled before the case became a step of its own
        case_id = (await case_for_order(rt, wf, _subject(wf)))["caseId"]
    return await comment_once(rt, str(case_id), marker(wf.id), body)


REPLACEMENT = Plan(
    kind=WorkflowKind.REPLACEMENT,
    prefix="rp",
    steps=(
        Step("erp.sales_order", "erp", _erp_sales_order),
        Step("crm.case", "crm", _crm_case, compensate=_crm_case_declined),
        Step("oms.replacement_order", "oms", _oms_order),
        Step("erp.customer_return", "erp", _erp_return),
        Step("crm.case_comment", "crm", _crm_comment),
    ),
    pivot="oms.replacement_order",
)
_PLANS = {WorkflowKind.REPLACEMENT: REPLACEMENT, WorkflowKind.REFUND: REFUND}


async def _wanted(
    rt: Runtime, order_number: str, lines: tuple[tuple[str, int], ...]
) -> tuple[Any, list[tuple[str, int]]]:
    """The order and the SKUs and quantities to replace; refuses lines it cannot replace."""
    order = await live_order(rt, order_number)
    by_id = {line.id: line for line in order.lines}
    wanted: list[tuple[str, int]] = []
    problems: list[Problem] = []
    for index, (native, qty) in enumerate(lines):
        line = by_id.get(native)
        field = ("lines", str(index))
        if line is None:
            problems.append(Problem("NOT_FOUND", f"No line {native} on this order.", field))
        elif not 0 < qty <= line.quantity - line.refunded_quantity:
            problems.append(Problem("NOT_ELIGIBLE", "That quantity cannot be replaced.", field))
        else:
            wanted.append((line.sku, qty))
    if order.customer is None:
        problems.append(Problem("NOT_ELIGIBLE", "The order has no customer to ship to."))
    if problems:
        raise Refused(*problems)
    return order, wanted


async def request_replacement(
    rt: Runtime, order_number: str, lines: tuple[tuple[str, int], ...], reason: str, key: str
) -> WorkflowRecord:
    """The workflow that made the customer whole: a replacement, or a refund without stock.

    ``order_number`` is canonical and ``lines`` carry native line ids (checked by the
    caller); the result's kind says which outcome happened.
    """
    rt.require("refunds:write")
    if not lines:
        raise Refused(Problem("BAD_USER_INPUT", "Name at least one line to replace.", ("lines",)))
    payload = {"order": order_number, "lines": [list(line) for line in lines], "reason": reason}

    async def run(resume: WorkflowRecord | None) -> str:
        if resume is not None:
            return await resume_workflow(rt, resume, _PLANS)
        order, wanted = await _wanted(rt, order_number, lines)
        try:
            stock = await rt.sources.erp.stock([sku for sku, _ in wanted], rt.call)
        except SourceError as error:
            raise Refused(unavailable(error, "the stock")) from error
        if not all(stock.get(sku) is not None and stock[sku].quantity >= q for sku, q in wanted):
            ask = RefundAsk(order.number, lines, None)
            return await request_refund(
                rt, ask, reason, "replacement out of stock", f"{key}:refund"
            )

        async def admit(conn: Any) -> Admitted:
            # Everything the steps will rely on, checked again under the lock.
            fresh, skus = await _wanted(rt, order_number, lines)
            assert fresh.customer is not None  # _wanted refuses orders without one
            return Admitted(
                order_number=fresh.number,
                order_id=fresh.id,
                channel=fresh.channel,
                currency=fresh.currency,
                reason=reason,
                payload={"skus": [list(w) for w in skus], "customerId": fresh.customer.id},
            )

        return await create_workflow(
            rt,
            REPLACEMENT,
            operation="requestReplacement",
            key=key,
            number=order_number,
            admit=admit,
        )

    workflow_id = await audited(
        rt,
        WorkflowKind.REPLACEMENT,
        order_number,
        idempotent(rt, "requestReplacement", key, payload, run),
    )
    found = await rt.journal.workflow(workflow_id)
    assert found is not None
    return found
