"""Replacements for damaged or wrong items: from stock if the ERP has it, else a refund.

With stock for every SKU: a zero-priced replacement order in the OMS (deduplicated by
our key), a customer return in the ERP (looked up before posting) and a comment on the
order's case. Without: the same lines go through the refund process, so the customer
is made whole either way; the payload says which happened.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

from sources import WorkflowRecord

from .base import Problem, Refused, Runtime
from .eligibility import RefundAsk, live_order
from .engine import Plan, Step, execute
from .idempotency import bind, idempotent
from .refund import comment_once, marker, request_refund

__all__ = ["REPLACEMENT", "request_replacement"]


async def _oms_order(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    created = await rt.sources.writes.oms.create_order(
        customer_id=wf.payload["customerId"],
        lines=[(sku, qty) for sku, qty in wf.payload["skus"]],
        currency=wf.currency,
        tags=f"replacement,order360:{wf.id}",
        note=f"Replacement for {wf.order_number} ({wf.reason}) {marker(wf.id)}",
        idempotency_key=wf.id,
        call=rt.call,
    )
    return {"orderNumber": created.number, "orderId": created.id}


async def _erp_return(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    erp = rt.sources.writes.erp
    existing = await erp.find_customer_return(wf.id, rt.call)
    if existing:
        return {"customerReturn": existing}
    number = await erp.create_customer_return(
        reference=wf.id,
        order_number=wf.order_number,
        reason=wf.reason,
        items=[(sku, qty) for sku, qty in wf.payload["skus"]],
        call=rt.call,
    )
    return {"customerReturn": number}


async def _crm_comment(
    rt: Runtime, wf: WorkflowRecord, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    body = (
        f"Replacement order {done['oms.replacement_order']['orderNumber']} sent through Order360 "
        f"({wf.reason.lower().replace('_', ' ')}); ERP return "
        f"{done['erp.customer_return']['customerReturn']}."
    )
    return await comment_once(rt, wf, f"Replacement for order {wf.order_number}", body)


REPLACEMENT = Plan(
    kind="replacement",
    steps=(
        Step("oms.replacement_order", "oms", _oms_order),
        Step("erp.customer_return", "erp", _erp_return),
        Step("crm.case_comment", "crm", _crm_comment),
    ),
    pivot="oms.replacement_order",
)


async def request_replacement(
    rt: Runtime, order_number: str, lines: tuple[tuple[str, int], ...], reason: str, key: str
) -> tuple[str, str]:
    """(outcome, workflow id): ``REPLACED`` with a replacement workflow, or ``REFUNDED``."""
    rt.require("refunds:write")
    payload = {"order": order_number, "lines": [list(line) for line in lines], "reason": reason}
    outcome: dict[str, str] = {}

    async def run(resume: str | None) -> str:
        if resume:
            await execute(rt, REPLACEMENT, resume, from_statuses=("APPROVED", "PARKED"))
            outcome["kind"] = "REPLACED"
            return resume
        order = await live_order(rt, order_number)
        by_id = {line.id: line for line in order.lines}
        wanted: list[tuple[str, int]] = []
        for index, (line_id, qty) in enumerate(lines):
            line = by_id.get(line_id.removeprefix("shopify:LineItem:"))
            if line is None or not 0 < qty <= line.quantity - line.refunded_quantity:
                raise Refused(
                    Problem(
                        "NOT_ELIGIBLE",
                        "Line or quantity cannot be replaced.",
                        ("lines", str(index)),
                    )
                )
            wanted.append((line.sku, qty))
        if order.customer is None:
            raise Refused(Problem("NOT_ELIGIBLE", "The order has no customer to ship to."))
        stock = await rt.sources.erp.stock([sku for sku, _ in wanted], rt.call)
        in_stock = all(
            stock.get(sku) is not None and stock[sku].quantity >= qty for sku, qty in wanted
        )
        if not in_stock:
            outcome["kind"] = "REFUNDED"
            ask = RefundAsk(order.number, lines, None)
            return await request_refund(
                rt, ask, reason, "replacement out of stock", f"{key}:refund"
            )
        now = time.time()
        record = WorkflowRecord(
            id=f"rp_{uuid.uuid4().hex[:20]}",
            kind="replacement",
            status="APPROVED",
            order_number=order.number,
            order_id=order.id,
            channel=order.channel,
            amount=Decimal("0"),
            currency=order.currency,
            reason=reason,
            requested_by=rt.principal.subject,
            requested_client=rt.principal.client_id,
            approved_by=None,
            payload={"skus": [list(w) for w in wanted], "customerId": order.customer.id},
            outcome=None,
            created_at=now,
            updated_at=now,
        )
        async with rt.journal.order_lock(order.number) as conn:
            await rt.journal.insert_workflow(
                conn,
                record,
                REPLACEMENT.names(),
                rt.audit(
                    "replacement.requested",
                    "accepted",
                    workflow_id=record.id,
                    order_number=order.number,
                ),
                [("replacement.requested", {"id": record.id, "order": order.number})],
            )
        await bind(rt, "requestReplacement", key, record.id)
        await execute(rt, REPLACEMENT, record.id)
        outcome["kind"] = "REPLACED"
        return record.id

    workflow_id = await idempotent(rt, "requestReplacement", key, payload, run)
    if "kind" not in outcome:  # a replay: read the outcome from the workflow's kind
        found = await rt.journal.workflow(workflow_id)
        outcome["kind"] = "REPLACED" if found and found.kind == "replacement" else "REFUNDED"
    return outcome["kind"], workflow_id
