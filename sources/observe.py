"""Observers: what the call discipline and the read cache report, for metrics.

``sources/`` knows nothing of Prometheus: ``Upstream`` and ``CachedRead`` tell an
observer what happened, and the gateway passes in one that counts
(``gateway.metrics``). The base classes here do nothing, so a test or a tool that
passes none pays one method call per event.

Every argument is bounded by construction: a ``SourceName``, a route *template*
(``route_template``: no key, id or query string ever reaches it), a status class, a
cache kind named in code. An observer may still cap what it keeps.

Example::

    class Counting(UpstreamObserver):
        def attempted(self, source, route, method, status, duration_s, size):
            print(source, route, status)

    async with open_sources(config, observer=Counting()) as sources: ...
"""

from __future__ import annotations

import re
from typing import Literal

from .errors import SourceName
from .resilience import BreakerState

__all__ = ["CacheEvent", "CacheObserver", "RetryReason", "UpstreamObserver", "route_template"]

RetryReason = Literal["throttled", "error"]
"""Why a call is tried again: the upstream scheduled it (``Retry-After``), or it failed."""
CacheEvent = Literal["hit", "miss", "stale", "joined"]
"""A fresh hit, a miss read from the source, a stale value served after a failure, or a
miss that joined another request's read of the same key (single flight)."""


class UpstreamObserver:
    """Hears every attempt of ``Upstream``; this base ignores everything."""

    def attempted(
        self,
        source: SourceName,
        route: str,
        method: str,
        status: str,
        duration_s: float | None,
        response_bytes: int | None,
    ) -> None:
        """One attempt ended. ``status`` is ``2xx``…``5xx`` when the upstream answered, else
        why not (``timeout``, ``connection``, ``bad_response``, ``circuit_open``,
        ``no_slot``, ``cancelled``); ``duration_s`` is ``None`` when nothing was sent."""

    def retrying(self, source: SourceName, route: str, reason: RetryReason, wait_s: float) -> None:
        """Another attempt follows after ``wait_s`` seconds."""

    def throttled(self, source: SourceName, route: str) -> None:
        """The upstream asked us to slow down (429 or its quota signal)."""

    def breaker_changed(self, source: SourceName, old: BreakerState, new: BreakerState) -> None:
        """A circuit breaker of ``source`` moved from ``old`` to ``new``."""

    def bulkhead_entered(self, source: SourceName, waited_s: float, queued: bool) -> None:
        """A call took a connection slot after ``waited_s`` (``queued``: none was free)."""

    def bulkhead_left(self, source: SourceName) -> None:
        """A call gave its connection slot back."""


class CacheObserver:
    """Hears what ``CachedRead`` served; this base ignores everything."""

    def served(self, source: SourceName, kind: str, event: CacheEvent, count: int) -> None:
        """``count`` keys of ``kind`` were served this way in one batch."""


# A path segment that is a name in an API (``orders``, ``A_SalesOrder``, ``$batch``) is
# kept; anything with a digit, a quote or an @ is data (an id, an order number, an
# e-mail, a query locator) and becomes ``{id}``. Version segments are names too.
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z_$.\-]*$")
_VERSION = re.compile(r"^(v\d+(\.\d+)*|\d{4}-\d{2}(-\d{2})?)$")
_KEY = re.compile(r"^([A-Za-z_$][A-Za-z0-9_$]*)\(.*\)$")  # OData ``Entity(key)``
_EXTENSION = re.compile(r"^[^.]+(\.(json|xml))$")
MAX_SEGMENTS = 12


def route_template(path: str) -> str:
    """The route of a request path, with every key replaced: a bounded metric label.

    >>> route_template("/admin/api/2024-10/orders/450789469.json")
    '/admin/api/2024-10/orders/{id}.json'
    >>> route_template("/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('1001')/to_Item")
    '/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder({key})/to_Item'
    """
    segments = [s for s in path.split("/") if s][:MAX_SEGMENTS]
    return "/" + "/".join(_segment(s) for s in segments)


def _segment(segment: str) -> str:
    if _VERSION.match(segment) or _NAME.match(segment):
        return segment
    keyed = _KEY.match(segment)
    if keyed:
        return f"{keyed.group(1)}({{key}})"
    extension = _EXTENSION.match(segment)
    return "{id}" + (extension.group(1) if extension else "")
