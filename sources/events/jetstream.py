"""The NATS JetStream publisher (``nats-py``), used when ``ORDER360_NATS_URL`` is set.

Each event goes to ``<prefix>.<entity>.<transition>`` (``order360.refund.completed``) as
its structured CloudEvents JSON, with the event id as the JetStream message id
(``Nats-Msg-Id``): a re-publish within the stream's duplicate window, after a lost
acknowledgement or a relay that died before marking its rows, is dropped by the server.
``publish`` waits for the acknowledgement, so an event the relay marks published is
stored in the stream.

The connection is made on first use and again after any failure, never at start-up:
a broker that is down must not stop the gateway, and the relay's backoff (not the
client's own reconnect loop, which would buffer publishes we then time out on) decides
when to try again. The stream is created, or updated to our subjects and duplicate
window, on every new connection, which is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from .cloudevents import CloudEvent
from .publisher import BrokerUnavailable
from .types import subject_of

__all__ = ["JetStreamConfig", "JetStreamPublisher"]

log = logging.getLogger("order360.events")

# A stream of this name that already exists with another configuration (JetStream's
# error code); anything else from add_stream is a real failure.
_STREAM_NAME_IN_USE = 10058


@dataclass(frozen=True, slots=True, kw_only=True)
class JetStreamConfig:
    """Where and how to publish (``ORDER360_NATS_*`` settings)."""

    url: str
    stream: str = "ORDER360_EVENTS"
    subject_prefix: str = "order360"
    """Subjects are ``<prefix>.<entity>.<transition>``; the stream takes ``<prefix>.>``."""
    ack_timeout_s: float = 1.0
    """How long one publish waits for the server's acknowledgement."""
    connect_timeout_s: float = 2.0
    duplicate_window_s: float = 600.0
    """Re-publishes of one id within this window are dropped by the server. Longer than
    JetStream's 2-minute default: a publish buffered across a broker restart may
    arrive well after its first attempt."""


async def _quiet(error: Exception) -> None:
    # nats-py logs every connection error at ERROR with a traceback by default: with
    # the broker down that is one per attempt. The relay reports outages itself, once.
    log.debug("nats: %s", error)


class JetStreamPublisher:
    """Publishes events to one JetStream stream, waiting for each acknowledgement."""

    def __init__(self, config: JetStreamConfig) -> None:
        self.config = config
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None

    def subject(self, event: CloudEvent) -> str:
        """The subject ``event`` is published on."""
        return subject_of(event.type, self.config.subject_prefix)

    async def connect(self) -> None:
        """Connect and set up the stream unless connected (``BrokerUnavailable``)."""
        await self._jetstream()

    async def publish(self, event: CloudEvent) -> None:
        """Store ``event`` in the stream (``BrokerUnavailable`` if it is not acknowledged)."""
        js = await self._jetstream()
        try:
            await js.publish(
                self.subject(event),
                event.to_json().encode(),
                timeout=self.config.ack_timeout_s,
                stream=self.config.stream,
                headers={"Nats-Msg-Id": event.id},
            )
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            await self.close()  # reconnect on the next attempt
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def _jetstream(self) -> JetStreamContext:
        if self._nc is not None and self._js is not None and self._nc.is_connected:
            return self._js
        await self.close()
        try:
            nc = await nats.connect(
                self.config.url,
                name="order360-outbox-relay",
                connect_timeout=int(max(1, self.config.connect_timeout_s)),
                # One attempt per call: the relay's backoff paces the next one.
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                error_cb=_quiet,
            )
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            raise BrokerUnavailable(f"cannot connect to NATS: {exc}") from exc
        js = nc.jetstream(timeout=self.config.ack_timeout_s)
        try:
            await self._ensure_stream(js)
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            await nc.close()
            raise BrokerUnavailable(f"cannot set up stream {self.config.stream}: {exc}") from exc
        self._nc, self._js = nc, js
        return js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        config = StreamConfig(
            name=self.config.stream,
            subjects=[f"{self.config.subject_prefix}.>"],
            duplicate_window=self.config.duplicate_window_s,
        )
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError as exc:
            if exc.err_code != _STREAM_NAME_IN_USE:
                raise
            await js.update_stream(config)

    async def close(self) -> None:
        """Drop the connection (the next publish connects again)."""
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            try:
                await nc.close()
            except (nats.errors.Error, OSError, TimeoutError) as exc:
                log.debug("closing the NATS connection: %s", exc)
