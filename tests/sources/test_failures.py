"""Down is not slow: real sockets on 127.0.0.1 through the production transport.

The gateway talks to upstreams through httpx-aiohttp, which reports every aiohttp
connection error as ``httpx.ConnectTimeout``; these tests open real connections to
small servers that refuse, reset, hang up or never answer, and check what the call
discipline makes of each. They assert outcomes and counts, never durations.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from sources.call import CallContext
from sources.config import SourcePolicy
from sources.errors import (
    BadRequestInput,
    SourceBadResponse,
    SourceTimeout,
    SourceUnavailable,
)
from sources.failures import is_connection_failure, status_error, transport_error
from sources.http import Upstream
from sources.resilience import RetryPolicy

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
ONE_ATTEMPT = SourcePolicy(timeout_s=0.5, retry=RetryPolicy(attempts=1))


@asynccontextmanager
async def tcp_server(behaviour: Behaviour) -> AsyncIterator[tuple[int, list[int]]]:
    """A server on a free port of 127.0.0.1; yields the port and a list of connections."""
    connections: list[int] = []
    handlers: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await behaviour(reader, writer)
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, connections
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


@asynccontextmanager
async def real_upstream(
    port: int, policy: SourcePolicy = ONE_ATTEMPT, *, transport_timeout_s: float = 30.0
) -> AsyncIterator[Upstream]:
    """An ``Upstream`` over the same transport ``sources.registry`` opens in production."""
    client = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        transport=AiohttpTransport(),
        timeout=transport_timeout_s,
    )
    async with client:
        yield Upstream("erp", client, policy)


async def read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_connection_is_unavailable() -> None:
    async with real_upstream(closed_port()) as upstream:
        with pytest.raises(SourceUnavailable) as info:
            await upstream.get_json("/x", CallContext("req-1"))
    assert info.value.code == "SOURCE_UNAVAILABLE"
    assert info.value.trips_breaker
    assert "ConnectionRefusedError" in info.value.detail
    assert upstream.health.snapshot().error_rate == 1.0


async def test_a_reset_connection_is_unavailable() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        # SO_LINGER 0: closing sends RST instead of FIN.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async with tcp_server(reset) as (port, connections), real_upstream(port) as upstream:
        with pytest.raises(SourceUnavailable) as info:
            await upstream.get_json("/x", CallContext("req-1"))
    # aiohttp itself re-sends an idempotent request once after a reset or a hang-up
    # (RFC 9112 section 9.3.1), so one attempt of ours may be two connections.
    assert connections
    assert info.value.trips_breaker


async def test_a_server_hanging_up_without_an_answer_is_unavailable() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with tcp_server(hang_up) as (port, connections), real_upstream(port) as upstream:
        with pytest.raises(SourceUnavailable) as info:
            await upstream.get_json("/x", CallContext("req-1"))
    assert connections
    assert "ServerDisconnectedError" in info.value.detail


async def test_a_connection_dropped_mid_response_is_unavailable() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"orders": ['
        )
        await writer.drain()
        writer.close()

    async with tcp_server(drop) as (port, _), real_upstream(port) as upstream:
        with pytest.raises(SourceUnavailable):
            await upstream.get_json("/x", CallContext("req-1"))


async def test_refused_connections_are_retried_as_failures() -> None:
    policy = SourcePolicy(retry=RetryPolicy(attempts=3, base_s=0.0))
    async with real_upstream(closed_port(), policy) as upstream:
        with pytest.raises(SourceUnavailable):
            await upstream.get_json("/x", CallContext("req-1"))
    assert upstream.health.snapshot().calls == 3


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.Event().wait()


async def test_a_server_that_never_answers_is_still_a_timeout() -> None:
    async with tcp_server(never_answer) as (port, connections), real_upstream(port) as upstream:
        with pytest.raises(SourceTimeout) as info:
            await upstream.get_json("/x", CallContext("req-1"))
    assert connections == [1]
    assert info.value.detail.startswith("no answer within")
    assert info.value.trips_breaker


async def test_the_transports_own_read_timeout_is_still_a_timeout() -> None:
    # The transport gives up first (aiohttp's SocketTimeoutError under httpx.ReadTimeout).
    policy = SourcePolicy(timeout_s=30.0, retry=RetryPolicy(attempts=1))
    async with (
        tcp_server(never_answer) as (port, _),
        real_upstream(port, policy, transport_timeout_s=0.1) as upstream,
    ):
        with pytest.raises(SourceTimeout) as info:
            await upstream.get_json("/x", CallContext("req-1"))
    assert info.value.detail == "transport timeout: ReadTimeout"


# --- the classification itself ---------------------------------------------------------------


def chained(outer: httpx.TransportError, *below: BaseException) -> httpx.TransportError:
    """``outer`` raised from ``below[0]``, raised from ``below[1]``, ..."""
    current: BaseException = outer
    for exc in below:
        current.__cause__ = exc
        current = exc
    return outer


def refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 1, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        pytest.param(httpx.ConnectTimeout("x"), SourceTimeout, id="timeout-raised-as-such"),
        pytest.param(
            chained(httpx.ConnectTimeout("x"), aiohttp.ConnectionTimeoutError()),
            SourceTimeout,
            id="aiohttp-connect-timeout",
        ),
        pytest.param(
            chained(httpx.ReadTimeout("x"), aiohttp.SocketTimeoutError()),
            SourceTimeout,
            id="aiohttp-socket-timeout",
        ),
        pytest.param(
            chained(httpx.ConnectTimeout("x"), TimeoutError()), SourceTimeout, id="httpcore"
        ),
        pytest.param(
            chained(httpx.ConnectTimeout("x"), refused()), SourceUnavailable, id="refused"
        ),
        pytest.param(
            chained(httpx.ConnectTimeout("x"), aiohttp.ServerDisconnectedError()),
            SourceUnavailable,
            id="server-disconnected",
        ),
        pytest.param(
            chained(
                httpx.ConnectTimeout("x"),
                aiohttp.ClientOSError(104, "reset"),
                ConnectionResetError(104, "reset"),
            ),
            SourceUnavailable,
            id="reset",
        ),
        pytest.param(httpx.ConnectError("x"), SourceUnavailable, id="connect-error"),
        pytest.param(httpx.ReadError("x"), SourceUnavailable, id="read-error"),
        pytest.param(httpx.RemoteProtocolError("x"), SourceUnavailable, id="protocol-error"),
    ],
)
def test_transport_errors_are_classified_by_their_chain(exc, expected) -> None:
    error = transport_error("erp", exc)
    assert type(error) is expected
    assert is_connection_failure(exc) == (expected is SourceUnavailable)


@pytest.mark.parametrize(
    ("status", "fault"), [(400, False), (409, False), (422, False), (302, True), (418, False)]
)
def test_a_refusal_of_the_request_is_not_the_upstreams_fault(status, fault) -> None:
    error = status_error("oms", status, None, None)
    assert type(error) is SourceBadResponse
    assert (error.transient, error.trips_breaker, error.upstream_fault) == (False, False, fault)


def test_bad_input_is_never_the_upstreams_fault() -> None:
    error = BadRequestInput("oms", "x")
    assert (error.transient, error.trips_breaker, error.upstream_fault) == (False, False, False)
