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
from tests.vendors import COMBINATIONS as VENDORS
from tests.vendors import vendor_env

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


# The journal backends crossed with the vendor combinations: each combination runs every
# process test, each backend too (SQLite always, PostgreSQL where reachable).
COMBINATIONS = {
    "sqlite-sap-salesforce": ("sqlite", vendor_env(SANDBOX, **VENDORS["sap-salesforce"])),
    "postgresql-dynamics-zendesk": (
        "postgresql",
        vendor_env(SANDBOX, **VENDORS["dynamics-zendesk"]),
    ),
}
BOOKED = ("credit", "return", "case", "comment")
"""What the systems booked, whichever vendor's API it came through (``Rig.writes``)."""


@dataclass(repr=False)
class Rig:
    """A sandbox of its own, and the gateway (re)started over one journal."""

    sandbox_app: Any
    sandbox: httpx.AsyncClient
    key: RSAKey
    database_url: str
    world: Any
    vendors: dict[str, str]
    gateway: httpx.AsyncClient | None = None
    app: Any = None
    """The running gateway app (``app.state.runtime``: its publisher, relay, journal)."""
    _stop: Any = None
    _marks: dict[str, int] | None = None

    def __repr__(self) -> str:
        # Hypothesis prints a failing test's arguments: the world behind a generated
        # repr takes minutes to print and hides the failure.
        return f"Rig({self.database_url.split('?')[0]!r})"

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
            **self.vendors,
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

        self.gateway, self._stop, self.app = client, stop, app
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

    def _booked(self) -> dict[str, int]:
        world = self.world
        kinds = (world.credit_memo_requests, world.customer_returns, world.cases, world.comments)
        return {kind: len(rows) for kind, rows in zip(BOOKED, kinds, strict=True)}

    def mark(self) -> None:
        """Count what the systems book from here on (``writes()["booked"]``)."""
        self._marks = self._booked()

    async def reset_counts(self) -> None:
        """Count calls and bookings from here on."""
        await self.sandbox.post("/stats/reset")
        self.mark()

    async def writes(self) -> dict[str, dict[str, int]]:
        """Write counts by route, per system, since the last reset; and, under
        ``booked`` when anything was, the credits, returns, cases and comments the systems
        booked since ``mark`` (the same whichever vendor's API they came through)."""
        stats = (await self.sandbox.get("/stats")).json()
        marks = self._marks or {kind: 0 for kind in BOOKED}
        booked = {k: n - marks[k] for k, n in self._booked().items() if n != marks[k]}
        return ({"booked": booked} if booked else {}) | {
            system: {
                route: count
                for route, count in counters["by_route"].items()
                if count and not route.startswith("GET") and "token" not in route
            }
            for system, counters in stats.items()
        }


@pytest.fixture(scope="module", params=list(COMBINATIONS))
async def rig(request: pytest.FixtureRequest, signing_key: RSAKey) -> AsyncIterator[Rig]:
    schema = f"order360_test_{uuid.uuid4().hex[:12]}"
    backend, vendors = COMBINATIONS[request.param]
    if backend == "postgresql":
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
        rig = Rig(app, sandbox, signing_key, url, app.state.world, vendors)
        await rig.start()
        yield rig
        await rig.stop()
    if backend == "postgresql":
        await _drop_schema(schema)


@pytest.fixture(autouse=True)
def clean_sandbox() -> None:
    """Process tests manage their own sandbox; the suite-wide reset does not apply."""


@pytest.fixture
async def proc(rig: Rig) -> AsyncIterator[Rig]:
    """The module's rig with faults cleared and counters zeroed for this test."""
    await rig.sandbox.delete("/faults")
    await rig.reset_counts()
    yield rig
    await rig.sandbox.delete("/faults")
