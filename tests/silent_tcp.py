"""A TCP endpoint that goes silent: the journal's network faults, for real, on 127.0.0.1.

``SilentProxy(None)`` is a black hole: it accepts connections and never answers.
``SilentProxy(("127.0.0.1", 5432))`` forwards to PostgreSQL until ``silence()``, then
holds every byte in both directions (and new connections too) until ``resume()``, as a
network partition does to TCP: nothing is lost, nothing arrives.
"""

from __future__ import annotations

import asyncio
import contextlib


class SilentProxy:
    def __init__(self, upstream: tuple[str, int] | None) -> None:
        self._upstream = upstream
        self._flowing = asyncio.Event()
        self._closed = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.accepted = 0
        if upstream is not None:
            self._flowing.set()

    async def start(self) -> int:
        """Listen on an ephemeral port of 127.0.0.1; returns it."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def silence(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self._closed = True
        self._flowing.set()  # wake every held pump so it can see the proxy is closed
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        await asyncio.sleep(0)

    async def _open(self) -> bool:
        await self._flowing.wait()
        return not self._closed

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        try:
            if self._upstream is None or not await self._open():
                while not self._closed and await reader.read(65536):
                    pass  # a black hole reads and never answers
                return
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
            self._writers.add(up_writer)
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                if not await self._open():
                    break
                sink.write(data)
                await sink.drain()
        sink.close()
