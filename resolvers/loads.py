"""Which upstream load a field needs, declared once, next to the field.

A field whose resolver can reach a source (it takes ``info``) says what it loads in its
strawberry ``metadata``::

    @strawberry.field(description="...", metadata=reads(Load.ERP_BILLING))

Prefetching (``resolvers.prefetch``) starts the loads a selection declares, and the
query cost (``gateway.limits.cost``) prices them: neither keeps a list of its own, and a
test fails on a resolver without a declaration (``tests/resolvers/test_loads.py``).

A load is made once per object that keys it. By default that is the object the field is
on (``Order.invoices``: one ERP billing read per order, however many of its fields read
it); ``of`` names an enclosing object instead (a refund's credit memo is found in its
order's billing documents); a lookup or a page is keyed by the field's arguments and is
made each time the field is selected (``looks_up``).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema

__all__ = [
    "BACKREF",
    "PARENT",
    "Load",
    "Needs",
    "declaration",
    "declarations",
    "free",
    "looks_up",
    "reads",
]

METADATA_KEY = "order360.loads"
BACKREF = "strawberry-definition"  # strawberry's GraphQLCoreConverter.DEFINITION_BACKREF
PARENT = "<parent>"
"""``Needs.per`` as declared: the type the field is on, filled in by ``declarations``."""


class Load(Enum):
    """One kind of read a field can make, and its weight in the query cost.

    The weight counts upstream calls, which the cost budget protects. Reads of the
    journal weigh nothing: it is Order360's own database, not an upstream.
    """

    OMS_ORDER = ("oms:order", 1)
    OMS_ORDER_PAGE = ("oms:order-page", 1)
    ERP_SALES_ORDER = ("erp:sales-order", 1)
    ERP_BILLING = ("erp:billing", 1)
    CRM_CONTACT = ("crm:contact", 1)
    CRM_CASE = ("crm:case", 1)
    CRM_CASES_BY_ORDER = ("crm:cases-by-order", 1)
    CRM_CASES_BY_CONTACT = ("crm:cases-by-contact", 1)
    CARRIER_TRACKING = ("carrier:tracking", 1)
    ORDER_VIEW = ("order-view", 5)
    """The cross-system view (``resolvers.gather``): an order's ERP order, ERP billing,
    CRM cases, CRM contact and carrier tracking, priced as one load of five."""
    JOURNAL_RESERVATIONS = ("journal:reservations", 0)
    JOURNAL = ("journal", 0)
    """Any other journal read: workflows, steps, audit entries."""
    PROCESS = ("process", 10)
    """A governed process (a mutation): several upstream calls and journal writes."""

    def __init__(self, label: str, weight: int) -> None:
        self.label = label
        self.weight = weight


@dataclass(frozen=True, slots=True)
class Needs:
    """What resolving one field loads, and which object each of those loads is made for.

    ``per`` is the GraphQL type whose object keys the loads (each is made once per such
    object), or ``None`` when the field's arguments key them (made every time the field
    is selected). A field that loads nothing has no ``loads`` and says ``why``.
    """

    loads: tuple[Load, ...]
    per: str | None
    why: str = ""
    items_from: str | None = None
    """The list argument whose length is the number of items the field returns
    (``_entities(representations:)``): the cost model multiplies by it as by a page size."""


def reads(*loads: Load, of: str = PARENT) -> dict[str, Any]:
    """Field metadata: resolving the field makes ``loads``, once per parent (or ``of``) object."""
    return {METADATA_KEY: Needs(loads, of)}


def looks_up(*loads: Load, items_from: str | None = None) -> dict[str, Any]:
    """Field metadata: ``loads`` are keyed by the field's arguments (a lookup, a page).

    ``items_from`` names a list argument with one element per item returned (a batch of
    lookups by key); it prices the field like a page of that many items.
    """
    return {METADATA_KEY: Needs(loads, None, items_from=items_from)}


def free(why: str) -> dict[str, Any]:
    """Field metadata: the resolver takes ``info`` but loads nothing; ``why`` says so."""
    return {METADATA_KEY: Needs((), None, why)}


def declaration(metadata: Mapping[str, Any] | None) -> Needs | None:
    """The declaration in a strawberry field's metadata, if it has one."""
    found = (metadata or {}).get(METADATA_KEY)
    return found if isinstance(found, Needs) else None


_memo: weakref.WeakKeyDictionary[GraphQLSchema, Mapping[str, Needs]] = weakref.WeakKeyDictionary()


def declarations(schema: GraphQLSchema) -> Mapping[str, Needs]:
    """``"Type.field"`` to what it loads, for every field of ``schema`` that declares loads.

    Read once per schema from the strawberry definitions behind it; a schema built from
    SDL has none. Free fields are left out: they cost nothing and start nothing.
    """
    found = _memo.get(schema)
    if found is None:
        found = _memo[schema] = _read(schema)
    return found


def _read(schema: GraphQLSchema) -> Mapping[str, Needs]:
    table: dict[str, Needs] = {}
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType):
            continue
        for name, field in named.fields.items():
            definition = (field.extensions or {}).get(BACKREF)
            needs = declaration(getattr(definition, "metadata", None))
            if needs is None or not needs.loads:
                continue
            per = named.name if needs.per == PARENT else needs.per
            table[f"{named.name}.{name}"] = Needs(needs.loads, per, items_from=needs.items_from)
    return table
