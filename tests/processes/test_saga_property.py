"""Property: whatever happens — faults in any system, gateways dying at any upstream call,
approvals, replays, orders the ERP does not know — money never moves half-way.

Each example runs a random sequence against a sandbox of its own (this module's), then
clears the faults and lets operators replay what rests, and checks after every operation
and at the end:

- no idempotency key is done while its workflow is not at rest;
- no irreversible step happened while an earlier check failed (an order missing in the
  ERP is never refunded in Shopify);
- every workflow ends COMPLETED, REJECTED or COMPENSATED once its faults are cleared and
  what was parked or needed attention is replayed;
- for every workflow the Shopify refunds carrying its marker and the ERP credit memos
  carrying its reference are one each when it completed and none when it compensated,
  so for every order Shopify's refunds through Order360 equal the ERP's credit memos.

A gateway "dies" by a transport to the sandbox that raises an exception nothing in the
gateway catches, at the n-th upstream call, before the call or after the upstream acted
(its answer lost): the request's task unwinds like a killed process, and a new gateway
is started on the same journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from documents import AGENT, APPROVE, OPS, REPLAY, REQUEST_REFUND, SUPERVISOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_refunds import refund_input

from sources import Journal

LEASE = "0.3"
# Settling and checking query the journal often; a budget no run can exhaust.
GATEWAY = {"ORDER360_WORKFLOW_LEASE_SECONDS": LEASE, "ORDER360_RATE_LIMIT_RESTORE_PER_S": "100000"}
HANG_GUARD_S = 120.0
"""A bound against a hang (a failure with its traceback), not a speed claim."""
RESTING = {"COMPLETED", "REJECTED", "COMPENSATED", "PARKED", "NEEDS_ATTENTION", "PENDING_APPROVAL"}
ENDS = {"COMPLETED", "REJECTED", "COMPENSATED"}
FAULTS = {
    "none": None,
    "503 writes": {"error_rate": 1.0, "error_status": 503, "only": "write"},
    "503 all": {"error_rate": 1.0, "error_status": 503},
    "400 writes": {"error_rate": 1.0, "error_status": 400, "only": "write"},
    "429 writes": {"rate_limit_rate": 1.0, "retry_after_s": 60, "only": "write"},
}
CRASH = st.none() | st.tuples(st.integers(1, 22), st.sampled_from(["before", "after"]))
REFUND = st.tuples(
    st.just("refund"),
    st.integers(0, 2),  # which order (2: one the ERP does not know)
    st.sampled_from(["5.00", "40.00", "120.00"]),
    st.integers(0, 3),  # which key (a reused key with other input is refused)
    CRASH,
)
OPERATIONS = st.lists(
    st.one_of(
        REFUND,
        REFUND,
        REFUND,
        st.tuples(
            st.just("fault"),
            st.sampled_from(["oms", "erp", "crm"]),
            st.sampled_from(sorted(FAULTS)),
            st.just(0),
            st.none(),
        ),
        st.tuples(st.just("approve"), st.integers(0, 3), st.just(""), st.just(0), CRASH),
        st.tuples(st.just("replay"), st.integers(0, 3), st.just(""), st.just(0), CRASH),
    ),
    min_size=2,
    max_size=10,
)
WORKFLOWS = """query { workflows(first: 100) { edges { node {
  id kind status orderNumber steps { name status } } } } }"""


class Died(BaseException):
    """The gateway process stops here (nothing in it may catch this)."""


class DyingTransport(httpx.AsyncBaseTransport):
    """The way to the sandbox, killing the gateway at the n-th upstream call."""

    def __init__(self, inner: httpx.AsyncBaseTransport, at: int, when: str) -> None:
        self.inner = inner
        self.at = at
        self.when = when
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == self.at and self.when == "before":
            raise Died
        response = await self.inner.handle_async_request(request)
        if self.calls == self.at:
            await response.aread()
            raise Died
        return response


def _pool(world: Any, in_erp: bool) -> list[Any]:
    return [
        o
        for o in world.orders
        if (o.sales_order is not None) == in_erp
        and (not in_erp or o.sales_order.invoices)
        and o.state == "delivered"
        and o.financial_status == "paid"
        and o.total >= Decimal("200" if in_erp else "50")
    ]


_turn = [0]


def orders_for_example(world: Any) -> list[Any]:
    """Two invoiced orders and one the ERP does not know, in turn (shrinking runs many
    examples; an order reused late in the run has less left to refund, which is fine)."""
    known, unknown = _pool(world, True), _pool(world, False)
    assert len(known) > 10, "the sandbox world lacks invoiced orders"
    assert unknown, "the sandbox world lacks orders missing in the ERP"
    _turn[0] += 1
    n = _turn[0]
    return [known[(2 * n) % len(known)], known[(2 * n + 1) % len(known)], unknown[n % len(unknown)]]


async def _keys_and_workflows(proc: Any) -> tuple[list[Any], dict[str, str]]:
    journal = await Journal.open(proc.database_url)
    try:
        async with journal._engine.connect() as conn:
            keys = list(
                await conn.execute(sa.text("SELECT status, workflow_id FROM idempotency_keys"))
            )
            rows = await conn.execute(sa.text("SELECT id, status FROM workflows"))
            statuses = {r.id: r.status for r in rows}
    finally:
        await journal.close()
    return keys, statuses


async def _check_keys(proc: Any) -> None:
    keys, statuses = await _keys_and_workflows(proc)
    for status, workflow_id in keys:
        if status == "done" and workflow_id:
            assert statuses[workflow_id] in RESTING, (workflow_id, statuses[workflow_id])


async def _workflows(proc: Any, numbers: set[str]) -> list[dict[str, Any]]:
    body = await proc.run(WORKFLOWS, scope=OPS)
    return [
        e["node"] for e in body["data"]["workflows"]["edges"] if e["node"]["orderNumber"] in numbers
    ]


async def _run(
    proc: Any, crash: tuple[int, str] | None, document: str, variables: Any, **how: Any
) -> None:
    """One request, through a gateway that may die on the way (then a new one starts)."""
    if crash is None:
        await proc.run(document, variables, **how)
        return
    await proc.start(
        DyingTransport(httpx.ASGITransport(app=proc.sandbox_app), *crash),
        **GATEWAY,
    )
    with contextlib.suppress(Died):
        await proc.run(document, variables, **how)
    await proc.start(**GATEWAY)
    await asyncio.sleep(float(LEASE) + 0.05)  # the dead gateway's leases run out


async def _settle(proc: Any, numbers: set[str]) -> list[dict[str, Any]]:
    """Faults cleared: approve what waits, replay what rests, until nothing changes."""
    await proc.sandbox.delete("/faults")
    await asyncio.sleep(float(LEASE) + 0.05)
    for _ in range(4):
        found = await _workflows(proc, numbers)
        pending = [w for w in found if w["status"] not in ENDS]
        if not pending:
            return found
        for workflow in pending:
            if workflow["status"] == "PENDING_APPROVAL":
                await proc.run(APPROVE, {"id": workflow["id"]}, scope=SUPERVISOR, subject="sv")
            else:
                await proc.run(REPLAY, {"id": workflow["id"]}, scope=OPS)
    return await _workflows(proc, numbers)


class Handle:
    """The rig, printed briefly: Hypothesis prints a failing test's arguments, and a
    dataclass with the whole sandbox world behind it takes minutes to print."""

    def __init__(self, rig: Any) -> None:
        self.rig = rig

    def __repr__(self) -> str:
        return "<rig>"


@pytest.fixture
def saga(proc: Any) -> Handle:
    return Handle(proc)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
async def test_money_never_moves_half_way(saga: Handle, operations: list[Any]) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        await _example(saga.rig, operations)


async def _example(proc: Any, operations: list[Any]) -> None:
    await proc.start(**GATEWAY)
    orders = orders_for_example(proc.world)
    numbers = {o.name for o in orders}
    keys = [uuid.uuid4().hex for _ in range(4)]
    for kind, index, amount, key, crash in operations:
        if kind == "fault":
            system, mode = index, amount
            body = FAULTS[mode] or {"error_rate": 0.0, "rate_limit_rate": 0.0, "only": None}
            await proc.sandbox.put(f"/faults/{system}", json=body)
        elif kind == "refund":
            variables = refund_input(orders[index], amount, keys[key])
            await _run(proc, crash, REQUEST_REFUND, variables, scope=AGENT)
        else:
            found = await _workflows(proc, numbers)
            wanted = "PENDING_APPROVAL" if kind == "approve" else "PARKED"
            candidates = [w for w in found if w["status"] in (wanted, "NEEDS_ATTENTION")]
            if candidates:
                target = candidates[index % len(candidates)]
                if kind == "approve" and target["status"] == "PENDING_APPROVAL":
                    await _run(
                        proc, crash, APPROVE, {"id": target["id"]}, scope=SUPERVISOR, subject="sv"
                    )
                elif kind == "replay":
                    await _run(proc, crash, REPLAY, {"id": target["id"]}, scope=OPS)
        await _check_keys(proc)
    settled = await _settle(proc, numbers)
    await _check_keys(proc)
    assert {w["status"] for w in settled} <= ENDS, settled
    world = proc.world
    memos = Counter(r.external_id for r in world.credit_memo_requests if r.external_id)
    for workflow in settled:
        steps = {s["name"]: s["status"] for s in workflow["steps"]}
        if steps.get("oms.refund") == "DONE":
            assert steps["erp.sales_order"] == "DONE", workflow  # checked before the pivot
    by_id = {w["id"]: w for w in settled}
    for order in orders:
        truth = world.order_by_name[order.name]
        ours = Counter(
            r.note.split("[order360:")[1].split("]")[0]
            for r in truth.refunds
            if "[order360:" in (r.note or "")
        )
        assert all(n == 1 for n in ours.values()), ours  # never paid twice
        completed = {i for i in ours if by_id.get(i, {}).get("status") == "COMPLETED"}
        assert set(ours) == completed, (ours, settled)  # no refund outside a completed one
        for workflow_id in completed:
            assert memos[workflow_id] == 1, workflow_id  # and each one is in the books once
        if order.sales_order is None:
            assert not ours  # an order the ERP does not know is never refunded
    for workflow in settled:
        if workflow["status"] == "COMPENSATED":
            assert memos[workflow["id"]] == 0
