"""A second subgraph for the router test: loyalty points keyed by ``Customer.id``, and
rewards that point at Order360's orders by ``Order.id``.

Run with ``uvicorn loyalty:app``; ``LOYALTY_CUSTOMERS`` and ``LOYALTY_ORDERS`` (comma
separated ids, as Order360 spells them) are the members and the rewarded orders.
"""

from __future__ import annotations

import os

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key


def _ids(name: str) -> list[str]:
    return [value for value in os.environ.get(name, "").split(",") if value]


def _points(key: str) -> int:
    return sum(map(ord, key)) % 1000


@strawberry.federation.type(keys=["id"], description="A loyalty member.")
class Customer:
    """The loyalty side of Order360's customer."""

    id: strawberry.ID

    @strawberry.field(description="Points held.")
    def loyalty_points(self) -> int:
        """Derived from the id, so the test can predict it."""
        return _points(str(self.id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        """Every customer is a member."""
        return cls(id=id)


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)], description="An order.")
class Order:
    """Order360's order, referenced by id only."""

    id: strawberry.ID


@strawberry.type(description="Points earned on an order.")
class Reward:
    """One reward."""

    points: int
    order: Order


@strawberry.type
class Query:
    """The loyalty root."""

    @strawberry.field(description="Every member.")
    def members(self) -> list[Customer]:
        """The customers named in LOYALTY_CUSTOMERS."""
        return [Customer(id=strawberry.ID(c)) for c in _ids("LOYALTY_CUSTOMERS")]

    @strawberry.field(description="Rewards, one per order in LOYALTY_ORDERS.")
    def rewards(self) -> list[Reward]:
        """Ten points per order."""
        return [Reward(points=10, order=Order(id=strawberry.ID(o))) for o in _ids("LOYALTY_ORDERS")]


# 2.5, as Order360: the composition library pinned for the test knows up to 2.9.
app = GraphQL(strawberry.federation.Schema(query=Query, federation_version="2.5"))
