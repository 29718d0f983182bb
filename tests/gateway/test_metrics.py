"""GET /metrics at the edge: who may read it, refusals and token failures, bounded names.

The workload metrics (order reads, refunds, outages) are in tests/processes/test_metrics.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics.labels import OPERATION_CAP, BoundedValues, http_route, operation_in
from gateway.settings import SettingsError, load_settings
from tests.conftest import gateway_environ

PAGE = "{ orders(first: 10) { edges { node { number customer { name } } } } }"


def value(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_metrics_are_open_in_development_and_parse(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = {f.name for f in text_string_to_metric_families(response.text)}
    assert {
        "order360_http_requests",
        "order360_graphql_requests",
        "order360_upstream_requests",
        "order360_upstream_breaker_state",
        "order360_cache_reads",
        "order360_edge_refusals",
        "order360_auth_failures",
        "order360_workflow_outcomes",
        "order360_workflows_waiting",
    } <= names


async def test_metrics_off_has_no_route(start_gateway: Callable[..., Any]) -> None:
    async with start_gateway(ORDER360_METRICS="off") as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_metrics_for_ops_tokens_only(
    start_gateway: Callable[..., Any], token: Callable[..., str]
) -> None:
    async with start_gateway(ORDER360_METRICS="ops") as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers=bearer("not-a-jwt"))).status_code == 401
        agent = await client.get("/metrics", headers=bearer(token("orders:read")))
        assert agent.status_code == 403
        ops = await client.get("/metrics", headers=bearer(token("orders:read ops")))
        assert ops.status_code == 200
        assert "order360_upstream_requests" in ops.text


def test_production_defaults_to_ops_and_refuses_unknown_modes() -> None:
    production = {
        "ORDER360_ENV": "production",
        "ORDER360_OMS_ACCESS_TOKEN": "t",
        "ORDER360_ERP_USER": "u",
        "ORDER360_ERP_PASSWORD": "p",
        "ORDER360_CRM_CLIENT_ID": "c",
        "ORDER360_CRM_CLIENT_SECRET": "s",
        "ORDER360_FEDEX_CLIENT_ID": "f",
        "ORDER360_FEDEX_CLIENT_SECRET": "s",
        "ORDER360_EASYPOST_API_KEY": "k",
    }
    assert load_settings(gateway_environ(**production), env_file=None).edge.metrics == "ops"
    assert load_settings(gateway_environ(), env_file=None).edge.metrics == "on"
    with pytest.raises(SettingsError, match="ORDER360_METRICS"):
        load_settings(gateway_environ(ORDER360_METRICS="public"), env_file=None)


async def test_refusals_and_token_failures_are_counted_by_reason(
    start_gateway: Callable[..., Any], token: Callable[..., str]
) -> None:
    async with start_gateway(
        ORDER360_RATE_LIMIT_CAPACITY="20",
        ORDER360_RATE_LIMIT_RESTORE_PER_S="0.001",
        ORDER360_MAX_QUERY_COST="15",
    ) as client:
        agent = bearer(token())
        expensive = "{ orders(first: 50) { edges { node { number customer { name } } } } }"
        assert (
            await client.post("/graphql", json={"query": expensive}, headers=agent)
        ).status_code == 400
        assert (
            await client.post("/graphql", json={"query": PAGE}, headers=agent)
        ).status_code == 200
        assert (
            await client.post("/graphql", json={"query": PAGE}, headers=agent)
        ).status_code == 429
        await client.post("/graphql", json={"query": PAGE})
        await client.post("/graphql", json={"query": PAGE}, headers=bearer("not-a-jwt"))
        await client.post("/graphql", json={"query": PAGE}, headers={"Authorization": "Basic x"})
        text = (await client.get("/metrics")).text
    assert value(text, "order360_edge_refusals_total", reason="cost_limit") == 1
    assert value(text, "order360_edge_refusals_total", reason="rate_limited") == 1
    failures = "order360_auth_failures_total"
    assert value(text, failures, reason="missing") == 1
    assert value(text, failures, reason="malformed") == 1
    assert value(text, failures, reason="not_bearer") == 1
    requests = "order360_graphql_requests_total"
    assert value(text, requests, operation="anonymous", outcome="refused", status="400") == 1
    assert value(text, requests, operation="anonymous", outcome="refused", status="429") == 1
    assert value(text, requests, operation="anonymous", outcome="ok", status="200") == 1
    assert value(text, requests, outcome="refused", status="401") == 3
    assert value(text, "order360_http_requests_total", route="/graphql", status="401") == 3


def test_operation_names_are_bounded() -> None:
    names = BoundedValues(OPERATION_CAP)
    assert operation_in(names, None, "query Order360($n: String!) { order { number } }") == (
        "Order360"
    )
    assert operation_in(names, "Chosen", "query A { a } query Chosen { b }") == "Chosen"
    assert operation_in(names, None, "{ order { number } }") == "anonymous"
    assert operation_in(names, "#1001 or an e-mail", None) == "other"
    for n in range(OPERATION_CAP):
        operation_in(names, f"Op{n}", None)
    assert operation_in(names, "OneTooMany", None) == "other"
    assert operation_in(names, "Order360", None) == "Order360"  # the kept ones stay


def test_http_routes_are_the_gateways_own() -> None:
    assert http_route("/graphql") == "/graphql"
    assert http_route("/sandbox/erp/A_SalesOrder('1001')") == "/sandbox"
    assert http_route("/orders/1001") == "other"
