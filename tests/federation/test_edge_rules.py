"""Every rule of the edge holds for ``_entities`` exactly as for the root fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

ONE = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number channel } } }"
CUSTOMER = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { name email } } }"
)
PAGE = "{ orders(first: 100) { edges { node { id number channel customer { id } } } } }"


async def _orders(graphql: Callable[..., Any]) -> list[dict[str, Any]]:
    body = await graphql(PAGE)
    return [edge["node"] for edge in body["data"]["orders"]["edges"]]


async def test_a_token_is_required(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/subgraph", json={"query": "{ _service { sdl } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_foreign_order_answers_like_a_missing_one(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    orders = await _orders(graphql)
    foreign = next(o for o in orders if o["channel"] == "web")
    own = next(o for o in orders if o["channel"] == "partner:acme")
    representations = [
        {"__typename": "Order", "id": foreign["id"]},
        {"__typename": "Order", "id": "shopify:Order:999999999999"},
        {"__typename": "Order", "number": foreign["number"]},
        {"__typename": "Order", "id": own["id"]},
    ]
    body = await subgraph(ONE, {"r": representations}, scope="orders:read", partner="acme")
    assert body["data"]["_entities"][:3] == [None, None, None]
    assert body["data"]["_entities"][3] == {"number": own["number"], "channel": "partner:acme"}
    errors = sorted(body["errors"], key=lambda e: e["path"][1])
    assert [e["path"] for e in errors] == [["_entities", 0], ["_entities", 1], ["_entities", 2]]
    # Foreign and missing are indistinguishable: same code, same message.
    assert {(e["message"], e["extensions"]["code"]) for e in errors} == {
        ("No order matches.", "NOT_FOUND")
    }


async def test_partners_reach_no_customer_by_key(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    customer = next(o["customer"]["id"] for o in await _orders(graphql) if o["customer"])
    body = await subgraph(
        CUSTOMER,
        {"r": [{"__typename": "Customer", "id": customer}]},
        scope="orders:read",
        partner="acme",
    )
    assert body["data"]["_entities"] == [None]
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_each_representation_needs_its_types_scope(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    orders = await _orders(graphql)
    representations = [
        {"__typename": "Order", "id": orders[0]["id"]},
        {"__typename": "Case", "number": "00001001"},
        {"__typename": "RefundRequest", "id": "rr_0000"},
    ]
    body = await subgraph(
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {"r": representations},
        scope="pii:read",
    )
    assert body["data"]["_entities"] == [None, None, None]
    codes = {e["path"][1]: e["extensions"]["code"] for e in body["errors"]}
    assert codes == {0: "FORBIDDEN", 1: "FORBIDDEN", 2: "FORBIDDEN"}


async def test_pii_is_masked_without_its_scope(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    customer = next(o["customer"]["id"] for o in await _orders(graphql) if o["customer"])
    body = await subgraph(
        CUSTOMER, {"r": [{"__typename": "Customer", "id": customer}]}, scope="orders:read"
    )
    entity = body["data"]["_entities"][0]
    assert entity["name"]
    assert entity["email"] is None
    assert body["errors"][0]["path"] == ["_entities", 0, "email"]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with_pii = await subgraph(CUSTOMER, {"r": [{"__typename": "Customer", "id": customer}]})
    assert "@" in with_pii["data"]["_entities"][0]["email"]


async def test_a_batch_is_priced_by_its_length(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    orders = await _orders(graphql)

    async def cost(n: int) -> int:
        representations = [{"__typename": "Order", "id": o["id"]} for o in orders[:n]]
        body = await subgraph(ONE, {"r": representations})
        requested: int = body["extensions"]["cost"]["requestedQueryCost"]
        return requested

    one, ten, hundred = await cost(1), await cost(10), await cost(100)
    assert one < ten < hundred
    assert hundred - ten == 90 * (ten - one) // 9


async def test_an_expensive_batch_is_refused_before_any_upstream_call(
    start_gateway: Callable[..., Any],
    token: Callable[..., str],
    graphql: Callable[..., Any],
    sandbox_stats: Callable[..., Any],
) -> None:
    orders = await _orders(graphql)
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Order { invoices { documentNumber } cases { number } } } }"""
    representations = [{"__typename": "Order", "id": o["id"]} for o in orders]
    async with start_gateway(ORDER360_MAX_QUERY_COST="100") as client:
        before = await sandbox_stats()
        response = await client.post(
            "/subgraph",
            json={"query": query, "variables": {"r": representations}},
            headers={"Authorization": f"Bearer {token()}"},
        )
        after = await sandbox_stats()
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert sum(after[s]["reads"] - before[s]["reads"] for s in after) == 0


async def test_more_than_250_representations_are_refused(subgraph: Callable[..., Any]) -> None:
    representations = [{"__typename": "Order", "id": f"shopify:Order:{i}"} for i in range(251)]
    body = await subgraph(ONE, {"r": representations})
    assert body["data"] is None or body["data"]["_entities"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_standalone_schema_has_no_federation_fields(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await gateway.post(
        "/graphql",
        json={"query": "{ _service { sdl } }"},
        headers={"Authorization": f"Bearer {token()}"},
    )
    assert response.status_code == 400
    assert "Cannot query field '_service'" in response.json()["errors"][0]["message"]
