"""Liveness and readiness."""

from __future__ import annotations

from collections.abc import Callable

import httpx


async def test_healthz_and_readyz(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).status_code == 200
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["sources"]) == {"oms", "erp", "crm", "carrier"}
    assert ready.headers["x-request-id"]


SOURCES = "{ sources { name state latencyP50Ms errorRate } }"


async def test_source_health_details_need_ops(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    """CONTRACT.md reserves source health details for the ops scope."""
    for scopes, partner in (
        ("orders:read pii:read cases:read", None),
        ("orders:read refunds:write refunds:approve", None),
        ("orders:read", "acme"),
    ):
        headers = {"Authorization": f"Bearer {token(scopes, partner=partner)}"}
        response = await gateway.post("/graphql", json={"query": SOURCES}, headers=headers)
        assert response.status_code == 200  # a field error, as every scope refusal
        body = response.json()
        assert body["data"] is None, body
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["sources"], "FORBIDDEN")
        ]
        for detail in ("CLOSED", "latencyP50Ms", "errorRate", "oms"):
            assert detail not in str(body["data"])
    operator = {"Authorization": f"Bearer {token('ops')}"}
    response = await gateway.post("/graphql", json={"query": SOURCES}, headers=operator)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert {s["name"] for s in body["data"]["sources"]} == {"oms", "erp", "crm", "carrier"}
    # /readyz keeps its own body, for probes that hold no token.
    ready = (await gateway.get("/readyz")).json()
    assert set(ready["sources"]["oms"]) == {"state", "calls", "latencyP50Ms", "errorRate"}
