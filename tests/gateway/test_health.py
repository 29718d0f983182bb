"""Liveness and readiness."""

from __future__ import annotations

import httpx


async def test_healthz_and_readyz(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).status_code == 200
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["sources"]) == {"oms", "erp", "crm", "carrier"}
    assert ready.headers["x-request-id"]
