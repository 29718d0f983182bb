"""Reports data served stale from cache in ``extensions.stale`` of the response."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from resolvers import Context

__all__ = ["StaleMarker"]


class StaleMarker(SchemaExtension):
    """Adds ``extensions.stale: [{path, source, ageSeconds}]`` when any field used stale data."""

    def on_operation(self) -> Iterator[None]:
        """Collect the request's stale log once the operation has run."""
        yield
        context = self.execution_context.context
        if isinstance(context, Context) and context.stale.paths:
            result = self.execution_context.result
            if result is not None:
                extensions = dict(getattr(result, "extensions", None) or {})
                extensions["stale"] = context.stale.paths
                result.extensions = extensions
