"""``GET /metrics``: the Prometheus text format, open or behind an ``ops`` token.

``ORDER360_METRICS`` decides (``gateway.edge_settings.MetricsMode``):

- ``on``: open to whoever reaches the port (the development default; in production,
  for a scrape port that only the monitoring network reaches);
- ``ops``: a bearer token with the ``ops`` scope is required, as for operators' queues
  (the production default; Prometheus gets one with its ``oauth2`` client-credentials
  scrape setting);
- ``off``: no route (404) and no metric is kept.

Before each exposition the work-queue gauges are refreshed from the journal (at most
every few seconds, ``business.WorkQueues``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
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
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])
