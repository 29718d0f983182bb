"""Every claimed key ends with its work, and parked work drains on its own.

The background runner is on here (``ORDER360_PARKED_RETRY_SECONDS`` small); the waits
below are bounds against hanging, never claims about speed. Polling is priced like any
client's queries, so the gateways here get a budget that a slow machine cannot exhaust.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from documents import AGENT, OPS, REQUEST_REFUND
from test_refunds import MEMO_POST, REFUND_POST, count, paid_delivered, refund_input

BUDGET = {"ORDER360_RATE_LIMIT_RESTORE_PER_S": "100000"}
CASE_UPSERT = "case"  # opened by the service desk, whichever vendor (Rig.writes)
WORKFLOWS = """query { workflows(kind: REFUND, first: 20) {
  edges { node { id status orderNumber retries steps { name status } } } } }"""


async def workflows_of(proc: Any, numbers: set[str]) -> list[dict[str, Any]]:
    body = await proc.run(WORKFLOWS, scope=OPS)
    if body.get("errors"):
        # A poll the journal could not answer in time (a loaded machine, the runner busy
        # on the same rows) is a coded error, not a verdict: the caller polls again.
        assert {e["extensions"]["code"] for e in body["errors"]} <= {"SOURCE_UNAVAILABLE"}, body
        return []
    return [
        e["node"] for e in body["data"]["workflows"]["edges"] if e["node"]["orderNumber"] in numbers
    ]


async def until(check: Any, bound_s: float = 30.0) -> None:
    """Wait until ``check()`` is true (a bound against hanging, not a speed claim)."""
    async with asyncio.timeout(bound_s):
        while not await check():  # noqa: ASYNC110 - polling another system's state
            await asyncio.sleep(0.25)


async def test_a_run_killed_before_its_pivot_is_finished_by_the_runner(proc: Any) -> None:
    order = paid_delivered(proc.world)
    same = refund_input(order, "5.00")
    await proc.start(ORDER360_WORKFLOW_LEASE_SECONDS="1", ORDER360_REQUEST_DEADLINE_MS="60000")
    await proc.sandbox.put("/faults/oms", json={"latency_ms": 1500})
    task = asyncio.create_task(proc.run(REQUEST_REFUND, same, scope=AGENT))

    async def case_opened() -> bool:
        return count(await proc.writes(), CASE_UPSERT) == 1 or task.done()

    await until(case_opened)
    task.cancel()  # the gateway dies after claiming the key, before the money moved
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await proc.sandbox.delete("/faults")
    # A new process with the runner on: the dead run's lease runs out and it resumes.
    await proc.start(
        ORDER360_WORKFLOW_LEASE_SECONDS="1", ORDER360_PARKED_RETRY_SECONDS="0.2", **BUDGET
    )

    async def completed() -> bool:
        found = await workflows_of(proc, {order.name})
        return bool(found) and found[0]["status"] == "COMPLETED"

    await until(completed)
    again = await proc.run(REQUEST_REFUND, same, scope=AGENT)  # the client retries its key
    request = again["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "COMPLETED"
    assert [w["id"] for w in await workflows_of(proc, {order.name})] == [request["id"]]
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 1
    assert count(writes, MEMO_POST) == 1
    await proc.start()


async def test_parked_work_drains_once_the_system_is_back(proc: Any) -> None:
    orders = [paid_delivered(proc.world) for _ in range(4)]
    numbers = {o.name for o in orders}
    await proc.start(ORDER360_PARKED_RETRY_SECONDS="0.2", **BUDGET)
    await proc.sandbox.put(
        "/faults/erp", json={"error_rate": 1.0, "error_status": 503, "only": "write"}
    )
    for order in orders:
        body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
        assert body["data"]["requestRefund"]["refundRequest"]["status"] == "PARKED"

    async def retried() -> bool:
        found = await workflows_of(proc, numbers)
        return len(found) == 4 and all(w["retries"] >= 1 for w in found)

    await until(retried)  # the runner keeps trying while the ERP refuses
    assert {w["status"] for w in await workflows_of(proc, numbers)} <= {"PARKED", "PROCESSING"}
    await proc.sandbox.delete("/faults")

    async def drained() -> bool:
        found = await workflows_of(proc, numbers)
        return len(found) == 4 and all(w["status"] == "COMPLETED" for w in found)

    await until(drained)
    writes = await proc.writes()
    assert count(writes, REFUND_POST) == 4  # the money moved once per refund
    await proc.start()
