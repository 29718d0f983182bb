"""orders(): newest first, cursor pages without gaps or overlaps, exact filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PAGE = """
query($first: Int!, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) {
    edges { cursor node { number status channel placedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _newest_first(world: Any) -> list[Any]:
    return sorted(world.orders, key=lambda o: (o.created_at, o.shopify_id), reverse=True)


async def test_pages_walk_the_orders_newest_first(graphql: Callable[..., Any], world: Any) -> None:
    seen: list[str] = []
    after = None
    for _ in range(3):
        body = await graphql(PAGE, {"first": 40, "after": after})
        connection = body["data"]["orders"]
        seen += [edge["node"]["number"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasNextPage"] is True
        after = connection["pageInfo"]["endCursor"]
    assert seen == [o.name for o in _newest_first(world)[:120]]


@pytest.mark.parametrize("status", ["CANCELLED", "DELIVERED", "PARTIALLY_REFUNDED", "OPEN"])
async def test_status_filter_is_exact(graphql: Callable[..., Any], status: str) -> None:
    body = await graphql(PAGE, {"first": 15, "filter": {"status": status}})
    edges = body["data"]["orders"]["edges"]
    assert edges, status
    assert {edge["node"]["status"] for edge in edges} == {status}


async def test_channel_and_customer_filters(graphql: Callable[..., Any], world: Any) -> None:
    body = await graphql(PAGE, {"first": 30, "filter": {"channel": "marketplace"}})
    assert {e["node"]["channel"] for e in body["data"]["orders"]["edges"]} == {"marketplace"}
    customer = max(world.customers, key=lambda c: len(c.orders))
    body = await graphql(PAGE, {"first": 50, "filter": {"customerEmail": customer.email}})
    numbers = [e["node"]["number"] for e in body["data"]["orders"]["edges"]]
    expected = sorted(customer.orders, key=lambda o: o.created_at, reverse=True)
    assert numbers == [o.name for o in expected][:50]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 0}, "BAD_USER_INPUT"),
        ({"first": 251}, "BAD_USER_INPUT"),
        ({"first": 5, "after": "not-a-cursor"}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_paging_arguments(
    graphql: Callable[..., Any], variables: dict[str, Any], code: str
) -> None:
    body = await graphql(PAGE, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def test_unknown_order_is_not_found(graphql: Callable[..., Any]) -> None:
    body = await graphql('{ order(number: "#99999999") { number } }')
    assert body["data"] == {"order": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["order"]
