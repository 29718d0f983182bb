"""A journal that stops answering: mutations fail closed with 503, queries keep working.

The journal's address is a real TCP endpoint on 127.0.0.1 (``tests/silent_tcp.py``):
a black hole from the start, or a proxy to PostgreSQL that goes silent mid-run. Nothing
here times the machine: each test asserts outcomes, under a generous hang guard.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from documents import AGENT, REQUEST_REFUND
from joserfc.jwk import RSAKey
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.app import create_app
from gateway.settings import load_settings
from sandbox import SandboxConfig, create_standalone_app, issue_token
from tests.silent_tcp import SilentProxy

POSTGRES_URL = os.environ.get(
    "ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SANDBOX = "http://sandbox.outage/sandbox"
ISSUER = "urn:order360:sandbox-idp"
ORDER_QUERY = """query($n: String!) { order(number: $n) {
  number financialStatus total { amount currency } lines { sku quantity } } }"""
ORDER_AND_REQUEST = """query($n: String!) {
  order(number: $n) { number } refundRequest(id: "rr_00000000000000000000") { id } }"""
HANG_GUARD_S = 120  # only so a regression cannot hang the suite; never a speed check


@asynccontextmanager
async def gateway_over(
    database_url: str, key: RSAKey
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Any]]:
    """A private sandbox and a gateway whose journal lives at ``database_url``."""
    sandbox_app = create_standalone_app(
        SandboxConfig(anchor=datetime.date(2026, 6, 1), signing_key=key)
    )
    environ = {
        "ORDER360_ERP_URL": f"{SANDBOX}/erp",
        "ORDER360_OMS_URL": f"{SANDBOX}/oms",
        "ORDER360_CRM_URL": f"{SANDBOX}/crm",
        "ORDER360_CARRIER_URL": f"{SANDBOX}/carrier",
        "ORDER360_JWKS_URL": f"{SANDBOX}/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": ISSUER,
        "ORDER360_DATABASE_URL": database_url,
        "ORDER360_RETURN_WINDOW_DAYS": "3650",
        "ORDER360_PARKED_RETRY_SECONDS": "0",
        "ORDER360_JOURNAL_TIMEOUT_MS": "1000",
    }
    app = create_app(
        load_settings(environ, env_file=None), transport=httpx.ASGITransport(app=sandbox_app)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.outage"
        ) as gateway,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX) as sb,
    ):
        yield gateway, sb, sandbox_app.state.world


def headers(key: RSAKey) -> dict[str, str]:
    token = issue_token(key, issuer=ISSUER, subject="agent-007", scope=AGENT)
    return {"Authorization": f"Bearer {token}"}


def refundable_order(world: Any) -> Any:
    for order in world.orders:
        if (
            order.state == "delivered"
            and order.financial_status == "paid"
            and order.sales_order is not None
            and order.sales_order.invoices
            and order.total >= Decimal("50")
        ):
            return order
    raise AssertionError("no refundable order in the sandbox world")


def refund_variables(order: Any, key: str) -> dict[str, Any]:
    return {
        "input": {
            "orderNumber": order.name,
            "amount": {"amount": "5.00", "currency": order.customer.currency},
            "reason": "DAMAGED",
            "note": "journal outage test",
            "idempotencyKey": key,
        }
    }


async def upstream_writes(sandbox: httpx.AsyncClient) -> list[str]:
    """Every non-GET route the sandbox served since the last reset (token calls aside)."""
    stats = (await sandbox.get("/stats")).json()
    return [
        f"{system} {route}"
        for system, counters in stats.items()
        for route, count in counters["by_route"].items()
        if count and not route.startswith("GET") and "token" not in route
    ]


async def assert_fails_closed(
    gateway: httpx.AsyncClient, sandbox: httpx.AsyncClient, key: RSAKey, world: Any
) -> None:
    """The mutation is 503 with Retry-After and a coded error; nothing moved upstream;
    readiness says no; an order query still answers."""
    order = refundable_order(world)
    await sandbox.post("/stats/reset")
    refused = await gateway.post(
        "/graphql",
        json={"query": REQUEST_REFUND, "variables": refund_variables(order, uuid.uuid4().hex)},
        headers=headers(key),
    )
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    errors = refused.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["SOURCE_UNAVAILABLE"]
    assert errors[0]["extensions"]["source"] == "journal"
    assert errors[0]["path"] == ["requestRefund"]
    assert await upstream_writes(sandbox) == []
    legacy = await gateway.post(
        "/graphql",
        json={"query": REQUEST_REFUND, "variables": refund_variables(order, uuid.uuid4().hex)},
        headers={**headers(key), "Accept": "application/json"},
    )
    assert legacy.status_code == 503  # an outage, under either media type
    assert "retry-after" in legacy.headers
    assert await upstream_writes(sandbox) == []

    ready = await gateway.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "journal unreachable"

    query = await gateway.post(
        "/graphql",
        json={"query": ORDER_QUERY, "variables": {"n": order.name}},
        headers=headers(key),
    )
    assert query.status_code == 200, query.text
    assert query.json()["data"]["order"]["number"] == order.name
    assert "errors" not in query.json()

    # A query that does read the journal keeps its 200 and the rest of its data.
    partial = await gateway.post(
        "/graphql",
        json={"query": ORDER_AND_REQUEST, "variables": {"n": order.name}},
        headers=headers(key),
    )
    assert partial.status_code == 200, partial.text
    assert partial.json()["data"]["order"]["number"] == order.name
    assert [
        (e["path"], e["extensions"]["code"], e["extensions"]["source"])
        for e in partial.json()["errors"]
    ] == [(["refundRequest"], "SOURCE_UNAVAILABLE", "journal")]


async def until_ready(gateway: httpx.AsyncClient) -> None:
    """Poll /readyz until 200; how soon the journal is back depends on the machine."""
    for _attempt in range(600):
        if (await gateway.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the journal never became ready again")


async def assert_refund_completes(
    gateway: httpx.AsyncClient, sandbox: httpx.AsyncClient, key: RSAKey, world: Any
) -> None:
    await sandbox.post("/stats/reset")
    done = await gateway.post(
        "/graphql",
        json={
            "query": REQUEST_REFUND,
            "variables": refund_variables(refundable_order(world), uuid.uuid4().hex),
        },
        headers=headers(key),
    )
    assert done.status_code == 200, done.text
    payload = done.json()["data"]["requestRefund"]
    assert payload["userErrors"] == []
    assert payload["refundRequest"]["status"] == "COMPLETED"
    assert await upstream_writes(sandbox) != []


async def test_black_hole_journal_fails_mutations_closed(signing_key: RSAKey) -> None:
    # Accepts every connection, never says a word: the gateway must still start.
    hole = SilentProxy(None)
    port = await hole.start()
    try:
        async with (
            asyncio.timeout(HANG_GUARD_S),
            gateway_over(f"postgresql://nobody@127.0.0.1:{port}/journal", signing_key) as (
                gateway,
                sandbox,
                world,
            ),
        ):
            await assert_fails_closed(gateway, sandbox, signing_key, world)
        assert hole.accepted >= 1  # the journal really was dialled, and never answered
    finally:
        await hole.close()


async def _fresh_schema() -> str:
    schema = f"order360_outage_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"PostgreSQL required under CI: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    finally:
        await engine.dispose()
    return schema


async def _drop_schema(schema: str) -> None:
    engine = create_async_engine(POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


async def _proxied_postgres() -> tuple[SilentProxy, str]:
    """A proxy to the test PostgreSQL, and a journal URL through it (a schema of its own)."""
    schema = await _fresh_schema()
    target = urlsplit(POSTGRES_URL)
    proxy = SilentProxy((target.hostname or "127.0.0.1", target.port or 5432))
    port = await proxy.start()
    user = target.username or "postgres"
    return proxy, f"postgresql://{user}@127.0.0.1:{port}{target.path}?schema={schema}"


async def test_journal_going_silent_fails_closed_then_recovers(signing_key: RSAKey) -> None:
    proxy, url = await _proxied_postgres()
    schema = url.rsplit("=", 1)[1]
    try:
        async with (
            asyncio.timeout(HANG_GUARD_S),
            gateway_over(url, signing_key) as (gateway, sandbox, world),
        ):
            assert (await gateway.get("/readyz")).status_code == 200
            proxy.silence()  # pooled connections and new ones alike now hear nothing
            await assert_fails_closed(gateway, sandbox, signing_key, world)

            proxy.resume()
            await until_ready(gateway)
            await assert_refund_completes(gateway, sandbox, signing_key, world)
    finally:
        await proxy.close()
        await _drop_schema(schema)


async def test_gateway_started_without_its_journal_migrates_once_it_answers(
    signing_key: RSAKey,
) -> None:
    proxy, url = await _proxied_postgres()
    schema = url.rsplit("=", 1)[1]
    proxy.silence()  # the journal is away before the gateway starts
    try:
        async with (
            asyncio.timeout(HANG_GUARD_S),
            gateway_over(url, signing_key) as (gateway, sandbox, world),
        ):
            await assert_fails_closed(gateway, sandbox, signing_key, world)
            proxy.resume()
            await until_ready(gateway)  # the background migration got through
            await assert_refund_completes(gateway, sandbox, signing_key, world)
    finally:
        await proxy.close()
        await _drop_schema(schema)
