"""Per-upstream and cache metrics: the gateway's observers of ``sources/``.

``sources.Upstream`` and ``sources.CachedRead`` report through the observer interfaces
of ``sources.observe``; these implementations count into the app's registry. Breaker
states and bulkhead capacities are read when scraped (``SourcesCollector``), so they are
right even for an upstream nobody has called for a while.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sources import (
    SOURCE_NAMES,
    BreakerState,
    CacheEvent,
    CacheObserver,
    RetryReason,
    SourceName,
    Sources,
    UpstreamObserver,
)

from .labels import ROUTE_CAP, BoundedValues

__all__ = ["CacheMetrics", "SourcesCollector", "UpstreamMetrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)


class UpstreamMetrics(UpstreamObserver):
    """Counts every upstream attempt, retry, throttle, breaker move and bulkhead wait."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._routes = {name: BoundedValues(ROUTE_CAP) for name in SOURCE_NAMES}
        labels = ("source", "route", "method", "status")
        self.requests = Counter(
            "order360_upstream_requests",
            "Upstream attempts by route template and status class (or why none was sent).",
            labels,
            registry=registry,
        )
        self.duration = Histogram(
            "order360_upstream_request_duration_seconds",
            "Time of upstream attempts that went out, from send to last byte.",
            ("source", "route"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.response_size = Histogram(
            "order360_upstream_response_size_bytes",
            "Size of upstream response bodies.",
            ("source", "route"),
            buckets=SIZE_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            "order360_upstream_retries",
            "Upstream calls tried again: scheduled by the upstream (throttled) or after an error.",
            ("source", "reason"),
            registry=registry,
        )
        self.throttles = Counter(
            "order360_upstream_throttles",
            "Upstream answers asking us to slow down (429 or the vendor's quota signal).",
            ("source",),
            registry=registry,
        )
        self.throttle_wait = Histogram(
            "order360_upstream_throttle_wait_seconds",
            "Waits the upstream scheduled (Retry-After) before a retry.",
            ("source",),
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.transitions = Counter(
            "order360_upstream_breaker_transitions",
            "Circuit breaker moves.",
            ("source", "from_state", "to_state"),
            registry=registry,
        )
        self.in_flight = Gauge(
            "order360_upstream_in_flight",
            "Upstream calls holding a connection slot (bulkhead) now.",
            ("source",),
            registry=registry,
        )
        self.bulkhead_wait = Histogram(
            "order360_upstream_bulkhead_wait_seconds",
            "Time calls waited for a connection slot.",
            ("source",),
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.bulkhead_queued = Counter(
            "order360_upstream_bulkhead_queued",
            "Calls that found every connection slot of their upstream taken.",
            ("source",),
            registry=registry,
        )
        for name in SOURCE_NAMES:  # every source shows, called or not
            self.in_flight.labels(name)
            self.throttles.labels(name)

    def attempted(
        self,
        source: SourceName,
        route: str,
        method: str,
        status: str,
        duration_s: float | None,
        response_bytes: int | None,
    ) -> None:
        """Count one attempt."""
        route = self._routes[source](route)
        self.requests.labels(source, route, method, status).inc()
        if duration_s is not None:
            self.duration.labels(source, route).observe(duration_s)
        if response_bytes is not None:
            self.response_size.labels(source, route).observe(response_bytes)

    def retrying(self, source: SourceName, route: str, reason: RetryReason, wait_s: float) -> None:
        """Count a retry; a scheduled one's wait too."""
        self.retries.labels(source, reason).inc()
        if reason == "throttled":
            self.throttle_wait.labels(source).observe(wait_s)

    def throttled(self, source: SourceName, route: str) -> None:
        """Count a throttle."""
        self.throttles.labels(source).inc()

    def breaker_changed(self, source: SourceName, old: BreakerState, new: BreakerState) -> None:
        """Count a breaker move."""
        self.transitions.labels(source, old.value, new.value).inc()

    def bulkhead_entered(self, source: SourceName, waited_s: float, queued: bool) -> None:
        """A slot taken: one more in flight."""
        self.in_flight.labels(source).inc()
        self.bulkhead_wait.labels(source).observe(waited_s)
        if queued:
            self.bulkhead_queued.labels(source).inc()

    def bulkhead_left(self, source: SourceName) -> None:
        """A slot given back."""
        self.in_flight.labels(source).dec()


class CacheMetrics(CacheObserver):
    """Counts what the read cache served, by source and record kind (named in code)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reads = Counter(
            "order360_cache_reads",
            "Keys read through the cache: hit (fresh), miss (read from the source), "
            "stale (served after the source failed), joined (shared another request's read).",
            ("source", "kind", "result"),
            registry=registry,
        )

    def served(self, source: SourceName, kind: str, event: CacheEvent, count: int) -> None:
        """Count ``count`` keys."""
        self.reads.labels(source, kind, event).inc(count)


class SourcesCollector(Collector):
    """Breaker states and bulkhead capacities, read from the open sources when scraped."""

    def __init__(self, sources: Callable[[], Sources | None]) -> None:
        self._sources = sources

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per source and state (1 for the current one), and per capacity."""
        state = GaugeMetricFamily(
            "order360_upstream_breaker_state",
            "1 for the worst circuit breaker state among the source's APIs, else 0.",
            labels=("source", "state"),
        )
        capacity = GaugeMetricFamily(
            "order360_upstream_bulkhead_capacity",
            "Connection slots (bulkhead) of the source, summed over its APIs.",
            labels=("source",),
        )
        sources = self._sources()
        if sources is not None:
            for name, report in sources.health().items():
                for each in BreakerState:
                    state.add_metric((name, each.value), 1.0 if each is report.breaker else 0.0)
            for name, upstreams in sources.upstreams.items():
                capacity.add_metric((name,), float(sum(u.policy.concurrency for u in upstreams)))
        yield state
        yield capacity
