"""Property: whatever clients do with keys, retries, bursts and approvals, each refund
request moves money at most once, books at most one credit memo, and an order never
gets back more than was paid.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from documents import AGENT, APPROVE, REQUEST_REFUND, SUPERVISOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_refunds import paid_delivered, refund_input

AMOUNTS = ["1.00", "5.00", "40.00", "150.00"]
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("request"), st.integers(0, 3), st.sampled_from(AMOUNTS)),
        st.tuples(st.just("burst"), st.integers(0, 3), st.sampled_from(AMOUNTS)),
        st.tuples(st.just("approve"), st.integers(0, 3), st.just("")),
    ),
    min_size=1,
    max_size=7,
)
CREDIT_MEMOS = "/erp/sap/opu/odata/sap/API_CREDIT_MEMO_REQUEST_SRV/A_CreditMemoRequest"


async def _credit_memo_refs(proc: Any, number: str) -> list[str]:
    """Our refund references on the ERP's credit memo requests for the order."""
    async with proc.sandbox_client() as erp:
        response = await erp.get(
            CREDIT_MEMOS,
            params={
                "$filter": f"PurchaseOrderByCustomer eq '{number}'",
                "$select": "YY1_Order360RefundID_SDH",
                "$format": "json",
            },
        )
    response.raise_for_status()
    return [row["YY1_Order360RefundID_SDH"] for row in response.json()["d"]["results"]]


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
async def test_refunds_move_money_at_most_once(proc: Any, operations: list[Any]) -> None:
    order = paid_delivered(proc.world)
    keys = [uuid.uuid4().hex for _ in range(4)]
    requests: dict[int, str] = {}
    for kind, index, amount in operations:
        if kind == "approve":
            if index in requests:
                await proc.run(
                    APPROVE, {"id": requests[index]}, scope=SUPERVISOR, subject="supervisor-9"
                )
            continue
        variables = refund_input(order, amount, keys[index])
        copies = 3 if kind == "burst" else 1
        bodies = await asyncio.gather(
            *(proc.run(REQUEST_REFUND, variables, scope=AGENT) for _ in range(copies))
        )
        for body in bodies:
            created = body["data"]["requestRefund"]["refundRequest"]
            if created:
                assert requests.setdefault(index, created["id"]) == created["id"]
    truth = proc.world.order_by_name[order.name]
    ours = [r for r in truth.refunds if "[order360:" in (r.note or "")]
    markers = Counter(r.note.split("[order360:")[1].split("]")[0] for r in ours)
    assert all(n == 1 for n in markers.values()), markers
    assert set(markers) <= set(requests.values())
    memos = Counter(await _credit_memo_refs(proc, order.name))
    assert all(n == 1 for n in memos.values()), memos
    assert set(memos) <= set(markers)
    refunded = sum((r.amount for r in truth.refunds), Decimal("0"))
    assert refunded <= truth.total
