"""NATS for the event tests: the broker (skipped where absent, required under CI), a
stream of one test's own, and a switch that stops and restarts the broker's port.

``ORDER360_TEST_NATS_URL`` names the broker (``nats://127.0.0.1:4222`` by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nats
import nats.errors
import pytest

NATS_URL = os.environ.get("ORDER360_TEST_NATS_URL", "nats://127.0.0.1:4222")


async def nats_or_skip() -> Any:
    """A connection to the test broker; skip without one (fail under ``CI=true``)."""
    try:
        return await nats.connect(
            NATS_URL, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2
        )
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"NATS required under CI: {exc}") from exc
        pytest.skip(f"NATS not reachable at {NATS_URL}: {exc}")


@dataclass
class Stream:
    """A stream and subject prefix of one test's own, so runs never see each other's."""

    nc: Any
    name: str = field(default_factory=lambda: f"T_{uuid.uuid4().hex[:12]}")
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:12]}")

    def settings(self, url: str = NATS_URL) -> dict[str, str]:
        """The gateway's settings that publish to this stream through ``url``."""
        return {
            "ORDER360_NATS_URL": url,
            "ORDER360_NATS_STREAM": self.name,
            "ORDER360_NATS_SUBJECT_PREFIX": self.prefix,
        }

    async def messages(self) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """Every message in the stream, in stream order: (subject, headers, event)."""
        js = self.nc.jetstream()
        try:
            info = await js.stream_info(self.name)
        except nats.js.errors.NotFoundError:
            return []
        found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        if not info.state.messages:
            return found
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(self.name, seq)
            found.append((msg.subject, dict(msg.headers or {}), json.loads(msg.data)))
        return found

    async def delete(self) -> None:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self.nc.jetstream().delete_stream(self.name)


class BrokerSwitch:
    """A port that forwards to NATS while up; down, it closes every connection and
    refuses new ones, as a stopped broker does. ``up()`` listens on the same port again."""

    def __init__(self, url: str = NATS_URL) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 4222)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        await asyncio.sleep(0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()
