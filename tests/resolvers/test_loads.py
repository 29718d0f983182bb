"""Which upstream load a field needs is declared once, and prefetch and cost agree with it.

A field can reach a source only through ``info`` (its context holds the loaders, the
sources and the journal): a resolver without ``info`` reads its parent object and
nothing else. So every resolver that takes ``info`` must declare what it loads
(``reads``, ``looks_up``) or say why it loads nothing (``free``). Then:

- prefetch starts, for each field under an order, exactly the loaders the field itself
  reads when it resolves without prefetch (reached through a case);
- the cost of a document selecting one such field is its declared weight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type, is_list_type, parse
from graphql import get_nullable_type as nullable
from strawberry.types.field import StrawberryField

from gateway.limits import estimate_cost
from resolvers import build_schema
from resolvers.context import Context, Principal
from resolvers.loads import BACKREF, Load, declaration, declarations
from resolvers.prefetch import STARTERS, _plan, prefetch
from resolvers.stale import StaleLog
from sources import (
    CrmCase,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OmsCustomer,
    OmsFulfillment,
    OmsLine,
    OmsOrder,
    OmsRefund,
    Reservation,
    ShipmentStatus,
)

T0 = datetime.now(UTC)
EUR = Money(Decimal("10.00"), "EUR")
ORDER = OmsOrder(
    id="11",
    number="#1001",
    channel="web",
    placed_at=T0,
    updated_at=T0,
    cancelled_at=None,
    closed_at=None,
    financial_status=FinancialStatus.PAID,
    fulfillment_status=FulfillmentStatus.FULFILLED,
    subtotal=EUR,
    total_tax=Money.zero("EUR"),
    total=EUR,
    customer=OmsCustomer(id="7", email=None, first_name="A", last_name="B", phone=None),
    lines=(OmsLine("21", "SKU", "Thing", 1, EUR, 0),),
    fulfillments=(
        OmsFulfillment(
            id="31",
            name="#1001.1",
            created_at=T0,
            tracking_company="FedEx",
            tracking_number="794",
            shipment_status=ShipmentStatus.IN_TRANSIT,
            cancelled=False,
        ),
    ),
    refunds=(OmsRefund("41", T0, EUR, None, ()),),
)
CASE = CrmCase(
    id="51",
    number="00001",
    subject="s",
    status="New",
    closed=False,
    priority="Low",
    origin=None,
    opened_at=T0,
    closed_at=None,
    contact_id=None,
    order_number=ORDER.number,
    oms_order_id=ORDER.id,
)
# What each loader answers: "nothing there", except the records the route needs.
ANSWERS: dict[str, Any] = {
    "order_by_id": ORDER,
    "case_by_number": CASE,
    "contact_by_oms_customer": None,
    "contact_by_id": None,
    "cases_by_order_number": [],
    "cases_by_contact": [],
    "sales_order_by_order_number": None,
    "billing_by_order_number": [],
    "tracking": None,
    "reservations": Reservation(),
}
ROUTE = frozenset({"order_by_id", "case_by_number"})
"""Loaders that find the order (not the field's own reads)."""


@dataclass
class Recorder:
    """Stands in for ``Loaders``: answers at once, and notes which loader was asked."""

    asked: set[str] = field(default_factory=set)

    def __getattr__(self, name: str) -> SimpleNamespace:
        if name not in ANSWERS:
            raise AttributeError(name)

        def load(key: object) -> asyncio.Future[Any]:
            self.asked.add(name)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(ANSWERS[name])
            return future

        return SimpleNamespace(load=load, prime=lambda key, value: None)


class AllowAll:
    def allows(self, principal: Principal, scope: str) -> bool:
        return True

    def may_see_channel(self, principal: Principal, channel: str) -> bool:
        return True

    def channel_filter(self, principal: Principal) -> str | None:
        return None


def context(recorder: Recorder) -> Context:
    """A request's context over ``recorder``: no sources, no call context, no journal."""
    principal = Principal("tester", "tests", frozenset())
    return Context(
        principal, AllowAll(), cast(Any, None), cast(Any, recorder), cast(Any, None), StaleLog()
    )


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema()


def resolver_fields(graphql: GraphQLSchema) -> Iterator[tuple[str, StrawberryField]]:
    """(``Type.field``, definition) of every field of the schema that has a resolver."""
    for named in graphql.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for name, graphql_field in named.fields.items():
            definition = (graphql_field.extensions or {}).get(BACKREF)
            if isinstance(definition, StrawberryField) and definition.base_resolver is not None:
                yield f"{named.name}.{name}", definition


def test_every_resolver_that_can_reach_a_source_declares_its_loads(
    schema: strawberry.Schema,
) -> None:
    undeclared = [
        name
        for name, definition in resolver_fields(schema._schema)
        if definition.base_resolver is not None
        and definition.base_resolver.info_parameter is not None
        and declaration(definition.metadata) is None
    ]
    assert not undeclared, f"declare what these load (resolvers.loads): {undeclared}"


def test_declarations_are_well_formed(schema: strawberry.Schema) -> None:
    graphql = schema._schema
    for name, definition in resolver_fields(graphql):
        needs = declaration(definition.metadata)
        if needs is None:
            continue
        assert needs.loads or needs.why, f"{name}: free, but says not why"
        assert definition.base_resolver is not None
        assert needs.loads == () or definition.base_resolver.info_parameter is not None, (
            f"{name} declares loads but cannot reach a source (no info)"
        )
    for name, needs in declarations(graphql).items():
        owner = name.split(".")[0]
        if needs.per in (None, owner):
            continue
        # ``of`` names an object directly above the declaring one.
        above = graphql.type_map.get(needs.per or "")
        assert isinstance(above, GraphQLObjectType), f"{name}: no type {needs.per}"
        assert any(get_named_type(f.type).name == owner for f in above.fields.values()), (
            f"{name}: {needs.per} does not hold {owner}"
        )


def order_paths(schema: strawberry.Schema) -> list[str]:
    """Paths under an order whose field declares loads prefetch can start."""
    plan = _plan(schema._schema)
    return sorted(path for path, step in plan.items() if step.loads & set(STARTERS))


def selection(schema: strawberry.Schema, path: str) -> str:
    """``path`` as a selection on an order, ``{ __typename }`` under an object."""
    current = schema._schema.type_map["Order"]
    for name in path.split("."):
        current = get_named_type(current.fields[name].type)
    text = f"{name} {{ __typename }}" if isinstance(current, GraphQLObjectType) else name
    for name in reversed(path.split(".")[:-1]):
        text = f"{name} {{ {text} }}"
    return text


async def test_prefetch_starts_exactly_what_each_field_reads(schema: strawberry.Schema) -> None:
    paths = order_paths(schema)
    assert {"refundable", "shipments.status", "lines.refundableQuantity", "cases"} <= set(paths)
    for path in paths:
        # What the field reads when nothing was prefetched: reached through a case.
        alone = Recorder()
        query = f'{{ case(number: "00001") {{ order {{ {selection(schema, path)} }} }} }}'
        answer = await schema.execute(query, context_value=context(alone))
        assert answer.errors is None, (path, answer.errors)
        # What prefetch starts for the same selection of an order.
        started = Recorder()
        info = SimpleNamespace(context=context(started), schema=schema)
        await prefetch(cast(Any, info), [ORDER], frozenset({path, path.split(".")[0]}))
        assert started.asked == alone.asked - ROUTE, path


def test_the_cost_of_one_field_is_its_declared_weight(schema: strawberry.Schema) -> None:
    graphql = schema._schema
    order = graphql.type_map["Order"]
    declared = declarations(graphql)
    paths = sorted(_plan(graphql))
    assert len(paths) >= 15
    for path in paths:
        outer_name, _, inner_name = path.partition(".")
        outer = order.fields[outer_name]
        charged = (
            set(declared[f"Order.{outer_name}"].loads)
            if f"Order.{outer_name}" in declared
            else set()
        )
        expected = sum(load.weight for load in charged)
        if inner_name:
            owner = get_named_type(outer.type).name
            needs = declared[f"{owner}.{inner_name}"]
            if needs.per == "Order":  # charged with the order, once
                expected += sum(load.weight for load in set(needs.loads) - charged)
            else:  # charged per item of what holds it
                times = 5 if is_list_type(nullable(outer.type)) else 1
                expected += times * sum(load.weight for load in needs.loads)
        query = f'{{ order(number: "#1") {{ {selection(schema, path)} }} }}'
        assert estimate_cost(graphql, parse(query)) == 1 + Load.OMS_ORDER.weight + expected, path
