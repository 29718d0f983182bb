"""Refunds through the governed process: exactly once across OMS, ERP and CRM."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from documents import (
    AGENT,
    APPROVE,
    OPS,
    ORDER_VIEW,
    PREVIEW,
    REPLAY,
    REQUEST_REFUND,
    SUPERVISOR,
)

REFUND_POST = "POST /oms/admin/api/2024-01/orders/{id}/refunds.json"
# What the ERP and the service desk booked, whichever vendor's API (Rig.writes).
MEMO_POST = "credit"
COMMENT_POST = "comment"

_used: set[str] = set()


def paid_delivered(world: Any, minimum: Decimal = Decimal("200")) -> Any:
    """A fresh paid, delivered, invoiced order worth at least ``minimum``."""
    for order in world.orders:
        if (
            order.name not in _used
            and order.state == "delivered"
            and order.financial_status == "paid"
            and order.sales_order is not None
            and order.sales_order.invoices
            and order.total >= minimum
        ):
            _used.add(order.name)
            return order
    raise AssertionError("no suitable order left in the world")


def refund_input(order: Any, amount: str, key: str | None = None) -> dict[str, Any]:
    return {
        "input": {
            "orderNumber": order.name,
            "amount": {"amount": amount, "currency": order.customer.currency},
            "reason": "DAMAGED",
            "note": "box crushed",
            "idempotencyKey": key or uuid.uuid4().hex,
        }
    }


def count(writes: dict[str, dict[str, int]], route: str) -> int:
    return sum(n for routes in writes.values() for r, n in routes.items() if r == route)


async def test_small_refund_completes_across_all_systems(proc: Any) -> None:
    order = paid_delivered(proc.world)
    body = await proc.run(
        REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT, request_id="req-refund-1"
    )
    payload = body["data"]["requestRefund"]
    assert payload["userErrors"] == []
    request = payload["refundRequest"]
    assert request["status"] == "COMPLETED"
    assert [s["name"] for s in request["steps"]] == [
        "erp.sales_order",
        "crm.case",
        "oms.refund",
        "erp.credit_memo",
        "crm.case_comment",
    ]
    assert [s["status"] for s in request["steps"]] == ["DONE"] * 5
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert count(writes, MEMO_POST) == 1
    assert count(writes, COMMENT_POST) == 1
    assert {a["correlationId"] for a in request["audit"]} == {"req-refund-1"}
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT + " ops"))["data"]["order"]
    new = [r for r in view["refunds"] if r["amount"]["amount"] == "5.00"]
    assert len(new) == 1
    assert new[0]["erpCreditMemo"] is not None
    memos = [i for i in view["invoices"] if i["kind"] == "CREDIT_MEMO"]
    assert new[0]["erpCreditMemo"] in {m["documentNumber"] for m in memos}
    assert view["financialStatus"] == "PARTIALLY_REFUNDED"
    assert {a["correlationId"] for a in view["auditTrail"]} >= {"req-refund-1"}
    assert view["cases"]


async def test_same_key_replays_and_other_input_is_refused(proc: Any) -> None:
    order = paid_delivered(proc.world)
    key = uuid.uuid4().hex
    first = await proc.run(REQUEST_REFUND, refund_input(order, "5.00", key), scope=AGENT)
    await proc.reset_counts()
    again = await proc.run(REQUEST_REFUND, refund_input(order, "5.00", key), scope=AGENT)
    assert (
        again["data"]["requestRefund"]["refundRequest"]["id"]
        == first["data"]["requestRefund"]["refundRequest"]["id"]
    )
    other = await proc.run(REQUEST_REFUND, refund_input(order, "6.00", key), scope=AGENT)
    assert other["data"]["requestRefund"]["refundRequest"] is None
    assert [e["code"] for e in other["data"]["requestRefund"]["userErrors"]] == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}


async def test_twelve_concurrent_requests_with_one_key_refund_once(proc: Any) -> None:
    order = paid_delivered(proc.world)
    key = uuid.uuid4().hex
    await proc.sandbox.put("/faults/oms", json={"latency_ms": 100})
    bodies = await asyncio.gather(
        *(
            proc.run(REQUEST_REFUND, refund_input(order, "5.00", key), scope=AGENT)
            for _ in range(12)
        )
    )
    ids = {
        b["data"]["requestRefund"]["refundRequest"]["id"]
        for b in bodies
        if b["data"]["requestRefund"]["refundRequest"]
    }
    codes = {e["code"] for b in bodies for e in b["data"]["requestRefund"]["userErrors"]}
    assert len(ids) == 1
    assert codes <= {"IDEMPOTENCY_KEY_IN_USE"}
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert count(writes, MEMO_POST) == 1


async def test_amount_above_refundable_is_refused_and_writes_nothing(proc: Any) -> None:
    order = paid_delivered(proc.world)
    body = await proc.run(
        REQUEST_REFUND, refund_input(order, str(order.total + Decimal("1.00"))), scope=AGENT
    )
    payload = body["data"]["requestRefund"]
    assert payload["refundRequest"] is None
    assert "AMOUNT_EXCEEDS_REFUNDABLE" in {e["code"] for e in payload["userErrors"]}
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}


async def test_large_refund_waits_for_a_second_person(proc: Any) -> None:
    order = paid_delivered(proc.world)
    body = await proc.run(REQUEST_REFUND, refund_input(order, "150.00"), scope=AGENT)
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "PENDING_APPROVAL"
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}
    own = await proc.run(APPROVE, {"id": request["id"]}, scope=SUPERVISOR, subject="agent-007")
    assert [e["code"] for e in own["data"]["approveRefund"]["userErrors"]] == ["FORBIDDEN"]
    assert own["data"]["approveRefund"]["refundRequest"] is None  # refused: no object
    done = await proc.run(APPROVE, {"id": request["id"]}, scope=SUPERVISOR, subject="supervisor-1")
    approved = done["data"]["approveRefund"]["refundRequest"]
    assert approved["status"] == "COMPLETED"
    assert approved["approvedBy"] == "supervisor-1"
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert count(writes, MEMO_POST) == 1


async def test_preview_explains_without_writing(proc: Any) -> None:
    order = paid_delivered(proc.world)
    variables = {
        "input": {
            "orderNumber": order.name,
            "amount": {"amount": "150.00", "currency": order.customer.currency},
        }
    }
    preview = (await proc.run(PREVIEW, variables, scope=AGENT))["data"]["refundPreview"]
    assert preview["eligible"] is True
    assert preview["requiresApproval"] is True
    assert Decimal(preview["refundable"]["amount"]) == order.total
    assert [r["code"] for r in preview["reasons"]] == ["APPROVAL_REQUIRED"]
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}


async def test_erp_outage_after_the_money_moved_parks_and_replay_completes_once(proc: Any) -> None:
    order = paid_delivered(proc.world)
    # The ERP answers reads (the checks pass) but refuses every posting.
    await proc.sandbox.put(
        "/faults/erp", json={"error_rate": 1.0, "error_status": 503, "only": "write"}
    )
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    payload = body["data"]["requestRefund"]
    request = payload["refundRequest"]
    assert request["status"] == "PARKED"
    steps = {s["name"]: s for s in request["steps"]}
    assert steps["oms.refund"]["status"] == "DONE"
    assert steps["erp.credit_memo"]["status"] == "PARKED"
    assert "SOURCE_UNAVAILABLE" in steps["erp.credit_memo"]["lastError"]
    # The caller is told, not left with a silent half-result.
    assert [e["code"] for e in payload["userErrors"]] == ["SOURCE_UNAVAILABLE"]
    await proc.sandbox.delete("/faults")
    replayed = (await proc.run(REPLAY, {"id": request["id"]}, scope=OPS))["data"]["replayWorkflow"]
    assert replayed["userErrors"] == []
    assert replayed["status"] == "COMPLETED"
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert sum(writes["erp"].values()) == 2  # the posting the ERP refused, and the one it took
    assert count(writes, MEMO_POST) == 1
    assert count(writes, COMMENT_POST) == 1
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    credited = [r for r in view["refunds"] if r["amount"]["amount"] == "5.00"]
    assert len(credited) == 1
    assert credited[0]["erpCreditMemo"] is not None
    again = (await proc.run(REPLAY, {"id": request["id"]}, scope=OPS))["data"]["replayWorkflow"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_ELIGIBLE"]


async def test_without_scope_nothing_happens(proc: Any) -> None:
    order = paid_delivered(proc.world)
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope="orders:read")
    assert [e["code"] for e in body["data"]["requestRefund"]["userErrors"]] == ["FORBIDDEN"]
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}


async def test_line_refund_uses_the_oms_calculation(proc: Any) -> None:
    order = paid_delivered(proc.world, Decimal("50"))
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    line = view["lines"][0]
    variables = {
        "input": {
            "orderNumber": order.name,
            "lines": [{"lineId": line["id"], "quantity": 1}],
            "reason": "WRONG_ITEM",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    body = await proc.run(REQUEST_REFUND, variables, scope=AGENT + " refunds:approve")
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request is not None, body
    assert Decimal(request["amount"]["amount"]) > 0
    after = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    if request["status"] == "COMPLETED":
        assert after["lines"][0]["refundableQuantity"] == line["refundableQuantity"] - 1


async def test_completed_refund_invalidates_the_cached_reads(proc: Any) -> None:
    order = paid_delivered(proc.world)
    before = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    memos_before = {i["documentNumber"] for i in before["invoices"] if i["kind"] == "CREDIT_MEMO"}
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    assert body["data"]["requestRefund"]["refundRequest"]["status"] == "COMPLETED"
    after = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    memos_after = {i["documentNumber"] for i in after["invoices"] if i["kind"] == "CREDIT_MEMO"}
    assert len(memos_after - memos_before) == 1  # the billing read was cached (TTL 60 s)
    new = next(r for r in after["refunds"] if r["amount"]["amount"] == "5.00")
    assert new["erpCreditMemo"] in memos_after - memos_before


async def test_an_upstream_outage_before_any_write_frees_the_key(proc: Any) -> None:
    order = paid_delivered(proc.world)
    same = refund_input(order, "5.00")
    await proc.sandbox.put("/faults/oms", json={"error_rate": 1.0, "error_status": 503})
    failed = (await proc.run(REQUEST_REFUND, same, scope=AGENT))["data"]["requestRefund"]
    assert failed["refundRequest"] is None
    assert [e["code"] for e in failed["userErrors"]] == ["ELIGIBILITY_UNAVAILABLE"]
    assert await proc.writes() == {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}
    await proc.sandbox.delete("/faults")
    retried = await proc.run(REQUEST_REFUND, same, scope=AGENT)  # at once, same key
    assert retried["data"]["requestRefund"]["refundRequest"]["status"] == "COMPLETED"
