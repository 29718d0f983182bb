"""Background side of the governed processes: the outbox relay and the parked-workflow retry.

The relay publishes business events written to the journal's outbox (in the same
transaction as the state change) to an in-process bus, at least once; subscribers
must be idempotent (events carry the workflow id). The retry sweeper drives parked
workflows forward on an interval, as an internal operator principal; the journal's
workflow lease keeps it from racing a replay or another replica.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from resolvers import Principal, ProcessSettings, Runtime, resume_parked
from sources import CachedRead, CallContext, Journal, JournalUnavailable, Sources

from .policy import ScopePolicy

__all__ = ["EventBus", "Invalidator", "relay_outbox", "retry_parked"]

log = logging.getLogger("order360.processes")
Subscriber = Callable[[str, dict[str, Any]], Awaitable[None]]
SWEEPER = Principal(subject="order360-retry", client_id="order360", scopes=frozenset({"ops"}))


class EventBus:
    """In-process publish/subscribe for business events (NATS or Redis streams when scaled)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.published: list[tuple[str, dict[str, Any]]] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every event from now on."""
        self._subscribers.append(subscriber)

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Hand one event to every subscriber."""
        self.published.append((topic, payload))
        del self.published[:-1000]  # keep the recent ones for inspection, bounded
        log.info("event %s %s", topic, payload.get("id"))
        for subscriber in self._subscribers:
            await subscriber(topic, payload)


class Invalidator:
    """Drops the cached reads a completed write changed (so the next order 360 shows it)."""

    def __init__(self, cache: CachedRead | None) -> None:
        self._cache = cache

    def __call__(self, order_number: str, order_id: str) -> None:
        """Forget the order, its ERP documents and its cases, in every partition."""
        if self._cache is None:
            return
        self._cache.invalidate("oms", "order", order_id)
        for kind in ("sales_order", "billing"):
            self._cache.invalidate("erp", kind, order_number)
        self._cache.invalidate("crm", "cases_by_order", order_number)


async def relay_outbox(journal: Journal, bus: EventBus, interval_s: float = 0.5) -> None:
    """Publish unpublished outbox rows forever (cancelled at shutdown)."""
    while True:
        try:
            batch = await journal.unpublished()
            for _, topic, payload in batch:
                await bus.publish(topic, payload)
            await journal.mark_published([event_id for event_id, _, _ in batch])
        except JournalUnavailable as exc:  # an outage /readyz reports: no traceback per tick
            log.debug("outbox relay waits for the journal: %s", exc)
        except Exception:  # the relay must outlive a journal hiccup; it retries next tick
            log.exception("outbox relay failed; retrying")
        await asyncio.sleep(interval_s)


async def retry_parked(
    journal: Journal,
    sources: Sources,
    settings: ProcessSettings,
    invalidate: Callable[[str, str], None],
    interval_s: float,
) -> None:
    """Every ``interval_s``, drive parked workflows forward (cancelled at shutdown)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            for workflow_id in await journal.parked():
                runtime = Runtime(
                    journal=journal,
                    sources=sources,
                    principal=SWEEPER,
                    policy=ScopePolicy(),
                    call=CallContext.with_budget(f"retry-{uuid.uuid4().hex[:12]}", 10.0),
                    settings=settings,
                    invalidate=invalidate,
                )
                status = await resume_parked(runtime, workflow_id)
                log.info("parked workflow %s retried: %s", workflow_id, status)
        except JournalUnavailable as exc:
            log.warning("parked-workflow retry waits for the journal: %s", exc)
        except Exception:  # keep sweeping; the next round retries
            log.exception("parked-workflow retry failed")
