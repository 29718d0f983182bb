"""Wraps every route of a simulated system: count it, then apply that system's faults.

Faults are injected in a fixed order: latency (+ jitter) first, then timeout
(never answer), error, rate limit, and finally malformed (a truncated body of
the real answer). Each failure speaks the vendor's own error shape, which the
route's `Dialect` provides.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.web.faults import Faults, FaultSettings
from sandbox.web.stats import Kind, Stats

Handler = Callable[[Request], Awaitable[Response]]


class Dialect(Protocol):
    """How one vendor spells failures."""

    def error(self, request: Request, status: int) -> Response:
        """A server-side error (`status` 4xx/5xx) in the vendor's error envelope."""
        ...

    def throttled(self, request: Request) -> Response:
        """A 429 in the vendor's shape; the guard adds `Retry-After`."""
        ...

    def retry_after(self, seconds: float) -> str:
        """The vendor's spelling of a delay in seconds (Shopify writes "2.0")."""
        ...


def plain_seconds(seconds: float) -> str:
    """RFC 9110 delay-seconds for whole values; fractional ones are kept as given."""
    return str(int(seconds)) if seconds == int(seconds) else str(seconds)


def _retry_after(settings: FaultSettings, dialect: Dialect) -> str:
    if settings.retry_after_s == "http-date":
        when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
        return email.utils.format_datetime(when, usegmt=True)
    return dialect.retry_after(float(settings.retry_after_s))


def _malformed(response: Response) -> Response:
    """The real answer cut in half: a 200 whose JSON cannot be parsed."""
    body = bytes(response.body)
    cut = body[: max(1, len(body) // 2)] if len(body) > 1 else b"{"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(cut, status_code=200, headers=headers)


class SystemGuard:
    """Builds routes for one system (`erp`, `oms`, `crm`, `carrier`) that count and misbehave."""

    def __init__(self, system: str, stats: Stats, faults: Faults) -> None:
        self.system = system
        self._stats = stats
        self._faults = faults

    def route(
        self,
        path: str,
        handler: Handler,
        dialect: Dialect,
        *,
        methods: Sequence[str] = ("GET",),
        kind: Kind | None = None,
        template: str | Callable[[Request], str] | None = None,
    ) -> Route:
        """A Starlette route for `path` (relative to the sandbox mount).

        `template` names the route in `/stats`; it defaults to `path`. `kind`
        defaults to read for GET and write otherwise.
        """
        name = template if template is not None else path

        async def endpoint(request: Request) -> Response:
            route_name = name(request) if callable(name) else name
            effective: Kind = kind or ("read" if request.method in ("GET", "HEAD") else "write")
            self._stats.record(self.system, f"{request.method} {route_name}", effective)
            return await self._run(request, handler, dialect, effective)

        return Route(path, endpoint, methods=list(methods))

    async def _run(
        self, request: Request, handler: Handler, dialect: Dialect, kind: str
    ) -> Response:
        settings = self._faults.get(self.system)
        if not settings.applies_to(kind):
            return await handler(request)
        roll = self._faults.roll(settings)
        if roll.delay_s > 0:
            await asyncio.sleep(roll.delay_s)
        if roll.timeout:
            # Never answer: only the client's own deadline ends this request.
            await asyncio.Event().wait()
        if roll.error:
            return dialect.error(request, settings.error_status)
        if roll.rate_limited:
            response = dialect.throttled(request)
            response.headers["Retry-After"] = _retry_after(settings, dialect)
            return response
        response = await handler(request)
        return _malformed(response) if roll.malformed else response
