"""The outbox relay: moves business events from the journal to the broker, forever.

At least once, in order per order: each round claims the oldest unpublished events
(``Journal.relay``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas sharing a
journal publish each event once), publishes them and marks them published in the
claim's transaction. When the broker is down nothing is lost: the rows stay, the relay
waits with a capped, jittered exponential backoff and says so once (and once more when
the broker is back), and the backlog drains when publishing works again.
"""

from __future__ import annotations

import asyncio
import logging
import random

from sources import BrokerUnavailable, Journal, JournalUnavailable, Publisher

__all__ = ["OutboxRelay"]

log = logging.getLogger("order360.events")


class OutboxRelay:
    """One replica's relay of the journal's outbox to ``publisher``."""

    def __init__(
        self,
        journal: Journal,
        publisher: Publisher,
        *,
        batch: int = 100,
        idle_s: float = 0.5,
        backoff_first_s: float = 0.5,
        backoff_cap_s: float = 10.0,
    ) -> None:
        self.journal = journal
        self.publisher = publisher
        self.batch = batch
        self.idle_s = idle_s
        self.backoff_first_s = backoff_first_s
        self.backoff_cap_s = backoff_cap_s
        self.broker_down = False

    async def backlog_size(self) -> int:
        """Events written and not yet published (every replica's, one journal)."""
        return (await self.journal.outbox_backlog()).size

    async def oldest_age_s(self) -> float:
        """Seconds the oldest unpublished event has waited (0 when there is none)."""
        return (await self.journal.outbox_backlog()).oldest_age_s

    async def relay_once(self) -> int:
        """One round: publish what is due; returns how many events went out."""
        await self.publisher.connect()
        return await self.journal.relay(self.publisher.publish, self.batch)

    async def run(self) -> None:
        """Relay until cancelled (at shutdown)."""
        delay = self.backoff_first_s
        while True:
            try:
                published = await self.relay_once()
            except BrokerUnavailable as exc:
                self._down(exc)
            except JournalUnavailable as exc:  # /readyz reports it: no traceback per round
                log.debug("outbox relay waits for the journal: %s", exc)
            except Exception:  # a bug or a failing subscriber: keep going, slowly
                log.exception("outbox relay round failed; retrying")
            else:
                delay = self.backoff_first_s
                if self.broker_down:
                    self.broker_down = False
                    log.warning("event broker reachable again; draining the outbox")
                # A full batch means more is waiting: go on at once.
                if published < self.batch:
                    await asyncio.sleep(self.idle_s)
                continue
            # Jittered: replicas that lost the broker together do not retry in step.
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, self.backoff_cap_s)

    def _down(self, exc: BrokerUnavailable) -> None:
        if not self.broker_down:
            self.broker_down = True
            log.warning("event broker unavailable, events wait in the outbox: %s", exc)
        else:
            log.debug("event broker still unavailable: %s", exc)
