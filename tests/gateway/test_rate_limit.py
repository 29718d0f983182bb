"""Per-client query budgets (Shopify's leaky bucket): cost reported, 429 when exhausted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway.edge_settings import RateLimitSettings
from gateway.limits import budget_key
from gateway.rate_limit import MemoryBudgets
from gateway.settings import SettingsError, load_settings
from resolvers import Principal

# 1 (operation) + 1 (the page) + 10 customers: 12 points.
PAGE = "{ orders(first: 10) { edges { node { number customer { name } } } } }"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_bucket_spends_refuses_and_refills() -> None:
    clock = Clock()
    budgets = MemoryBudgets(RateLimitSettings(capacity=100, restore_per_s=10), clock=clock)
    assert (await budgets.spend("c", 60)).available == 40
    refused = await budgets.spend("c", 60)
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(2.0)
    assert (await budgets.peek("c")).available == 40  # a refusal spends nothing
    clock.now += 2.0
    assert (await budgets.spend("c", 60)).allowed
    clock.now += 3600
    assert (await budgets.peek("c")).available == 100  # never above capacity
    assert (await budgets.peek("other")).available == 100


def test_budget_key_prefers_partner_then_client_then_subject() -> None:
    def who(partner: str | None, client: str) -> str:
        principal = Principal(subject="s", client_id=client, scopes=frozenset(), partner_id=partner)
        return budget_key(principal)

    assert who("acme", "app") == "partner:acme"
    assert who(None, "app") == "client:app"
    assert who(None, "") == "sub:s"


def cost_of(response: httpx.Response) -> dict[str, Any]:
    cost: dict[str, Any] = response.json()["extensions"]["cost"]
    return cost


async def test_small_bucket_runs_dry_with_429_and_retry_after(
    start_gateway: Callable[..., Any],
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
) -> None:
    agent = {"Authorization": f"Bearer {token()}"}
    async with start_gateway(
        ORDER360_RATE_LIMIT_CAPACITY="40", ORDER360_RATE_LIMIT_RESTORE_PER_S="0.5"
    ) as client:
        available = []
        for _ in range(3):
            response = await client.post("/graphql", json={"query": PAGE}, headers=agent)
            assert response.status_code == 200, response.text
            cost = cost_of(response)
            assert cost["requestedQueryCost"] == 12
            assert cost["throttleStatus"]["maximumAvailable"] == 40
            assert cost["throttleStatus"]["restoreRate"] == 0.5
            available.append(cost["throttleStatus"]["currentlyAvailable"])
        assert available == sorted(available, reverse=True)
        assert available[-1] < 12

        before = await sandbox_stats()
        throttled = await client.post("/graphql", json={"query": PAGE}, headers=agent)
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) >= 1
        body = throttled.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert body["errors"][0]["extensions"]["retryAfterSeconds"] == int(
            throttled.headers["retry-after"]
        )
        assert cost_of(throttled)["throttleStatus"]["currentlyAvailable"] < 12
        assert await sandbox_stats() == before  # nothing executed

        # Another tenant has its own bucket.
        partner = {"Authorization": f"Bearer {token(partner='acme')}"}
        assert (await client.post("/graphql", json={"query": PAGE}, headers=partner)).is_success

        # Larger than the whole bucket: no wait would help, so it is too complex, not 429.
        huge = "{ orders(first: 50) { edges { node { customer { name } } } } }"
        too_big = await client.post("/graphql", json={"query": huge}, headers=partner)
        assert too_big.status_code == 400
        assert too_big.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_cost_is_reported_on_every_graphql_response(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    agent = {"Authorization": f"Bearer {token()}"}
    for query, status in (
        ("{ __typename }", 200),
        ("{ nope }", 400),
        ("{ orders(first: 250) { edges { node { timeline { at } } } } }", 400),
    ):
        response = await gateway.post("/graphql", json={"query": query}, headers=agent)
        assert response.status_code == status
        assert "currentlyAvailable" in cost_of(response)["throttleStatus"]
    assert cost_of(response)["requestedQueryCost"] > 1000  # the refused one, priced
    for payload in (
        {"variables": {}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}},
    ):
        refused = await gateway.post("/graphql", json=payload, headers=agent)
        assert cost_of(refused)["requestedQueryCost"] == 0
    unauthenticated = await gateway.post("/graphql", json={"query": "{ __typename }"})
    assert "extensions" not in unauthenticated.json()


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"ORDER360_RATE_LIMIT_CAPACITY": "0"}, "ORDER360_RATE_LIMIT_CAPACITY"),
        ({"ORDER360_RATE_LIMIT_RESTORE_PER_S": "0"}, "ORDER360_RATE_LIMIT_RESTORE_PER_S"),
        ({"ORDER360_RATE_LIMIT_RESTORE_PER_S": "fast"}, "ORDER360_RATE_LIMIT_RESTORE_PER_S"),
        ({"ORDER360_MAX_QUERY_COST": "lots"}, "ORDER360_MAX_QUERY_COST"),
        ({"ORDER360_MAX_DEPTH": "0"}, "ORDER360_MAX_DEPTH"),
        ({"ORDER360_MAX_ALIASES": "-1"}, "ORDER360_MAX_ALIASES"),
        ({"ORDER360_MAX_TOKENS": "many"}, "ORDER360_MAX_TOKENS"),
        ({"ORDER360_MAX_ROOT_FIELDS": "0"}, "ORDER360_MAX_ROOT_FIELDS"),
        ({"ORDER360_MAX_BODY_BYTES": "1MB"}, "ORDER360_MAX_BODY_BYTES"),
    ],
)
def test_bad_edge_settings_name_the_variable(environ: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(environ, env_file=None)


def test_edge_defaults() -> None:
    edge = load_settings({}, env_file=None).edge
    assert edge.max_body_bytes == 1024 * 1024
    assert (edge.limits.max_depth, edge.limits.max_aliases) == (10, 30)
    assert (edge.limits.max_tokens, edge.limits.max_root_fields) == (2000, 10)
    assert edge.limits.max_query_cost <= edge.rate_limit.capacity
    assert (edge.rate_limit.capacity, edge.rate_limit.restore_per_s) == (2000, 100.0)
    assert edge.persisted_queries.mode == "apq"
