"""Request metrics: every HTTP request, every GraphQL operation, and edge refusals.

``HttpMetricsMiddleware`` times every request by route (the gateway's own route names,
never a raw path). ``GraphQLMetrics`` is what the GraphQL endpoint reports to: the
operation (bounded, ``labels.operation_in``), its outcome and status, token failures by
reason, and the cost and rate-limit refusals of ``limits.QueryCost``.

Outcomes: ``ok`` (data, no errors), ``partial`` (data and errors: a source failed),
``errors`` (executed, no data), ``refused`` (nothing executed: a bad request, a
limit, the budget, a missing or invalid token).
"""

from __future__ import annotations

import time
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .labels import OPERATION_CAP, BoundedValues, http_method, http_route, operation_in

__all__ = ["GraphQLMetrics", "HttpMetrics", "HttpMetricsMiddleware", "Outcome"]

Outcome = Literal["ok", "partial", "errors", "refused"]
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TOKEN_REASONS = {
    "token expired": "expired",
    "token too large": "too_large",
    "malformed token": "malformed",
    "token algorithm not allowed": "algorithm",
    "not an access token (typ must be at+jwt)": "not_access_token",
    "token claims rejected": "claims",
    "token signature or key rejected": "signature",
    "the token issuer's keys are unavailable": "keys_unavailable",
}


class GraphQLMetrics:
    """Counts GraphQL operations, token failures and edge refusals."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._names = BoundedValues(OPERATION_CAP)
        self.requests = Counter(
            "order360_graphql_requests",
            "GraphQL requests by operation name, outcome and HTTP status.",
            ("operation", "outcome", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            "order360_graphql_request_duration_seconds",
            "Time to answer GraphQL requests, by operation name.",
            ("operation",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.token_failures = Counter(
            "order360_auth_failures",
            "Requests refused for their bearer token, by reason.",
            ("reason",),
            registry=registry,
        )
        self.edge_refusals = Counter(
            "order360_edge_refusals",
            "Operations refused before execution: cost_limit (too expensive for one "
            "operation or the whole budget) or rate_limited (budget exhausted for now).",
            ("reason",),
            registry=registry,
        )
        for reason in ("cost_limit", "rate_limited"):
            self.edge_refusals.labels(reason)

    def operation(self, operation_name: str | None, query: str | None) -> str:
        """The bounded operation label of a request."""
        return operation_in(self._names, operation_name, query)

    def finished(self, operation: str, outcome: Outcome, status: int, duration_s: float) -> None:
        """Count one answered request."""
        self.requests.labels(operation, outcome, str(status)).inc()
        self.duration.labels(operation).observe(duration_s)

    def token_refused(self, message: str) -> None:
        """Count a token failure: ``missing``, ``not_bearer``, or an ``InvalidToken``'s
        message (mapped to a fixed reason; an unknown one is ``invalid``)."""
        if message in ("missing", "not_bearer"):
            reason = message
        else:
            reason = _TOKEN_REASONS.get(message, "invalid")
        self.token_failures.labels(reason).inc()

    def refused(self, reason: str) -> None:
        """Count an edge refusal (``cost_limit`` or ``rate_limited``)."""
        self.edge_refusals.labels(reason).inc()


class HttpMetrics:
    """Counts and times HTTP requests by route, method and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "order360_http_requests",
            "HTTP requests by route, method and status.",
            ("route", "method", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            "order360_http_request_duration_seconds",
            "Time to answer HTTP requests, by route.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )


class HttpMetricsMiddleware:
    """Pure-ASGI: count and time every HTTP request into ``metrics``."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; count it once its answer has started (or it failed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception with no answer sent is the server's failure

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = http_route(scope["path"])
            method = http_method(scope["method"])
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.duration.labels(route).observe(time.perf_counter() - started)
