"""``_entities`` over HTTP: batching like a page, order kept, errors at their index."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Order {
      id
      number
      customer { name loyaltyTier }
      lines { sku quantity }
      erpSalesOrder { documentNumber status }
      invoices { documentNumber kind }
      shipments { trackingNumber status events { at status } }
      cases { number status }
    }
  }
}
"""

PAGE = """
query($first: Int!) {
  orders(first: $first) {
    edges { node {
      id
      number
      customer { name loyaltyTier }
      lines { sku quantity }
      erpSalesOrder { documentNumber status }
      invoices { documentNumber kind }
      shipments { trackingNumber status events { at status } }
      cases { number status }
    } }
  }
}
"""

IDS = "query($first: Int!) { orders(first: $first) { edges { node { id number } } } }"


async def _ids(graphql: Callable[..., Any], first: int) -> list[dict[str, str]]:
    body = await graphql(IDS, {"first": first})
    return [edge["node"] for edge in body["data"]["orders"]["edges"]]


async def _reads(sandbox_stats: Callable[..., Any], run: Callable[[], Any]) -> dict[str, int]:
    before = await sandbox_stats()
    body = await run()
    assert "errors" not in body, body.get("errors")
    after = await sandbox_stats()
    return {system: after[system]["reads"] - before[system]["reads"] for system in after}


async def test_a_batch_costs_what_a_page_costs(
    graphql: Callable[..., Any], subgraph: Callable[..., Any], sandbox_stats: Callable[..., Any]
) -> None:
    orders = await _ids(graphql, 40)
    representations = [{"__typename": "Order", "id": o["id"]} for o in orders]
    page = await _reads(sandbox_stats, lambda: graphql(PAGE, {"first": 40}))
    batch = await _reads(
        sandbox_stats, lambda: subgraph(ENTITIES, {"representations": representations})
    )
    # The page's one OMS call is a list; the batch's is a lookup by ids: both are one.
    assert batch == page, (page, batch)
    assert batch["oms"] == 1
    assert batch["crm"] == 2
    assert batch["erp"] == 2


async def test_ten_and_forty_cost_the_same(
    graphql: Callable[..., Any], subgraph: Callable[..., Any], sandbox_stats: Callable[..., Any]
) -> None:
    orders = await _ids(graphql, 40)

    def batch(n: int) -> Callable[[], Any]:
        representations = [{"__typename": "Order", "id": o["id"]} for o in orders[:n]]
        return lambda: subgraph(ENTITIES, {"representations": representations})

    ten = await _reads(sandbox_stats, batch(10))
    forty = await _reads(sandbox_stats, batch(40))
    assert sum(forty.values()) <= sum(ten.values()) + 2, (ten, forty)


async def test_results_come_back_in_representation_order(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    orders = await _ids(graphql, 20)
    random.Random(15).shuffle(orders)
    # Both keys, mixed: a router may use either.
    representations = [
        {"__typename": "Order", "id": o["id"]}
        if i % 2
        else {"__typename": "Order", "number": o["number"]}
        for i, o in enumerate(orders)
    ]
    body = await subgraph(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id number } } }",
        {"r": representations},
    )
    assert "errors" not in body, body["errors"]
    assert body["data"]["_entities"] == orders


async def test_one_error_per_unresolvable_representation_at_its_index(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    good = await _ids(graphql, 2)
    representations: list[Any] = [
        {"__typename": "Order", "id": good[0]["id"]},
        {"__typename": "Order", "id": "shopify:Order:999999999999"},
        {"__typename": "Product", "id": "x"},
        {"__typename": "Order", "id": "not-an-order-id"},
        {"__typename": "Order"},
        {"__typename": "Order", "number": good[1]["number"]},
    ]
    body = await subgraph(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number } } }",
        {"r": representations},
    )
    entities = body["data"]["_entities"]
    assert entities[0] == {"number": good[0]["number"]}
    assert entities[5] == {"number": good[1]["number"]}
    assert entities[1:5] == [None, None, None, None]
    by_index = {e["path"][1]: e["extensions"]["code"] for e in body["errors"]}
    assert {e["path"][0] for e in body["errors"]} == {"_entities"}
    assert by_index == {
        1: "NOT_FOUND",
        2: "BAD_USER_INPUT",
        3: "BAD_USER_INPUT",
        4: "BAD_USER_INPUT",
    }


async def test_every_entity_type_resolves(
    graphql: Callable[..., Any], subgraph: Callable[..., Any]
) -> None:
    found = await graphql(
        "{ orders(first: 30) { edges { node { number customer { id } cases { number } } } } }"
    )
    nodes = [e["node"] for e in found["data"]["orders"]["edges"]]
    customer = next(n["customer"]["id"] for n in nodes if n["customer"])
    case = next(c["number"] for n in nodes for c in n["cases"])
    body = await subgraph(
        """query($r: [_Any!]!) { _entities(representations: $r) {
             __typename
             ... on Customer { id name }
             ... on Case { number }
           } }""",
        {
            "r": [
                {"__typename": "Customer", "id": customer},
                {"__typename": "Case", "number": case},
            ]
        },
    )
    assert "errors" not in body, body["errors"]
    first, second = body["data"]["_entities"]
    assert first["__typename"] == "Customer"
    assert first["id"] == customer
    assert second == {"__typename": "Case", "number": case}
