"""Prometheus metrics of one gateway: one registry per app, every family declared here.

``Metrics(registry)`` holds the observers the composition root hands out: to
``sources`` (upstream calls, the read cache), to ``resolvers`` (business outcomes), to
the GraphQL endpoint and the HTTP middleware. A per-app ``CollectorRegistry`` (not the
global default) lets several gateways live in one process (tests) without colliding.
Label values are bounded (``labels``): never an order, customer, token or raw URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from .business import BusinessMetrics, WorkQueues
from .requests import GraphQLMetrics, HttpMetrics, HttpMetricsMiddleware, Outcome
from .scrape import metrics_route
from .upstream import CacheMetrics, SourcesCollector, UpstreamMetrics

__all__ = [
    "HttpMetricsMiddleware",
    "Metrics",
    "Outcome",
    "SourcesCollector",
    "metrics_route",
]


@dataclass
class Metrics:
    """Every metric family of one app, on its own registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.http = HttpMetrics(self.registry)
        self.graphql = GraphQLMetrics(self.registry)
        self.upstream = UpstreamMetrics(self.registry)
        self.cache = CacheMetrics(self.registry)
        self.business = BusinessMetrics(self.registry)
        self.queues = WorkQueues(self.registry)
