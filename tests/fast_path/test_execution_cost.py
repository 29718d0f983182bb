"""A guard on execution cost that cannot flake: Python calls per request, not seconds.

The gateway runs in the test's thread against a sandbox served by uvicorn in a thread of
its own, over loopback sockets and the production transport. A profile hook counts
every Python function call in the test's thread while a workload runs: the
gateway's whole request path (edge, parse, limits, resolvers, upstream clients) and the
in-process client that posts to it, nothing of the sandbox. Only Python frames count:
interpreted calls are where the time goes, while a C call (``str.isascii``) costs a
fraction as much. The count is a property of
the code, not of the machine. The lowest of a few runs is compared, since the
event loop may wake for a background task or read a socket in two chunks.

Each budget is the count measured when it was set, plus half again: a change that makes
a workload that much costlier fails here, and the benchmark says by how much in time.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bench.workloads import one_order, page
from gateway.app import create_app
from gateway.settings import load_settings

ISSUER = "urn:order360:sandbox-idp"  # the sandbox IdP's, as in tests/conftest.py

# Calls per request when set (see the module docstring), and the budget: +50 %.
MEASURED = {"Q1 wide": 14_000, "Q50 narrow": 50_500, "Q50 wide": 172_500}
BUDGET = {name: int(calls * 1.5) for name, calls in MEASURED.items()}
RUNS = 3


@contextmanager
def sandbox_in_thread(app: Starlette) -> Iterator[str]:
    """The sandbox on a loopback port, served by its own event loop in another thread."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "sandbox thread did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/sandbox"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@asynccontextmanager
async def gateway_over_loopback(sandbox: str) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway with the production transport, no cache, reaching ``sandbox`` by socket."""
    environ = {
        "ORDER360_ERP_URL": f"{sandbox}/erp",
        "ORDER360_OMS_URL": f"{sandbox}/oms",
        "ORDER360_CRM_URL": f"{sandbox}/crm",
        "ORDER360_CARRIER_URL": f"{sandbox}/carrier",
        "ORDER360_JWKS_URL": f"{sandbox}/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": ISSUER,
        "ORDER360_CACHE_TTL_SECONDS": "0",
        "ORDER360_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='order360-')}/j.db",
        "ORDER360_RATE_LIMIT_CAPACITY": "1000000000",
        "ORDER360_RATE_LIMIT_RESTORE_PER_S": "1000000000",
        "ORDER360_MAX_QUERY_COST": "1000000",
    }
    app = create_app(load_settings(environ, env_file=None))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


class CallCounter:
    """Counts Python function calls (and coroutine resumptions) in this thread."""

    def __init__(self) -> None:
        self.calls = 0

    def _hook(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":  # Python frames; C calls are cheap and would swamp the count
            self.calls += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        sys.setprofile(self._hook)
        try:
            yield
        finally:
            sys.setprofile(None)


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
