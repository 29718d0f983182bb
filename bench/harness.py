"""In-process harness: a sandbox with upstream latency and a gateway over ASGI transports.

Everything runs in one event loop, so the figures compare configurations of the
gateway (cache on or off), not network stacks. Upstream latency is the sandbox's
own injected latency, applied to every call.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.app import create_app
from gateway.settings import load_settings
from sandbox import SandboxConfig, create_standalone_app, generate_signing_key, issue_token

SANDBOX = "http://sandbox.bench/sandbox"
ISSUER = "urn:order360:sandbox-idp"


@dataclass
class Rig:
    """A started gateway, the sandbox behind it, a token and the sandbox's world."""

    gateway: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    token: str
    world: Any

    async def query(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run one operation; fail loudly on any error so figures are only of correct runs."""
        response = await self.gateway.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"benchmark query failed: {body.get('errors')}")
        return body

    async def upstream_reads(self) -> int:
        """Reads the sandbox has served since the last reset, over all systems."""
        stats = (await self.sandbox.get("/stats")).json()
        return sum(system["reads"] for system in stats.values())

    async def reset_reads(self) -> None:
        """Zero the sandbox counters."""
        await self.sandbox.post("/stats/reset")


@asynccontextmanager
async def rig(*, latency_ms: int, cache_ttl_s: float) -> AsyncIterator[Rig]:
    """A sandbox with ``latency_ms`` per upstream call and a gateway with that cache TTL."""
    key = generate_signing_key()
    sandbox_app = create_standalone_app(
        SandboxConfig(anchor=datetime.date(2026, 6, 1), latency_ms=latency_ms, signing_key=key)
    )
    environ = {
        "ORDER360_ERP_URL": f"{SANDBOX}/erp",
        "ORDER360_OMS_URL": f"{SANDBOX}/oms",
        "ORDER360_CRM_URL": f"{SANDBOX}/crm",
        "ORDER360_CARRIER_URL": f"{SANDBOX}/carrier",
        "ORDER360_JWKS_URL": f"{SANDBOX}/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": ISSUER,
        "ORDER360_CACHE_TTL_SECONDS": str(cache_ttl_s),
        "ORDER360_REQUEST_DEADLINE_MS": "10000",
        "ORDER360_RATE_LIMIT_CAPACITY": "100000000",
        "ORDER360_RATE_LIMIT_RESTORE_PER_S": "100000000",
        "ORDER360_MAX_QUERY_COST": "100000",
    }
    app = create_app(
        load_settings(environ, env_file=None), transport=httpx.ASGITransport(app=sandbox_app)
    )
    token = issue_token(
        key, issuer=ISSUER, subject="bench", scope="orders:read pii:read cases:read"
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX
        ) as sandbox,
    ):
        yield Rig(gw, sandbox, token, sandbox_app.state.world)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50 / p90 / mean in milliseconds."""
    return {
        "p50_ms": round(percentile(values, 0.5) * 1000, 2),
        "p90_ms": round(percentile(values, 0.9) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }
