"""Builds the per-request ``resolvers.Context``: principal, loaders, deadline, correlation id."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import HTTPConnection

from resolvers import Context, Loaders, Principal
from sources import CallContext, Sources

from .policy import ScopePolicy

__all__ = ["ContextFactory"]


class ContextFactory:
    """One ``Context`` per request, with fresh loaders and a deadline from now."""

    def __init__(
        self, policy: ScopePolicy, deadline_ms: int, sources: Callable[[], Sources]
    ) -> None:
        self._policy = policy
        self._deadline_s = deadline_ms / 1000.0
        self._sources = sources

    def __call__(self, connection: HTTPConnection) -> Context:
        """Read what the middleware and the lifespan left on the request."""
        sources = self._sources()
        principal: Principal = connection.state.principal
        call = CallContext.with_budget(connection.state.request_id, self._deadline_s)
        return Context(
            principal=principal,
            policy=self._policy,
            sources=sources,
            loaders=Loaders.for_request(sources, call),
            call=call,
        )
