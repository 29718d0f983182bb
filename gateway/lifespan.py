"""Start-up and shut-down: open the upstream clients and the JWKS client, close them after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette

from sources import Sources, open_sources

from .auth import JwksCache, TokenVerifier
from .settings import Settings

__all__ = ["Runtime", "lifespan_for"]


@dataclass
class Runtime:
    """What exists only while the app runs; filled by the lifespan, read per request."""

    settings: Settings
    transport: httpx.AsyncBaseTransport | None = None
    sources: Sources | None = field(default=None)
    verifier: TokenVerifier | None = field(default=None)

    def require_sources(self) -> Sources:
        """The open upstream clients (the app must have started)."""
        if self.sources is None:
            raise RuntimeError("the app has not started: run it under its lifespan")
        return self.sources

    def require_verifier(self) -> TokenVerifier:
        """The token verifier (the app must have started)."""
        if self.verifier is None:
            raise RuntimeError("the app has not started: run it under its lifespan")
        return self.verifier


def lifespan_for(runtime: Runtime) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The Starlette lifespan that fills ``runtime``."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settings = runtime.settings
        if settings.sources is None or settings.auth.jwks_url is None:
            raise RuntimeError("upstream URLs and JWKS URL must be resolved before start-up")
        async with (
            open_sources(settings.sources, transport=runtime.transport) as sources,
            httpx.AsyncClient(transport=runtime.transport) as jwks_client,
        ):
            runtime.sources = sources
            runtime.verifier = TokenVerifier(
                JwksCache(jwks_client, settings.auth.jwks_url), settings.auth
            )
            try:
                yield
            finally:
                runtime.sources = None
                runtime.verifier = None

    return lifespan
