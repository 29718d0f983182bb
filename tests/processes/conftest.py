"""Process tests run against their own sandbox (writes must not leak into the shared world)
and a journal on every backend: SQLite always, PostgreSQL where reachable (required in CI).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.app import create_app
from gateway.settings import load_settings
from sandbox import SandboxConfig, create_standalone_app, issue_token

sys.path.insert(0, str(Path(__file__).parent))

POSTGRES_URL = os.environ.get(
    "ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SANDBOX = "http://sandbox.proc/sandbox"
ISSUER = "urn:order360:sandbox-idp"


async def _fresh_postgres(schema: str) -> str:
    """An empty schema of our own (runs may overlap); fail in CI if PostgreSQL is absent."""
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
    return f"{POSTGRES_URL}?schema={schema}"


async def _drop_schema(schema: str) -> None:
    engine = create_async_engine(POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@dataclass
class Rig:
    """A sandbox of its own, and the gateway (re)started over one journal."""

    sandbox_app: Any
    sandbox: httpx.AsyncClient
    key: RSAKey
    database_url: str
    world: Any
    gateway: httpx.AsyncClient | None = None
    _stop: Any = None

    def sandbox_client(self) -> httpx.AsyncClient:
        """A client for the sandbox's vendor APIs, authenticated as the ERP user."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.sandbox_app),
            base_url=SANDBOX,
            auth=("ORDER360_COMM", "sandbox-erp-password"),
        )

    def token(self, scope: str, subject: str = "agent-007", **extra: Any) -> str:
        return issue_token(self.key, issuer=ISSUER, subject=subject, scope=scope, **extra)

    async def start(
        self, transport: httpx.AsyncBaseTransport | None = None, **overrides: str
    ) -> httpx.AsyncClient:
        """Start (or restart, like a new process) the gateway on the same journal.

        ``transport`` replaces the way to the sandbox (e.g. one that kills the gateway
        at a chosen upstream call).
        """
        await self.stop()
        environ = {
            "ORDER360_ERP_URL": f"{SANDBOX}/erp",
            "ORDER360_OMS_URL": f"{SANDBOX}/oms",
            "ORDER360_CRM_URL": f"{SANDBOX}/crm",
            "ORDER360_CARRIER_URL": f"{SANDBOX}/carrier",
            "ORDER360_JWKS_URL": f"{SANDBOX}/idp/.well-known/jwks.json",
            "ORDER360_ISSUER": ISSUER,
            "ORDER360_DATABASE_URL": self.database_url,
            "ORDER360_RETURN_WINDOW_DAYS": "3650",
            "ORDER360_PARKED_RETRY_SECONDS": "0",
            "ORDER360_CACHE_TTL_SECONDS": "60",
            **overrides,
        }
        app = create_app(
            load_settings(environ, env_file=None),
            transport=transport or httpx.ASGITransport(app=self.sandbox_app),
        )
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.proc"
        )

        async def stop() -> None:
            await client.aclose()
            await lifespan.__aexit__(None, None, None)

        self.gateway, self._stop = client, stop
        return client

    async def stop(self) -> None:
        if self._stop is not None:
            await self._stop()
            self._stop = None

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        scope: str,
        subject: str = "agent-007",
        request_id: str | None = None,
        partner: str | None = None,
    ) -> dict[str, Any]:
        assert self.gateway is not None
        extra = {"partner_id": partner} if partner else {}
        headers = {"Authorization": f"Bearer {self.token(scope, subject, **extra)}"}
        if request_id:
            headers["X-Request-ID"] = request_id
        # json.dumps escapes non-ASCII, so a test can send what a client could (a lone
        # surrogate travels as "\\ud800", legal JSON that is not valid Unicode).
        headers["Content-Type"] = "application/json"
        response = await self.gateway.post(
            "/graphql",
            content=json.dumps({"query": query, "variables": variables or {}}),
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def writes(self) -> dict[str, dict[str, int]]:
        """Write counts by route, per system, since the last reset."""
        stats = (await self.sandbox.get("/stats")).json()
        return {
            system: {
                route: count
                for route, count in counters["by_route"].items()
                if count and not route.startswith("GET") and "token" not in route
            }
            for system, counters in stats.items()
        }


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def rig(request: pytest.FixtureRequest, signing_key: RSAKey) -> AsyncIterator[Rig]:
    schema = f"order360_test_{uuid.uuid4().hex[:12]}"
    if request.param == "postgresql":
        url = await _fresh_postgres(schema)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='order360-')}/journal-{uuid.uuid4().hex}.db"
    import datetime

    app = create_standalone_app(
        SandboxConfig(anchor=datetime.date(2026, 6, 1), signing_key=signing_key)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=SANDBOX
    ) as sandbox:
        rig = Rig(app, sandbox, signing_key, url, app.state.world)
        await rig.start()
        yield rig
        await rig.stop()
    if request.param == "postgresql":
        await _drop_schema(schema)


@pytest.fixture(autouse=True)
def clean_sandbox() -> None:
    """Process tests manage their own sandbox; the suite-wide reset does not apply."""


@pytest.fixture
async def proc(rig: Rig) -> AsyncIterator[Rig]:
    """The module's rig with faults cleared and counters zeroed for this test."""
    await rig.sandbox.delete("/faults")
    await rig.sandbox.post("/stats/reset")
    yield rig
    await rig.sandbox.delete("/faults")
