"""Shared fixtures: one sandbox and one gateway per test session, joined by ASGI transports.

The gateway reaches the sandbox through ``httpx.ASGITransport`` (real HTTP semantics,
no sockets), exactly as it would reach the real upstreams through the network.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import load_settings
from sandbox import SandboxConfig, create_standalone_app, generate_signing_key, issue_token

SANDBOX = "http://sandbox.test/sandbox"
ISSUER = "urn:order360:sandbox-idp"
ALL_READ = "orders:read pii:read cases:read"
ANCHOR = datetime.date(2026, 6, 1)


def gateway_environ(**overrides: str) -> dict[str, str]:
    """ORDER360_* settings that point the gateway at the test sandbox."""
    environ = {
        "ORDER360_ERP_URL": f"{SANDBOX}/erp",
        "ORDER360_OMS_URL": f"{SANDBOX}/oms",
        "ORDER360_CRM_URL": f"{SANDBOX}/crm",
        "ORDER360_CARRIER_URL": f"{SANDBOX}/carrier",
        "ORDER360_JWKS_URL": f"{SANDBOX}/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": ISSUER,
    }
    environ.update(overrides)
    return environ


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return generate_signing_key()


@pytest.fixture(scope="session")
def sandbox_config(signing_key: RSAKey) -> SandboxConfig:
    """One world for the whole session, pinned to an anchor date so every run sees it."""
    return SandboxConfig(seed=360, anchor=ANCHOR, signing_key=signing_key)


@pytest.fixture(scope="session")
def sandbox_app(sandbox_config: SandboxConfig) -> Starlette:
    return create_standalone_app(sandbox_config)


@pytest.fixture(scope="session")
def world(sandbox_app: Starlette) -> Any:
    return sandbox_app.state.world


@pytest.fixture(scope="session")
async def sandbox(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the sandbox's control endpoints (stats, faults)."""
    transport = httpx.ASGITransport(app=sandbox_app)
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as client:
        yield client


@pytest.fixture(autouse=True)
async def clean_sandbox(sandbox: httpx.AsyncClient) -> AsyncIterator[None]:
    """Every test starts with no faults and zeroed counters."""
    await sandbox.delete("/faults")
    await sandbox.post("/stats/reset")
    yield
    await sandbox.delete("/faults")


@asynccontextmanager
async def running_gateway(
    sandbox_app: Starlette, **settings: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway with these ORDER360_* overrides, started, with a client to call it."""
    settings.setdefault(
        "ORDER360_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='order360-')}/journal.db"
    )
    settings.setdefault("ORDER360_PARKED_RETRY_SECONDS", "0")
    # The world is pinned to ANCHOR, which recedes into the past: keep its orders inside
    # the return window so what they show as refundable does not depend on today's date.
    settings.setdefault("ORDER360_RETURN_WINDOW_DAYS", "3650")
    # The suite is one OAuth client bursting hundreds of operations: test gateways get
    # a query budget that never runs dry unless a test sets its own (tests/gateway).
    # Refilling at once also keeps extensions.cost identical for identical requests.
    settings.setdefault("ORDER360_RATE_LIMIT_CAPACITY", "1000000000")
    settings.setdefault("ORDER360_RATE_LIMIT_RESTORE_PER_S", "1000000000")
    loaded = load_settings(gateway_environ(**settings), env_file=None)
    app = create_app(loaded, transport=httpx.ASGITransport(app=sandbox_app))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def start_gateway(sandbox_app: Starlette) -> Callable[..., Any]:
    """``async with start_gateway(ORDER360_X="…") as client:`` a fresh gateway of its own."""

    def start(**settings: str) -> Any:
        return running_gateway(sandbox_app, **settings)

    return start


@pytest.fixture(scope="session")
async def gateway(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The shared test gateway: no cross-request cache, so every test sees cold reads.

    Tests of the cache, the breaker or other stateful behaviour start their own with
    ``running_gateway``.
    """
    async with running_gateway(sandbox_app, ORDER360_CACHE_TTL_SECONDS="0") as client:
        yield client


@pytest.fixture(scope="session")
def token(signing_key: RSAKey) -> Callable[..., str]:
    """Mint a sandbox access token: ``token("orders:read", partner="acme")``."""

    def mint(scope: str = ALL_READ, *, partner: str | None = None, **extra: Any) -> str:
        return issue_token(
            signing_key,
            issuer=ISSUER,
            subject=extra.pop("subject", "agent-007"),
            scope=scope,
            partner_id=partner,
            **extra,
        )

    return mint


@pytest.fixture(scope="session")
def graphql(gateway: httpx.AsyncClient, token: Callable[..., str]) -> Callable[..., Any]:
    """POST a query; returns the decoded JSON body (asserting HTTP 200)."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, *, scope: str = ALL_READ, **kw: Any
    ) -> dict[str, Any]:
        response = await gateway.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token(scope, **kw)}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture(scope="session")
def sandbox_stats(sandbox: httpx.AsyncClient) -> Callable[..., Any]:
    """Read the sandbox's request counters: ``await sandbox_stats()``."""

    async def read() -> dict[str, Any]:
        response = await sandbox.get("/stats")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return read
