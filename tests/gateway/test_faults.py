"""One sick upstream costs only its fields: partial results, deadline, breaker, retries, stale.

Each test starts its own gateway, so breaker and cache state never leak between tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

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
    sections { source state ageSeconds retryAfterSeconds }
  }
}
"""
SOURCES = "{ sources { name state latencyP50Ms errorRate } }"
ALL_READ = "orders:read pii:read cases:read"


async def ask(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def shipped_with_everything(world: Any) -> Any:
    return next(
        o
        for o in world.orders
        if o.sales_order and o.sales_order.invoices and o.cases and o.shipments
    )


def sections(body: dict[str, Any]) -> dict[str, str]:
    return {s["source"]: s["state"] for s in body["data"]["order"]["sections"]}


async def test_crm_down_costs_only_crm_fields(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
) -> None:
    order = shipped_with_everything(world)
    await sandbox.put("/faults/crm", json={"error_rate": 1.0, "error_status": 503})
    async with start_gateway() as gateway:
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
    data = body["data"]["order"]
    assert data["number"] == order.name
    assert data["lines"]
    assert data["erpSalesOrder"]["documentNumber"] == order.sales_order.number
    assert data["invoices"]
    assert all(s["events"] for s in data["shipments"])
    assert data["customer"] is None
    assert data["cases"] is None
    failed = {tuple(e["path"]): e for e in body["errors"]}
    assert set(failed) == {("order", "customer"), ("order", "cases")}
    for error in failed.values():
        assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "crm"}
        assert error["message"] == "The CRM is unavailable."
    text = str(body)
    for leak in ("sandbox", "http", "Traceback", "services/data", "503"):
        assert leak not in text
    assert sections(body) == {"oms": "OK", "erp": "OK", "crm": "UNAVAILABLE", "carrier": "OK"}


async def test_slow_carrier_is_cut_at_the_request_deadline(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    """Shown by what happened, not by a clock, so a busy machine cannot fail it.

    The carrier answers after 8 s with real data; the request deadline (1.8 s) is shorter
    than the carrier's own per-call timeout (2 s). An answer whose tracking fields are
    SOURCE_TIMEOUT therefore did not wait for the carrier, and one attempt per carrier
    route (the sandbox's record) shows the request deadline ended it: the per-call
    timeout would have left time for retries.
    """
    order = shipped_with_everything(world)
    await sandbox.put("/faults/carrier", json={"latency_ms": 8000})
    async with start_gateway(ORDER360_REQUEST_DEADLINE_MS="1800") as gateway:
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
    attempts = (await sandbox_stats())["carrier"]["by_route"]
    assert attempts, "the carrier was never asked"
    assert set(attempts.values()) == {1}, attempts
    data = body["data"]["order"]
    assert data["erpSalesOrder"]
    assert data["customer"]
    assert data["cases"] is not None
    codes = {
        (tuple(e["path"])[-1], e["extensions"]["code"], e["extensions"]["source"])
        for e in body["errors"]
    }
    assert codes == {("events", "SOURCE_TIMEOUT", "carrier")}
    # Status falls back to what the OMS last knew.
    assert all(s["status"] for s in data["shipments"])
    assert sections(body)["carrier"] == "TIMED_OUT"


async def test_failing_erp_opens_its_breaker_and_stops_calls(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    orders = [o for o in world.orders if o.sales_order][:40]
    await sandbox.put("/faults/erp", json={"error_rate": 1.0, "error_status": 503})
    async with start_gateway() as gateway:
        agent = token(ALL_READ + " ops")
        opened_after = None
        for count, order in enumerate(orders[:20], start=1):
            await ask(gateway, agent, ORDER, {"n": order.name})
            health = await ask(gateway, agent, SOURCES)
            erp = next(s for s in health["data"]["sources"] if s["name"] == "erp")
            if erp["state"] == "OPEN":
                opened_after = count
                break
        assert opened_after is not None
        assert opened_after <= 20
        before = (await sandbox_stats())["erp"]["reads"]
        for order in orders[20:30]:
            body = await ask(gateway, agent, ORDER, {"n": order.name})
            assert body["data"]["order"]["lines"]
            assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_UNAVAILABLE"}
        assert (await sandbox_stats())["erp"]["reads"] - before <= 2
        assert erp["errorRate"] == 1.0


async def test_oms_throttling_is_ridden_out_with_retry_after(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    await sandbox.put("/faults/oms", json={"rate_limit_rate": 0.3, "retry_after_s": 0})
    complete = 0
    async with start_gateway() as gateway:
        for order in world.orders[100:120]:
            body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
            if "errors" not in body and body["data"]["order"] is not None:
                complete += 1
                continue
            # What the retry budget cannot cover surfaces as the throttling it is.
            for error in body["errors"]:
                assert error["extensions"]["code"] == "SOURCE_THROTTLED", error
                assert error["extensions"]["retryAfterSeconds"] == 0
    # Throttled retries spend from the retry budget like any other (at most 20 % of
    # requests, floor 3), so 30 % throttling is mostly, not wholly, ridden out, and
    # the OMS sees at most 20 + 4 calls for these 20 one-call queries.
    assert complete >= 10
    assert (await sandbox_stats())["oms"]["reads"] <= 24


async def test_retry_after_as_http_date_is_honoured(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
) -> None:
    await sandbox.put("/faults/erp", json={"rate_limit_rate": 1.0, "retry_after_s": "http-date"})
    # One ERP call: the date names the next whole second, so the call may be throttled
    # twice before the fault clears, and both retries fit the retry budget's floor of 3
    # (two calls could need four; throttled retries spend from the budget too).
    query = "query($n: String!) { order(number: $n) { number erpSalesOrder { documentNumber } } }"
    async with start_gateway() as gateway:
        task = asyncio.create_task(
            ask(gateway, token(ALL_READ), query, {"n": shipped_with_everything(world).name})
        )
        await asyncio.sleep(0.3)
        await sandbox.delete("/faults")
        body = await task
    assert "errors" not in body, body["errors"]


async def test_malformed_erp_body_is_a_coded_error_for_its_fields_only(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
) -> None:
    order = shipped_with_everything(world)
    await sandbox.put("/faults/erp", json={"malformed_rate": 1.0})
    async with start_gateway() as gateway:
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
    assert body["data"]["order"]["customer"] is not None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_BAD_RESPONSE"}
    assert {e["extensions"]["source"] for e in body["errors"]} == {"erp"}


async def test_stale_erp_data_is_served_and_marked_when_the_erp_fails(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
) -> None:
    order = shipped_with_everything(world)
    async with start_gateway(ORDER360_CACHE_TTL_SECONDS="1") as gateway:
        fresh = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
        assert sections(fresh)["erp"] == "OK"
        await asyncio.sleep(1.5)
        await sandbox.put("/faults/erp", json={"error_rate": 1.0, "error_status": 503})
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
    assert "errors" not in body
    data = body["data"]["order"]
    assert data["erpSalesOrder"] == fresh["data"]["order"]["erpSalesOrder"]
    erp = next(s for s in data["sections"] if s["source"] == "erp")
    assert erp["state"] == "STALE"
    assert erp["ageSeconds"] >= 1.5
    stale = {tuple(s["path"]): s for s in body["extensions"]["stale"]}
    assert {("order", "erpSalesOrder"), ("order", "invoices")} <= set(stale)
    assert all(s["source"] == "erp" and s["ageSeconds"] >= 1.5 for s in stale.values())


async def test_concurrent_misses_share_one_upstream_call(
    start_gateway: Callable[..., Any],
    sandbox: httpx.AsyncClient,
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    order = shipped_with_everything(world)
    await sandbox.put("/faults/erp", json={"latency_ms": 200})
    async with start_gateway(ORDER360_CACHE_TTL_SECONDS="30") as gateway:
        agent = token(ALL_READ)
        bodies = await asyncio.gather(
            *(ask(gateway, agent, ORDER, {"n": order.name}) for _ in range(8))
        )
    assert all("errors" not in b for b in bodies)
    erp = (await sandbox_stats())["erp"]["by_route"]
    assert sum(erp.values()) == 2  # one sales-order read, one billing read, for 8 requests


async def test_cache_never_crosses_tenants(
    start_gateway: Callable[..., Any],
    sandbox_stats: Callable[..., Any],
    token: Callable[..., str],
    world: Any,
) -> None:
    order = next(o for o in world.orders if o.channel == "partner:acme" and o.sales_order)
    async with start_gateway(ORDER360_CACHE_TTL_SECONDS="30") as gateway:
        await ask(gateway, token(ALL_READ, partner="acme"), ORDER, {"n": order.name})
        after_partner = (await sandbox_stats())["erp"]["reads"]
        await ask(gateway, token(ALL_READ, partner="acme"), ORDER, {"n": order.name})
        assert (await sandbox_stats())["erp"]["reads"] == after_partner  # same tenant: a hit
        await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
        assert (await sandbox_stats())["erp"]["reads"] == after_partner + 2  # other: a miss


async def test_wrong_upstream_credentials_are_refused_by_the_upstream(
    start_gateway: Callable[..., Any], token: Callable[..., str], world: Any
) -> None:
    order = shipped_with_everything(world)
    async with start_gateway(
        ORDER360_CRM_CLIENT_SECRET="wrong", ORDER360_ERP_PASSWORD="wrong"
    ) as gateway:
        body = await ask(gateway, token(ALL_READ), ORDER, {"n": order.name})
    assert body["data"]["order"]["lines"]
    sources = {e["extensions"]["source"] for e in body["errors"]}
    assert sources == {"crm", "erp"}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_UNAVAILABLE"}
