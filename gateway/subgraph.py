"""``POST /subgraph``: Order360 as an Apollo Federation v2 subgraph, beside ``/graphql``.

A separate path, not a setting, so the standalone schema (``/graphql``,
``schema.graphql``) never grows ``_service`` or ``_entities`` and one deployment can
serve both its own clients and a router. The subgraph is the same endpoint class over
the subgraph schema: the router's requests meet the same token check, edge limits,
cost budget (the same buckets as ``/graphql``) and error coding as any client's.

Trust model: Order360 does not trust the router. The router forwards the caller's
``Authorization`` header, ``X-Request-ID`` and ``traceparent`` (README, "Federation");
every request is authenticated and authorised on its own bearer token, as on
``/graphql``, so a router can never widen what the token allows.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Route

from resolvers import build_subgraph_schema

from .endpoint import GraphQLEndpoint
from .errors import log_errors
from .extensions import edge_extensions
from .rate_limit import BudgetStore
from .settings import Settings

__all__ = ["SUBGRAPH_PATH", "subgraph_route"]

SUBGRAPH_PATH = "/subgraph"


def subgraph_route(
    endpoint: GraphQLEndpoint,
    settings: Settings,
    budgets: BudgetStore,
    on_refusal: Callable[[str], None] | None = None,
) -> Route:
    """``endpoint`` over the subgraph schema, at ``SUBGRAPH_PATH``; ``on_refusal`` hears the
    cost budget's refusals (metrics)."""
    extensions = edge_extensions(settings, budgets, on_refusal)
    schema = build_subgraph_schema(extensions, error_sink=log_errors)
    return Route(SUBGRAPH_PATH, endpoint.with_schema(schema))
