"""A process killed mid-way completes exactly once after restart; cases and replacements."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from documents import AGENT, COMMENT, OPEN_CASE, ORDER_VIEW, REPLACE, REQUEST_REFUND
from test_refunds import COMMENT_POST, MEMO_POST, REFUND_POST, count, paid_delivered, refund_input

ORDER_CREATE = "POST /oms/admin/api/2024-01/orders.json"
RETURN_POST = "return"  # booked by the ERP, whichever vendor (Rig.writes)


async def test_crash_between_erp_posting_and_crm_completes_once(proc: Any) -> None:
    order = paid_delivered(proc.world)
    same = refund_input(order, "5.00")
    # A slow CRM and a generous deadline: the run is caught between its ERP posting and
    # its CRM comment (the CRM's case step, before the money moved, is slow too).
    await proc.start(ORDER360_WORKFLOW_LEASE_SECONDS="1", ORDER360_REQUEST_DEADLINE_MS="60000")
    await proc.sandbox.put("/faults/crm", json={"latency_ms": 1500})
    task = asyncio.create_task(proc.run(REQUEST_REFUND, same, scope=AGENT))
    for _ in range(3000):  # a bound against hanging, not a speed claim
        if count(await proc.writes(), MEMO_POST) == 1:
            break
        await asyncio.sleep(0.01)
    assert count(await proc.writes(), MEMO_POST) == 1
    task.cancel()  # the gateway dies before the CRM step finishes
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await proc.start(ORDER360_WORKFLOW_LEASE_SECONDS="1")  # a new process, same journal
    await proc.sandbox.delete("/faults")
    await asyncio.sleep(1.2)  # the dead run's leases run out
    body = await proc.run(REQUEST_REFUND, same, scope=AGENT)  # the client retries its key
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "COMPLETED", body
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert count(writes, MEMO_POST) == 1
    assert count(writes, COMMENT_POST) == 1
    await proc.start()


async def test_open_case_is_idempotent_and_shows_on_the_order(proc: Any) -> None:
    order = paid_delivered(proc.world)
    variables = {
        "input": {
            "orderNumber": order.name,
            "subject": "Parcel arrived damaged",
            "priority": "High",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    first = (await proc.run(OPEN_CASE, variables, scope=AGENT))["data"]["openCase"]
    again = (await proc.run(OPEN_CASE, variables, scope=AGENT))["data"]["openCase"]
    assert first["userErrors"] == []
    assert first["case"]["number"] == again["case"]["number"]
    assert first["case"]["order"]["number"] == order.name
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    assert first["case"]["number"] in {c["number"] for c in view["cases"]}
    comment = {
        "input": {
            "caseNumber": first["case"]["number"],
            "body": "Customer sent photos.",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    for _ in range(2):
        body = (await proc.run(COMMENT, comment, scope=AGENT))["data"]["addCaseComment"]
        assert body["userErrors"] == []
    assert count(await proc.writes(), COMMENT_POST) == 1


async def test_case_write_needs_its_scope(proc: Any) -> None:
    order = paid_delivered(proc.world)
    variables = {
        "input": {"orderNumber": order.name, "subject": "x", "idempotencyKey": uuid.uuid4().hex}
    }
    body = (await proc.run(OPEN_CASE, variables, scope="orders:read"))["data"]["openCase"]
    assert [e["code"] for e in body["userErrors"]] == ["FORBIDDEN"]


async def test_replacement_from_stock_or_refund_when_out(proc: Any) -> None:
    order = paid_delivered(proc.world)
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    line = view["lines"][0]
    await proc.sandbox.put(f"/stock/{line['sku']}", json={"quantity": 50})
    variables = {
        "input": {
            "orderNumber": order.name,
            "lines": [{"lineId": line["id"], "quantity": 1}],
            "reason": "DAMAGED",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    body = (await proc.run(REPLACE, variables, scope=AGENT))["data"]["requestReplacement"]
    assert body["userErrors"] == []
    assert body["outcome"] == "REPLACED"
    assert body["replacementOrderNumber"]
    writes = await proc.writes()
    assert count(writes, ORDER_CREATE) == 1
    assert count(writes, RETURN_POST) == 1
    replacement = await proc.run(ORDER_VIEW, {"n": body["replacementOrderNumber"]}, scope=AGENT)
    assert replacement["data"]["order"]["lines"][0]["sku"] == line["sku"]

    other = paid_delivered(proc.world)
    view = (await proc.run(ORDER_VIEW, {"n": other.name}, scope=AGENT))["data"]["order"]
    line = view["lines"][0]
    await proc.sandbox.put(f"/stock/{line['sku']}", json={"quantity": 0})
    variables["input"] |= {
        "orderNumber": other.name,
        "lines": [{"lineId": line["id"], "quantity": 1}],
        "idempotencyKey": uuid.uuid4().hex,
    }
    body = (await proc.run(REPLACE, variables, scope=AGENT))["data"]["requestReplacement"]
    assert body["outcome"] == "REFUNDED"
    assert body["refundRequest"]["status"] in {"COMPLETED", "PENDING_APPROVAL"}
