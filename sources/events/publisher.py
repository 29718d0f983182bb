"""Where the outbox relay hands events: the ``Publisher`` interface and its in-process
implementation (the default, so a single process needs no broker).

``publish`` returns only once the event is safely with the broker (for JetStream, its
acknowledgement); the relay marks an outbox row published after that and not before,
so an event is delivered at least once. A broker that cannot take events raises
``BrokerUnavailable``: the relay keeps the rows and tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from .cloudevents import CloudEvent

__all__ = ["BrokerUnavailable", "InProcessBus", "Publisher", "Subscriber"]

log = logging.getLogger("order360.events")

Subscriber = Callable[[CloudEvent], Awaitable[None]]


class BrokerUnavailable(Exception):
    """The broker did not take an event (not reachable, no acknowledgement in time)."""


class Publisher(Protocol):
    """Hands events to a broker, one at a time, in the order given."""

    async def connect(self) -> None:
        """Make sure the broker can take events now (connect if need be); raise
        ``BrokerUnavailable`` otherwise. The relay asks before it claims any rows, so
        a slow connection attempt never holds the journal's locks."""
        ...

    async def publish(self, event: CloudEvent) -> None:
        """Return once the broker holds ``event``; raise ``BrokerUnavailable`` otherwise."""
        ...

    async def close(self) -> None:
        """Release the connection (at shutdown)."""
        ...


class InProcessBus:
    """Publish/subscribe inside this process: what a single replica needs.

    Subscribers run in the relay's task, one after the other; one that raises makes
    the relay try the event again later, so subscribers must be idempotent (by id).
    """

    def __init__(self, keep: int = 1000) -> None:
        self._subscribers: list[Subscriber] = []
        self._keep = keep
        self.published: list[CloudEvent] = []
        """The most recent events, for inspection (bounded)."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every event from now on."""
        self._subscribers.append(subscriber)

    async def connect(self) -> None:
        """Always ready."""

    async def publish(self, event: CloudEvent) -> None:
        """Hand one event to every subscriber."""
        self.published.append(event)
        del self.published[: -self._keep]
        log.debug("event %s %s", event.type, event.id)
        for subscriber in self._subscribers:
            await subscriber(event)

    async def close(self) -> None:
        """Nothing to release."""
