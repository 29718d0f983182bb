"""What the source boundary refuses on a request's behalf, end to end.

The per-request ceiling on upstream calls (``ORDER360_MAX_UPSTREAM_CALLS``), with what
the largest legitimate request needs pinned so the default stays far above it; and
input that cannot be sent upstream, which is the caller's ``BAD_USER_INPUT``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from bench.workloads import page

ORDER = """
query($n: String!) {
  order(number: $n) {
    number
    lines { sku }
    customer { name }
    erpSalesOrder { documentNumber }
    invoices { documentNumber }
    shipments { trackingNumber status events { status } }
    cases { number }
  }
}
"""
ALL_READ = "orders:read pii:read cases:read"


async def ask(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    # ASCII-escaped JSON, so that a lone surrogate travels as the client would send it.
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data_calls(stats: dict[str, Any]) -> int:
    """Upstream reads and writes (OAuth token calls are the client's, not the request's)."""
    return sum(system["reads"] + system["writes"] for system in stats.values())


async def test_a_request_stops_at_its_ceiling_of_upstream_calls(
    start_gateway: Callable[..., Any],
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    order = next(o for o in world.orders if o.sales_order and o.cases and o.shipments)
    async with start_gateway(ORDER360_MAX_UPSTREAM_CALLS="2") as gateway:
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
        assert data_calls(await sandbox_stats()) <= 2
        assert body["data"]["order"]["number"] == order.name
        refused = [e for e in body["errors"] if e["extensions"]["code"] == "QUERY_TOO_COMPLEX"]
        assert refused
        for error in refused:
            assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}  # no source: none failed
            assert error["message"] == "This request needs more upstream calls than allowed."
        # The ceiling is the request's, not the upstreams': the next request is whole,
        # and no breaker opened.
        health = await ask(gateway, token("ops"), "{ sources { name state errorRate } }", {})
        assert {s["state"] for s in health["data"]["sources"]} == {"CLOSED"}
    async with start_gateway() as gateway:
        whole = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
        assert "errors" not in whole


async def test_the_largest_legitimate_page_stays_far_below_the_default_ceiling(
    start_gateway: Callable[..., Any],
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    # A page of 250 orders (the most a page holds) with every field of the benchmark.
    async with start_gateway(
        ORDER360_CACHE_TTL_SECONDS="0", ORDER360_MAX_QUERY_COST="100000"
    ) as gateway:
        body = await ask(gateway, token(ALL_READ), page("wide"), {"first": 250})
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["orders"]["edges"]) == 250
    # 23 today: 2 OMS pages, 5 + 5 ERP chunks, 5 CRM queries, 6 carrier calls.
    assert data_calls(await sandbox_stats()) <= 50  # the default ceiling is 200


async def test_input_that_cannot_be_sent_is_the_callers_error(
    start_gateway: Callable[..., Any],
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    query = "query($n: String!) { order(number: $n) { number } }"
    async with start_gateway() as gateway:
        # "\ud800" arrives through JSON's escape as a lone surrogate; the long number
        # is beyond what any server takes in a URL. Resolvers may refuse either
        # earlier: the answer is the same code, and no system is blamed.
        for number in ("#10\ud800", "#" + "1" * 70_000):
            body = await ask(gateway, token(ALL_READ), query, {"n": number})
            assert body["data"] == {"order": None}
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert "source" not in error["extensions"]
        health = await ask(gateway, token("ops"), "{ sources { name errorRate } }", {})
    assert data_calls(await sandbox_stats()) == 0
    assert {s["errorRate"] for s in health["data"]["sources"]} == {None}  # no samples at all
