"""Reports data served stale from cache in ``extensions.stale`` of the response."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from resolvers import Context

__all__ = ["StaleMarker"]


class StaleMarker(SchemaExtension):
    """Adds ``extensions.stale: [{path, source, ageSeconds}]`` when any field used stale data."""

    def get_results(self) -> dict[str, Any]:
        """Strawberry merges this into the response's ``extensions`` after execution."""
        context = self.execution_context.context
        if isinstance(context, Context) and context.stale.paths:
            return {"stale": context.stale.paths}
        return {}
