"""Production keeps the schema private: no introspection, no GraphiQL, no "Did you mean"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import SANDBOX
from tests.vendors import vendor_env

TYPO = "{ orders(first: 1) { edges { node { numbr } } } }"


def bearer(token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


@pytest.fixture(scope="module")
async def production(start_gateway: Callable[..., Any]) -> Any:
    # Production takes no credential by default: the deployment names every one.
    credentials = vendor_env(SANDBOX, oms="shopify", erp="sap", crm="salesforce")
    credentials |= vendor_env(SANDBOX, carrier="fedex-easypost")
    async with start_gateway(ORDER360_ENV="production", **credentials) as client:
        yield client


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Order") { name fields { name } } }',
        "{ orders(first: 1) { edges { node { number } } } __schema { queryType { name } } }",
        "query Q { ...F } fragment F on Query { __schema { queryType { name } } }",
    ],
)
async def test_introspection_is_refused_in_production(
    production: httpx.AsyncClient, token: Callable[..., str], query: str
) -> None:
    response = await production.post("/graphql", json={"query": query}, headers=bearer(token))
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_typename_still_works_in_production(
    production: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await production.post(
        "/graphql", json={"query": "{ __typename }"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_graphiql_is_not_served_in_production(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert "<html" not in response.text.lower()
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "query",
    [
        TYPO,
        "{ orders(frist: 1) { edges { node { number } } } }",
        "{ orders(first: 1, filter: {statsu: OPEN}) { edges { node { number } } } }",
        "{ orders(first: 1, filter: {status: OPNE}) { edges { node { number } } } }",
        "query($f: OrderFiltr) { orders(filter: $f) { edges { node { number } } } }",
    ],
)
async def test_no_field_suggestions_in_production(
    production: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    query: str,
) -> None:
    hidden = await production.post("/graphql", json={"query": query}, headers=bearer(token))
    assert hidden.status_code == 400
    assert all("Did you mean" not in e["message"] for e in hidden.json()["errors"])
    shown = await gateway.post("/graphql", json={"query": query}, headers=bearer(token))
    assert any("Did you mean" in e["message"] for e in shown.json()["errors"])


async def test_no_suggestions_in_variable_coercion_errors(
    production: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    query = "query($f: OrderFilter) { orders(filter: $f) { edges { node { number } } } }"
    response = await production.post(
        "/graphql",
        json={"query": query, "variables": {"f": {"status": "OPNE"}}},
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert all("Did you mean" not in e["message"] for e in response.json()["errors"])
