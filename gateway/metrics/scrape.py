"""``GET /metrics``: the Prometheus text format, open or behind an ``ops`` token.

``ORDER360_METRICS`` decides (``gateway.edge_settings.MetricsMode``):

- ``on``: open to whoever reaches the gateway (the development default; in production,
  only behind an ingress that does not route ``/metrics`` from outside);
- ``ops``: a bearer token with the ``ops`` scope is required, as for operators' queues
  (the production default; Prometheus gets one with its ``oauth2`` client-credentials
  scrape setting);
- ``off``: no route (404) and no metric is kept.

The body is the classic text format (``version=0.0.4``). Before each exposition the
work-queue gauges are refreshed from the journal (at most every few seconds,
``business.WorkQueues``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from resolvers import Principal

__all__ = ["metrics_route"]

Verify = Callable[[str], Awaitable[Principal]]
"""Bearer token -> principal; raises on an invalid token."""
Refresh = Callable[[], Awaitable[None]]


def _refused(status: int, code: str, message: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": 'Bearer realm="order360"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def metrics_route(
    registry: CollectorRegistry, refresh: Refresh, verify: Verify | None = None
) -> Route:
    """The ``/metrics`` route; with ``verify``, only ``ops`` tokens may read it."""

    async def metrics(request: Request) -> Response:
        if verify is not None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _refused(401, "UNAUTHENTICATED", "Authentication required.")
            try:
                principal = await verify(token.strip())
            except Exception:  # any refusal of the token: the scrape is unauthenticated
                return _refused(401, "UNAUTHENTICATED", "Invalid token.")
            if "ops" not in principal.scopes:
                return _refused(403, "FORBIDDEN", "Metrics need the ops scope.")
        await refresh()
        # The classic text format (0.0.4), which every Prometheus version reads; our
        # names are plain ASCII, so the body is the same in either version.
        return Response(
            generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )

    return Route("/metrics", metrics, methods=["GET"])
