"""Start-up and shut-down: open the upstream clients, the JWKS client and the journal.

The gateway starts even when its journal does not answer: queries need no journal, so
they are served at once, while mutations answer 503 (``JournalUnavailable``) and
``/readyz`` says "journal unreachable" until a background task has reached the database
and migrated it. A journal that answers but cannot be migrated stops start-up.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from starlette.applications import Starlette

from resolvers import ProcessEnv, ProcessSettings
from sources import (
    CachedRead,
    InProcessBus,
    Journal,
    JournalUnavailable,
    Publisher,
    Sources,
    open_sources,
)

from .auth import JwksCache, TokenVerifier
from .processes import Invalidator, run_due
from .relay import OutboxRelay
from .settings import Settings

if TYPE_CHECKING:  # annotations only: the app hands the observers in
    from resolvers import BusinessObserver
    from sources import UpstreamObserver

__all__ = ["Runtime", "lifespan_for", "migrate_until_ready"]

log = logging.getLogger("order360.journal")

# Between attempts to reach a journal that was away at start-up: capped exponential, with
# full jitter so replicas that lost it together do not retry in step.
_MIGRATE_RETRY_FIRST_S = 0.5
_MIGRATE_RETRY_CAP_S = 15.0


@dataclass
class Runtime:
    """What exists only while the app runs; filled by the lifespan, read per request."""

    settings: Settings
    transport: httpx.AsyncBaseTransport | None = None
    cache: CachedRead | None = None
    upstream_observer: UpstreamObserver | None = None
    """Hears every upstream call (the app's metrics; ``sources.observe``)."""
    business_observer: BusinessObserver | None = None
    """Hears workflow outcomes, the background runner's too (``resolvers.observe``)."""
    sources: Sources | None = field(default=None)
    verifier: TokenVerifier | None = field(default=None)
    processes: ProcessEnv | None = field(default=None)
    publisher: Publisher = field(default_factory=InProcessBus)
    """Where the outbox relay sends business events (``app._publisher`` picks it)."""
    relay: OutboxRelay | None = field(default=None)

    def current_processes(self) -> ProcessEnv | None:
        """The journal and process settings while the app runs."""
        return self.processes

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
            open_sources(
                settings.sources, transport=runtime.transport, observer=runtime.upstream_observer
            ) as sources,
            httpx.AsyncClient(transport=runtime.transport) as jwks_client,
        ):
            runtime.sources = sources
            runtime.verifier = TokenVerifier(
                JwksCache(jwks_client, settings.auth.jwks_url), settings.auth
            )
            journal = Journal.create(
                settings.database_url, timeout_s=settings.journal_timeout_ms / 1000
            )
            tasks: list[asyncio.Task[None]] = []
            try:
                await journal.migrate()
            except JournalUnavailable as exc:
                log.warning("journal unavailable at start-up (%s); mutations answer 503", exc)
                tasks.append(asyncio.create_task(migrate_until_ready(journal)))
            except BaseException:
                await journal.close()
                raise
            invalidate = Invalidator(runtime.cache)
            process_settings = ProcessSettings(
                approval_threshold=settings.refund_approval_threshold,
                return_window_days=settings.return_window_days,
                lease_s=settings.workflow_lease_seconds,
                retry_base_s=settings.parked_retry_seconds,
                max_retries=settings.parked_max_retries,
            )
            runtime.processes = ProcessEnv(journal, process_settings, invalidate)
            runtime.relay = OutboxRelay(journal, runtime.publisher)
            tasks.append(asyncio.create_task(runtime.relay.run()))
            if settings.parked_retry_seconds > 0:
                tasks.append(
                    asyncio.create_task(
                        run_due(
                            journal,
                            sources,
                            process_settings,
                            invalidate,
                            observer=runtime.business_observer,
                        )
                    )
                )
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await runtime.publisher.close()
                await journal.close()
                runtime.relay = None
                runtime.sources = None
                runtime.verifier = None
                runtime.processes = None

    return lifespan


async def migrate_until_ready(journal: Journal) -> None:
    """Retry ``journal.migrate()`` until the journal answers (cancelled at shutdown)."""
    delay = _MIGRATE_RETRY_FIRST_S
    while True:
        await asyncio.sleep(random.uniform(0, delay))
        try:
            revision = await journal.migrate()
        except JournalUnavailable as exc:
            log.info("journal still unavailable: %s", exc)
        except Exception:  # reachable but not migratable: keep saying so, and not ready
            log.exception("journal migration failed")
        else:
            log.warning("journal available again (schema %s)", revision)
            return
        delay = min(delay * 2, _MIGRATE_RETRY_CAP_S)
