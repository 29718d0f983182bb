"""Partner tokens see their own channel only; a foreign order looks exactly like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

PAGE = "{ orders(first: 50) { edges { node { number channel } } pageInfo { hasNextPage } } }"
ONE = "query($n: String!) { order(number: $n) { number channel } }"


async def test_partner_lists_only_its_channel(graphql: Callable[..., Any]) -> None:
    body = await graphql(PAGE, scope="orders:read", partner="acme")
    channels = {e["node"]["channel"] for e in body["data"]["orders"]["edges"]}
    assert channels == {"partner:acme"}


async def test_partner_cannot_widen_the_channel_filter(graphql: Callable[..., Any]) -> None:
    query = '{ orders(first: 5, filter: {channel: "web"}) { edges { node { number } } } }'
    body = await graphql(query, scope="orders:read", partner="acme")
    assert body["data"]["orders"]["edges"] == []


async def test_foreign_order_answers_like_a_missing_one(
    gateway: httpx.AsyncClient, token: Callable[..., str], world: Any
) -> None:
    foreign = next(o for o in world.orders if o.channel == "web")
    own = next(o for o in world.orders if o.channel == "partner:acme")
    headers = {"Authorization": f"Bearer {token('orders:read', partner='acme')}"}

    async def ask(number: str) -> httpx.Response:
        return await gateway.post(
            "/graphql", json={"query": ONE, "variables": {"n": number}}, headers=headers
        )

    foreign_answer, missing_answer, own_answer = (
        await ask(foreign.name),
        await ask("#99999999"),
        await ask(own.name),
    )
    assert foreign_answer.status_code == missing_answer.status_code == 200
    assert foreign_answer.json() == missing_answer.json()
    assert own_answer.json()["data"]["order"]["channel"] == "partner:acme"


CUSTOMER_OF = """
query($n: String!) {
  order(number: $n) {
    customer {
      orders(first: 100) { edges { node { number channel } } }
      cases { number subject status order { number channel } }
    }
  }
}
"""


def customer_across_channels(world: Any) -> Any:
    """A customer with acme orders, orders elsewhere, and cases about both (and neither)."""

    def foreign_cases(customer: Any) -> int:
        return sum(
            1
            for c in world.cases
            if c.customer is customer and c.order and c.order.channel != "partner:acme"
        )

    candidates = [
        c
        for c in world.customers
        if any(o.channel == "partner:acme" for o in c.orders)
        and any(o.channel != "partner:acme" for o in c.orders)
        and any(
            k.customer is c and k.order and k.order.channel == "partner:acme" for k in world.cases
        )
        and any(k.customer is c and k.order is None for k in world.cases)
    ]
    return max(candidates, key=foreign_cases)


async def test_partner_sees_only_its_channel_in_a_customers_lists(
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
    sandbox_stats: Callable[..., Any],
) -> None:
    """Customer.orders and Customer.cases apply the root queries' tenancy (issue 10, item 12)."""
    customer = customer_across_channels(world)
    own = next(o for o in customer.orders if o.channel == "partner:acme")
    cases = [c for c in world.cases if c.customer is customer]
    scope = "orders:read cases:read"

    async def ask(partner: str | None) -> dict[str, Any]:
        response = await gateway.post(
            "/graphql",
            json={"query": CUSTOMER_OF, "variables": {"n": own.name}},
            headers={"Authorization": f"Bearer {token(scope, partner=partner)}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]["order"]["customer"]

    # An agent sees every channel: the customer really spans several, cases included.
    everything = await ask(None)
    assert {e["node"]["channel"] for e in everything["orders"]["edges"]} == {
        o.channel for o in customer.orders
    }
    assert {c["number"] for c in everything["cases"]} == {c.number for c in cases}

    before = await sandbox_stats()
    partner = await ask("acme")
    after = await sandbox_stats()
    assert {e["node"]["number"] for e in partner["orders"]["edges"]} == {
        o.name for o in customer.orders if o.channel == "partner:acme"
    }
    assert {c["number"] for c in partner["cases"]} == {
        c.number for c in cases if c.order is not None and c.order.channel == "partner:acme"
    }
    assert {c["order"]["channel"] for c in partner["cases"]} == {"partner:acme"}
    # One batched OMS read proves the cases' channels, however many cases there are: the
    # order by number, the customer's page, and the cases' orders by id.
    oms_reads = after["oms"]["reads"] - before["oms"]["reads"]
    assert oms_reads <= 3, after["oms"]["by_route"]
