"""Value objects for the governed edge: request limits, query budgets, persisted queries.

Plain frozen data; ``settings.load_settings`` (the only reader of configuration) fills
them from ``ORDER360_*`` variables. The defaults are the documented ones, so a test or
a tool can build them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

__all__ = [
    "EdgeSettings",
    "MetricsMode",
    "PersistedQueryMode",
    "PersistedQuerySettings",
    "QueryLimits",
    "RateLimitSettings",
]

PersistedQueryMode = Literal["apq", "allowlist"]
MetricsMode = Literal["on", "off", "ops"]
"""``GET /metrics``: open, absent, or for ``ops`` tokens only (``gateway.metrics.scrape``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryLimits:
    """Static limits checked before anything executes (all refusals: QUERY_TOO_COMPLEX).

    Depth 10 fits the deepest legitimate query of the schema (order -> customer ->
    orders -> edges -> node -> cases -> order -> shipments -> events is 9 object
    levels); graphql-armor's 6 would refuse it. Aliases 30 and tokens 2000 are
    graphql-armor's 15 and 1000 doubled, because the order 360 document is large.
    The cost cap is in estimated upstream loads (see ``gateway.limits.cost``): 1000
    covers a full order 360 for a page of 20 orders, and stays below the default
    budget so every admissible query can run on a full bucket.
    """

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_root_fields: int = 10
    max_query_cost: int = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitSettings:
    """Shopify-style leaky bucket per client, in cost units."""

    capacity: int = 2000
    restore_per_s: float = 100.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PersistedQuerySettings:
    """Automatic persisted queries, optionally with an allow-list for partner tokens."""

    mode: PersistedQueryMode = "apq"
    allowlist: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """sha256 (lower-case hex) -> document, loaded once at start-up."""
    cache_size: int = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeSettings:
    """Everything the HTTP edge enforces before a resolver runs."""

    max_body_bytes: int = 1024 * 1024
    limits: QueryLimits = field(default_factory=QueryLimits)
    rate_limit: RateLimitSettings = field(default_factory=RateLimitSettings)
    persisted_queries: PersistedQuerySettings = field(default_factory=PersistedQuerySettings)
    metrics: MetricsMode = "on"
    """Who may read ``GET /metrics`` (``ORDER360_METRICS``; ``ops`` in production)."""
