"""Fixtures for the source clients: recorded vendor payloads and MockTransport upstreams.

Every client is driven through the real httpx stack: a handler function stands in for the
vendor, wrapped in ``httpx.MockTransport`` and the ``Upstream`` call discipline.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from sources.config import SourcePolicy
from sources.errors import SourceName
from sources.http import Sleep, Upstream, VendorErrorReader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]
MakeUpstream = Callable[..., Upstream]


@pytest.fixture(autouse=True)
def clean_sandbox() -> None:
    """These unit tests talk to MockTransports only: no sandbox to reset."""


@pytest.fixture
def fixture_text() -> Callable[[str], str]:
    """The raw text of ``tests/fixtures/<path>``, served byte for byte."""

    def read(path: str) -> str:
        return (FIXTURES / path).read_text(encoding="utf-8")

    return read


@pytest.fixture
def fixture_json(fixture_text: Callable[[str], str]) -> Callable[[str], Any]:
    """The parsed JSON of ``tests/fixtures/<path>`` (a fresh copy each call)."""

    def load(path: str) -> Any:
        return json.loads(fixture_text(path))

    return load


@pytest.fixture
async def make_upstream() -> AsyncIterator[MakeUpstream]:
    """Build ``Upstream``s over ``MockTransport(handler)``; clients close after the test."""
    clients: list[httpx.AsyncClient] = []

    def make(
        name: SourceName,
        handler: Handler,
        *,
        base_url: str = "https://upstream.test",
        policy: SourcePolicy | None = None,
        read_vendor_error: VendorErrorReader | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Sleep | None = None,
    ) -> Upstream:
        client = httpx.AsyncClient(base_url=base_url, transport=httpx.MockTransport(handler))
        clients.append(client)
        # A fake clock or sleep lets a test observe durations and waits without timing.
        seams: dict[str, Any] = {"clock": clock, "sleep": sleep}
        return Upstream(
            name,
            client,
            policy or SourcePolicy(),
            read_vendor_error=read_vendor_error,
            **{key: value for key, value in seams.items() if value is not None},
        )

    yield make
    for client in clients:
        await client.aclose()
