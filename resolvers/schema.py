"""Assembles the schema from the domain modules; holds no types of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from .mutations import Mutation
from .queries import Query

__all__ = ["build_schema"]

ErrorSink = Callable[[list[GraphQLError]], None]


class _Schema(strawberry.Schema):
    """Hands errors to the gateway's sink instead of strawberry's log-everything default."""

    error_sink: ErrorSink | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if self.error_sink is not None:
            self.error_sink(errors)
        else:
            super().process_errors(errors, execution_context)


def build_schema(
    extensions: Sequence[type[SchemaExtension]] = (),
    *,
    error_sink: ErrorSink | None = None,
) -> strawberry.Schema:
    """The Order360 schema with the gateway's extensions (limits, error coding, ...)."""
    schema = _Schema(query=Query, mutation=Mutation, extensions=list(extensions))
    schema.error_sink = error_sink
    return schema
