"""Builds the per-request ``resolvers.Context``: principal, loaders, deadline, correlation id.

The request's ``CallContext`` carries its deadline and its ceiling of upstream calls
(``ORDER360_MAX_UPSTREAM_CALLS``); every loader and process of the request shares it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import HTTPConnection

from resolvers import BusinessObserver, Context, Loaders, Principal, ProcessEnv, StaleLog
from sources import CachedRead, CallContext, Sources

from .policy import ScopePolicy

__all__ = ["ContextFactory"]


class ContextFactory:
    """One ``Context`` per request, with fresh loaders and a deadline from now."""

    def __init__(
        self,
        policy: ScopePolicy,
        deadline_ms: int,
        sources: Callable[[], Sources],
        cache: CachedRead | None,
        processes: Callable[[], ProcessEnv | None] = lambda: None,
        *,
        max_upstream_calls: int | None = None,
        observer: BusinessObserver | None = None,
    ) -> None:
        self._policy = policy
        self._deadline_s = deadline_ms / 1000.0
        self._max_upstream_calls = max_upstream_calls
        self._sources = sources
        self._cache = cache
        self._processes = processes
        self._observer = observer or BusinessObserver()

    def __call__(self, connection: HTTPConnection) -> Context:
        """Read what the middleware and the lifespan left on the request."""
        sources = self._sources()
        principal: Principal = connection.state.principal
        call = CallContext.with_budget(
            connection.state.request_id,
            self._deadline_s,
            max_upstream_calls=self._max_upstream_calls,
        )
        stale = StaleLog()
        processes = self._processes()
        loaders = Loaders.for_request(
            sources,
            call,
            cache=self._cache,
            partition=self.partition(principal),
            stale=stale,
            journal=processes.journal if processes else None,
        )
        return Context(
            principal=principal,
            policy=self._policy,
            sources=sources,
            loaders=loaders,
            call=call,
            stale=stale,
            processes=processes,
            observer=self._observer,
        )

    def partition(self, principal: Principal) -> str:
        """The cache partition of a principal: its tenancy.

        Cached entries are raw upstream records; scopes are checked on every field of
        every request after the cache, so only tenancy needs separate partitions.
        """
        return self._policy.channel_filter(principal) or "*"
