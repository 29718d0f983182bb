"""A guard on execution cost that cannot flake: Python calls per request, not seconds.

The gateway runs in the test's thread against a sandbox served by uvicorn in a thread of
its own, over loopback sockets and the production transport (``bench.inprocess``). A
profile hook counts every Python function call in the test's thread while a workload
runs: the gateway's whole request path (edge, parse, limits, resolvers, upstream
clients) and the in-process client that posts to it, nothing of the sandbox. The count
is a property of the code, not of the machine. The lowest of a few runs is compared,
since the event loop may wake for a background task or read a socket in two chunks.

Each budget is the count measured when it was set, plus half again: a change that makes
a workload that much costlier fails here, and the benchmark says by how much in time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bench.inprocess import CallCounter, gateway_over_loopback, sandbox_in_thread
from bench.workloads import one_order, page

# Calls per request when set (see the module docstring), and the budget: +50 %.
MEASURED = {"Q1 wide": 13_700, "Q50 narrow": 49_700, "Q50 wide": 172_000}
BUDGET = {name: int(calls * 1.5) for name, calls in MEASURED.items()}
RUNS = 3


async def calls_per_request(
    client: httpx.AsyncClient, token: str, document: str, variables: dict[str, Any]
) -> int:
    """The fewest calls one request took over ``RUNS`` runs (after one warm-up)."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"query": document, "variables": variables}
    counts = []
    for run in range(RUNS + 1):
        counter = CallCounter()
        with counter.counting():
            response = await client.post("/graphql", json=body, headers=headers)
        answer = response.json()
        assert response.status_code == 200, answer
        assert "errors" not in answer, answer
        if run:  # the first run fills the parser, validation and token caches
            counts.append(counter.calls)
    return min(counts)


@pytest.fixture(scope="module")
async def loopback(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    with sandbox_in_thread(sandbox_app) as sandbox:
        async with gateway_over_loopback(sandbox) as client:
            yield client


async def test_execution_cost_stays_within_budget(loopback, token) -> None:
    bearer = token()
    first = await loopback.post(
        "/graphql",
        json={"query": page("wide"), "variables": {"first": 50}},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    number = first.json()["data"]["orders"]["edges"][0]["node"]["number"]
    measured = {
        "Q1 wide": await calls_per_request(loopback, bearer, one_order("wide"), {"n": number}),
        "Q50 narrow": await calls_per_request(loopback, bearer, page("narrow"), {"first": 50}),
        "Q50 wide": await calls_per_request(loopback, bearer, page("wide"), {"first": 50}),
    }
    over = {name: (calls, BUDGET[name]) for name, calls in measured.items() if calls > BUDGET[name]}
    assert not over, f"calls per request above budget (measured, budget): {over}"
