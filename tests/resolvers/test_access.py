"""Scopes on fields: missing grants null exactly the fields they guard, with FORBIDDEN."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

QUERY = """
query($n: String!) {
  order(number: $n) { number customer { name email phone } cases { number } }
}
"""


def _codes(body: dict[str, Any]) -> dict[str, str]:
    return {
        ".".join(str(p) for p in e["path"]): e["extensions"]["code"] for e in body.get("errors", [])
    }


async def test_without_pii_read_name_stays_and_contact_details_go(
    graphql: Callable[..., Any], world: Any
) -> None:
    order = next(o for o in world.orders if o.cases)
    body = await graphql(QUERY, {"n": order.name}, scope="orders:read cases:read")
    customer = body["data"]["order"]["customer"]
    assert customer["name"] == f"{order.customer.first_name} {order.customer.last_name}"
    assert customer["email"] is None
    assert customer["phone"] is None
    assert _codes(body) == {
        "order.customer.email": "FORBIDDEN",
        "order.customer.phone": "FORBIDDEN",
    }
    assert body["data"]["order"]["cases"]


async def test_without_cases_read_cases_are_null(graphql: Callable[..., Any], world: Any) -> None:
    order = next(o for o in world.orders if o.cases)
    body = await graphql(QUERY, {"n": order.name}, scope="orders:read pii:read")
    assert body["data"]["order"]["cases"] is None
    assert _codes(body) == {"order.cases": "FORBIDDEN"}


async def test_without_orders_read_no_order_data(graphql: Callable[..., Any], world: Any) -> None:
    body = await graphql(QUERY, {"n": world.orders[0].name}, scope="pii:read cases:read")
    assert body["data"] == {"order": None}
    assert _codes(body) == {"order": "FORBIDDEN"}
