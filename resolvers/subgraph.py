"""The Apollo Federation v2 subgraph: the same types and fields, plus ``_service`` and
``_entities``, with ``@key`` on the entity types.

The standalone schema (``schema.graphql``, served at ``/graphql``) must not change, yet
strawberry reads ``@key`` from the type definitions both schemas share. So the keys are
put on the shared definitions only while the subgraph schema is built and its SDL is
printed (``_keyed``), and ``_service`` serves that SDL as printed then. The built
schema keeps no reference to the directives: graphql-core types carry none, only the
printer reads them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, Literal

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types.base import get_object_definition

from .context import Info
from .entities import ENTITY_KEYS, MAX_REPRESENTATIONS, Entity, resolve_entities
from .loads import Load, free, looks_up
from .queries import Query

__all__ = ["FEDERATION_VERSION", "SubgraphQuery", "keyed"]

FEDERATION_VERSION: Final[Literal["2.5"]] = "2.5"
"""The federation spec the subgraph links: 2.5 is understood by every current router."""

_building = threading.Lock()


@contextmanager
def keyed() -> Iterator[None]:
    """The entity types carry their ``@key`` directives inside this block only."""
    with _building:
        saved: dict[type, Sequence[object] | None] = {}
        for type_, fields in ENTITY_KEYS.items():
            definition = get_object_definition(type_, strict=True)
            saved[type_] = definition.directives
            keys = [Key(fields=FieldSet(field)) for field in fields]
            definition.directives = [*(definition.directives or ()), *keys]
        try:
            yield
        finally:
            for type_, directives in saved.items():
                get_object_definition(type_, strict=True).directives = directives


@strawberry.type(name="_Service", description="What a router asks a subgraph about itself.")
class Service:
    """The subgraph's own SDL, for composition."""

    sdl: str = strawberry.field(
        description="The subgraph schema in SDL, with its @link and @key directives."
    )


@strawberry.type(
    name="Query", description="Read everything about orders, customers and cases, by key too."
)
class SubgraphQuery(Query):
    """The read side of Order360, and the two fields every federation subgraph serves."""

    @strawberry.field(
        name="_entities",
        description="The entities of a router's representations, in their order; null "
        f"with an error for each one that cannot be served. At most {MAX_REPRESENTATIONS}.",
        # Priced like a page of as many items as representations: each item costs at
        # least one, plus what its selection loads; the lookups batch per key kind.
        metadata=looks_up(
            Load.OMS_ORDER, Load.CRM_CONTACT, Load.CRM_CASE, items_from="representations"
        ),
    )
    async def entities(
        self, info: Info, representations: list[FederationAny]
    ) -> list[Entity | None]:
        """Each representation resolved through the request's loaders."""
        found: list[Any] = await resolve_entities(info, representations)
        return found

    @strawberry.field(
        name="_service",
        description="This subgraph's SDL, for composition.",
        metadata=free("the SDL printed when the schema was built"),
    )
    def service(self, info: Info) -> Service:
        """The SDL the schema printed when it was built (``resolvers.schema``)."""
        return Service(sdl=getattr(info.schema, "subgraph_sdl", ""))
