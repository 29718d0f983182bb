"""Query limits refuse before any resolver runs: QUERY_TOO_COMPLEX, HTTP 400, 0 upstream reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

NESTED_ORDERS = "orders {{ edges {{ node {{ customer {{ {inner} }} }} }} }}"


def bearer(token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


async def upstream_calls(sandbox_stats: Callable[..., Any]) -> int:
    stats = await sandbox_stats()
    return sum(system["reads"] + system["writes"] for system in stats.values())


def nested_customer_orders(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = NESTED_ORDERS.format(inner=inner)
    return '{ customer(email: "someone@example.com") { ' + inner + " } }"


async def refused(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    payload: dict[str, Any],
) -> dict[str, Any]:
    """POST ``payload`` and assert it was refused as too complex without touching upstreams."""
    before = await upstream_calls(sandbox_stats)
    response = await client.post("/graphql", json=payload, headers=bearer(token))
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"QUERY_TOO_COMPLEX"}, body
    for error in body["errors"]:
        # The limit values stay private: no number in any message.
        assert not re.search(r"\d", error["message"]), error["message"]
    assert await upstream_calls(sandbox_stats) == before
    return body


async def test_six_levels_of_customer_orders_are_refused(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    await refused(gateway, token, sandbox_stats, {"query": nested_customer_orders(6)})


async def test_three_hundred_aliases_are_refused(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(300))
    await refused(gateway, token, sandbox_stats, {"query": "{ " + aliases + " }"})


async def test_aliases_hidden_behind_fragment_spreads_are_counted(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    # 10 aliases in A, spread 3 times by B, B spread 3 times: 90 aliases in 10 literal ones.
    aliases = " ".join(f"a{i}: __typename" for i in range(10))
    query = (
        "query Bomb { ...C }\n"
        f"fragment A on Query {{ {aliases} }}\n"
        "fragment B on Query { ... on Query { ...A } ... on Query { ...A } ...A }\n"
        "fragment C on Query { ... on Query { ...B } ... on Query { ...B } ...B }\n"
    )
    await refused(gateway, token, sandbox_stats, {"query": query})


async def test_exponential_fragment_chain_is_refused_quickly(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    # Each fragment spreads the next twice: 2^40 executions of one alias if walked naively.
    chain = "".join(
        f"fragment F{i} on Query {{ ... on Query {{ ...F{i + 1} }} ...F{i + 1} }}\n"
        for i in range(40)
    )
    query = "{ ...F0 }\n" + chain + "fragment F40 on Query { a: __typename }"
    await refused(gateway, token, sandbox_stats, {"query": query})


async def test_schema_named_fragment_and_operation_do_not_bypass_the_cost_rule(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    # graphql-armor GHSA-733v-p3h5-qpq7: anything *named* __schema was skipped.
    expensive = "orders(first: 250) { edges { node { number timeline { at } customer { name } } } }"
    await refused(
        gateway,
        token,
        sandbox_stats,
        {"query": f"query __schema {{ ...__schema }} fragment __schema on Query {{ {expensive} }}"},
    )
    await refused(gateway, token, sandbox_stats, {"query": f"{{ __schema: {expensive} }}"})


async def test_cost_follows_variables_and_fragments(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    query = """
    query Page($n: Int!) { orders(first: $n) { ...Edges } }
    fragment Edges on OrderConnection { edges { node { ... on Order { timeline { at } } } } }
    """
    await refused(gateway, token, sandbox_stats, {"query": query, "variables": {"n": 250}})
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": {"n": 3}}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["orders"]["edges"]) == 3


PAGE_OF_PAGES = """
query($outer: Int!, $inner: Int!) { orders(first: $outer) { ...Page } }
fragment Page on OrderConnection { edges { node { customer { ...History } } } }
fragment History on Customer { orders(first: $inner) { edges { node { number } } } }
"""


async def test_a_page_of_pages_is_refused_before_any_upstream_call(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    """Issue 10, item 5: 100 orders, each with a page of 100 of its customer's orders."""
    literal = (
        "{ orders(first: 100) { edges { node { customer { "
        "orders(first: 100) { edges { node { number } } } } } } } }"
    )
    before = await sandbox_stats()
    body = await refused(gateway, token, sandbox_stats, {"query": literal})
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 100 * 102
    variables = {"outer": 100, "inner": 100}
    await refused(gateway, token, sandbox_stats, {"query": PAGE_OF_PAGES, "variables": variables})
    assert await sandbox_stats() == before  # every counter, every route


async def test_a_small_page_of_pages_still_runs(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    variables = {"outer": 3, "inner": 5}
    response = await gateway.post(
        "/graphql",
        json={"query": PAGE_OF_PAGES, "variables": variables},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert len(body["data"]["orders"]["edges"]) == 3
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 3 * (2 + 5)


async def test_too_many_tokens_are_refused_before_parsing(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    fields = " ".join(["__typename"] * 2100)
    await refused(gateway, token, sandbox_stats, {"query": "{ " + fields + " }"})


async def test_too_many_root_fields_are_refused(
    gateway: httpx.AsyncClient, token: Callable[..., str], sandbox_stats: Callable[..., Any]
) -> None:
    roots = " ".join(f"s{i}: sources {{ name }}" for i in range(11))
    await refused(gateway, token, sandbox_stats, {"query": "{ " + roots + " }"})


async def test_the_deepest_legitimate_query_runs(
    gateway: httpx.AsyncClient, token: Callable[..., str], world: Any
) -> None:
    order = next(o for o in world.orders if o.customer is not None)
    query = """
    query($n: String!) { order(number: $n) { customer { orders { edges { node {
      cases { order { shipments { events { at } } } } } } } } } }
    """
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": {"n": order.name}}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["order"] is not None
    assert response.json()["extensions"]["cost"]["requestedQueryCost"] > 1


async def test_graphiql_introspection_runs_in_development(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await gateway.post(
        "/graphql", json={"query": get_introspection_query()}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize(
    ("setting", "query"),
    [
        ("ORDER360_MAX_DEPTH", "{ orders { edges { node { customer { name } } } } }"),
        ("ORDER360_MAX_ALIASES", "{ a: __typename b: __typename c: __typename d: __typename }"),
        ("ORDER360_MAX_ROOT_FIELDS", "{ a: __typename b: __typename c: __typename d: __typename }"),
        ("ORDER360_MAX_TOKENS", "{ a: __typename b: __typename c: __typename d: __typename }"),
        (
            "ORDER360_MAX_QUERY_COST",
            "{ orders(first: 5) { edges { node { customer { name } } } } }",
        ),
    ],
)
async def test_each_limit_is_configurable(
    start_gateway: Callable[..., Any],
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    setting: str,
    query: str,
) -> None:
    async with start_gateway(**{setting: "3"}) as client:
        await refused(client, token, sandbox_stats, {"query": query})
