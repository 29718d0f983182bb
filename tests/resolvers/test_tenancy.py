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
