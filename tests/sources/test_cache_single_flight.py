"""Single flight shares answers about records, never the leading request's own limits."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from sources import (
    CachedRead,
    CachePolicy,
    MemoryReadCache,
    SourceError,
    SourceUnavailable,
    TooManyUpstreamCalls,
)

POLICY = {"oms": CachePolicy(ttl_s=30.0, max_stale_s=60.0)}


async def _two_readers(leader_error: SourceError) -> tuple[object, object, int]:
    """A leader whose read fails with ``leader_error`` and a follower that joined it."""
    cache = CachedRead(MemoryReadCache(), POLICY)
    started = asyncio.Event()
    calls = 0

    async def leader_fetch(keys: list[str]) -> Mapping[str, object]:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(0)  # let the follower join while the read is in flight
        raise leader_error

    async def follower_fetch(keys: list[str]) -> Mapping[str, object]:
        nonlocal calls
        calls += 1
        return dict.fromkeys(keys, "order 42")

    async def follow() -> object:
        await started.wait()
        return (await cache.load_many("*", "oms", "order", ["42"], follower_fetch))["42"]

    led, followed = await asyncio.gather(
        cache.load_many("*", "oms", "order", ["42"], leader_fetch), follow()
    )
    return led["42"], followed, calls


async def test_the_leaders_call_ceiling_is_not_handed_to_the_follower() -> None:
    led, followed, calls = await _two_readers(TooManyUpstreamCalls("oms", "ceiling"))
    assert isinstance(led, TooManyUpstreamCalls)
    assert getattr(followed, "value", None) == "order 42"
    assert calls == 2  # the follower read it on its own account


@pytest.mark.parametrize("error", [SourceUnavailable("oms", "status 503")])
async def test_an_upstream_failure_is_shared(error: SourceError) -> None:
    led, followed, calls = await _two_readers(error)
    assert led is error
    assert followed is error
    assert calls == 1
