"""``create_app(settings)``: the composition root. The only place that picks concrete classes."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from resolvers import Principal, build_schema
from sources import (
    SOURCE_NAMES,
    CachedRead,
    CachePolicy,
    InProcessBus,
    JetStreamConfig,
    JetStreamPublisher,
    MemoryReadCache,
    Publisher,
)

from .context import ContextFactory
from .endpoint import GraphQLEndpoint
from .errors import log_errors
from .extensions import edge_extensions
from .lifespan import Runtime, lifespan_for
from .metrics import HttpMetricsMiddleware, Metrics, SourcesCollector, metrics_route
from .middleware import RequestIdMiddleware
from .policy import ScopePolicy
from .rate_limit import MemoryBudgets
from .settings import Settings
from .subgraph import subgraph_route

__all__ = ["create_app"]


def _health_routes(runtime: Runtime) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        sources, processes = runtime.sources, runtime.processes
        if sources is None or processes is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        journal_ok = await processes.journal.ping()
        health = {
            name: {
                "state": report.breaker.value,
                "calls": report.window.calls,
                "latencyP50Ms": report.window.latency_p50_ms,
                "errorRate": report.window.error_rate,
            }
            for name, report in sources.health().items()
        }
        return JSONResponse(
            {"status": "ready" if journal_ok else "journal unreachable", "sources": health},
            status_code=200 if journal_ok else 503,
        )

    return [Route("/healthz", healthz), Route("/readyz", readyz)]


def _sandbox_mount(settings: Settings) -> Mount:
    # Imported here so a production gateway never loads the simulators.
    from sandbox import SandboxConfig, create_sandbox_app, load_or_create_signing_key

    config = SandboxConfig(
        seed=settings.sandbox.seed,
        latency_ms=settings.sandbox.latency_ms,
        signing_key=load_or_create_signing_key(settings.sandbox.key_file),
        issuer=settings.auth.issuer,
    )
    return Mount("/sandbox", app=create_sandbox_app(config))


def _read_cache(settings: Settings, metrics: Metrics | None) -> CachedRead | None:
    if settings.cache_ttl_seconds <= 0:
        return None
    policy = CachePolicy(settings.cache_ttl_seconds, settings.cache_max_stale_seconds)
    observer = metrics.cache if metrics else None
    return CachedRead(MemoryReadCache(), dict.fromkeys(SOURCE_NAMES, policy), observer=observer)


def _metrics_routes(runtime: Runtime, metrics: Metrics | None) -> list[BaseRoute]:
    """``GET /metrics`` unless ``ORDER360_METRICS=off`` (``gateway.metrics.scrape``)."""
    if metrics is None:
        return []
    metrics.registry.register(SourcesCollector(lambda: runtime.sources))

    async def refresh() -> None:
        processes = runtime.processes
        await metrics.queues.refresh(processes.journal if processes else None)

    async def verify(token: str) -> Principal:
        return await runtime.require_verifier().verify(token)

    ops_only = runtime.settings.edge.metrics == "ops"
    return [metrics_route(metrics.registry, refresh, verify if ops_only else None)]


def _publisher(settings: Settings) -> Publisher:
    """In process by default; NATS JetStream when ``ORDER360_NATS_URL`` is set."""
    events = settings.events
    if events.nats_url is None:
        return InProcessBus()
    # The relay publishes inside the journal transaction that claimed the rows: an
    # acknowledgement must come well within the journal's bound on that transaction.
    ack_timeout_s = min(1.0, settings.journal_timeout_ms / 2000)
    return JetStreamPublisher(
        JetStreamConfig(
            url=events.nats_url,
            stream=events.stream,
            subject_prefix=events.subject_prefix,
            ack_timeout_s=ack_timeout_s,
        )
    )


def create_app(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The gateway ASGI app. ``transport`` replaces the network for every outbound call (tests)."""
    metrics = Metrics() if settings.edge.metrics != "off" else None
    runtime = Runtime(
        settings=settings,
        transport=transport,
        cache=_read_cache(settings, metrics),
        publisher=_publisher(settings),
        upstream_observer=metrics.upstream if metrics else None,
        business_observer=metrics.business if metrics else None,
    )
    budgets = MemoryBudgets(settings.edge.rate_limit)
    on_refusal = metrics.graphql.refused if metrics else None
    schema = build_schema(edge_extensions(settings, budgets, on_refusal), error_sink=log_errors)
    endpoint = GraphQLEndpoint(
        schema,
        verifier=runtime.require_verifier,
        build_context=ContextFactory(
            ScopePolicy(),
            settings.request_deadline_ms,
            runtime.require_sources,
            runtime.cache,
            runtime.current_processes,
            max_upstream_calls=settings.max_upstream_calls,
            observer=runtime.business_observer,
        ),
        graphiql=settings.graphiql,
        edge=settings.edge,
        budgets=budgets,
        metrics=metrics.graphql if metrics else None,
    )
    routes: list[BaseRoute] = [
        # Every method reaches the endpoint, which answers 405 with a coded body itself.
        Route("/graphql", endpoint),
        subgraph_route(endpoint, settings, budgets, on_refusal),
        *_health_routes(runtime),
        *_metrics_routes(runtime, metrics),
    ]
    if settings.mount_sandbox:
        routes.append(_sandbox_mount(settings))
    middleware = [Middleware(RequestIdMiddleware)]
    if metrics is not None:
        middleware.append(Middleware(HttpMetricsMiddleware, metrics=metrics.http))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan_for(runtime))
    app.state.runtime = runtime
    app.state.metrics = metrics
    return app
