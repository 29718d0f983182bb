"""Assembles the schema from the domain modules; holds no types of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
import strawberry.federation
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from .mutations import Mutation
from .queries import Query
from .subgraph import FEDERATION_VERSION, SubgraphQuery, keyed

__all__ = ["SubgraphSchema", "build_schema", "build_subgraph_schema"]

BACKREF = "strawberry-definition"  # strawberry's GraphQLCoreConverter.DEFINITION_BACKREF

ErrorSink = Callable[[list[GraphQLError]], None]


class _SinksErrors(strawberry.Schema):
    """Hands errors to the gateway's sink instead of strawberry's log-everything default."""

    error_sink: ErrorSink | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if self.error_sink is not None:
            self.error_sink(errors)
        else:
            super().process_errors(errors, execution_context)


class _Schema(_SinksErrors):
    """The standalone schema, served at ``/graphql``."""


class SubgraphSchema(_SinksErrors, strawberry.federation.Schema):
    """The Federation v2 subgraph schema, with the SDL ``_service`` answers."""

    subgraph_sdl: str = ""
    """The SDL printed while the entity types carried their keys (``resolvers.subgraph``)."""


def build_schema(
    extensions: Sequence[type[SchemaExtension]] = (),
    *,
    error_sink: ErrorSink | None = None,
) -> strawberry.Schema:
    """The Order360 schema with the gateway's extensions (limits, error coding, ...)."""
    schema = _Schema(query=Query, mutation=Mutation, extensions=list(extensions))
    schema.error_sink = error_sink
    _read_plain_fields_directly(schema)
    return schema


def build_subgraph_schema(
    extensions: Sequence[type[SchemaExtension]] = (),
    *,
    error_sink: ErrorSink | None = None,
) -> SubgraphSchema:
    """The same schema as a Federation v2 subgraph (``resolvers.subgraph``)."""
    with keyed():
        schema = SubgraphSchema(
            query=SubgraphQuery,
            mutation=Mutation,
            extensions=list(extensions),
            federation_version=FEDERATION_VERSION,
        )
        schema.subgraph_sdl = schema.as_str()
    schema.error_sink = error_sink
    _read_plain_fields_directly(schema)
    return schema


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return getattr(source, name)

    return resolve


def _read_plain_fields_directly(schema: strawberry.Schema) -> None:
    """Plain attributes resolve with one ``getattr``.

    Strawberry resolves a field that has no resolver, no extensions and no exception
    handlers (``_get_basic_result``) through four more calls per field
    (``get_result``, ``base_resolver``, ``python_name``); on a page of orders that is
    thousands of calls for the same ``getattr``.
    """
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType):
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get(BACKREF)
            # Only strawberry's own basic-field path: a field with permission extensions
            # but no resolver is also marked ``_is_default`` and must keep its checks.
            resolver_name = getattr(field.resolve, "__name__", "")
            if (
                resolver_name == "_get_basic_result"
                and isinstance(definition, StrawberryField)
                and definition.is_basic_field
            ):
                field.resolve = _attribute(definition.python_name)
