"""The per-request call context: deadline arithmetic and the ceiling on upstream calls."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sources.call import CallContext, UpstreamCallCount
from sources.config import SourcePolicy
from sources.errors import SourceUnavailable, TooManyUpstreamCalls
from sources.resilience import BreakerPolicy, BreakerState, RetryPolicy


def counting(*statuses: int):
    calls: list[str] = []
    answers = iter(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(next(answers, 200), json={})

    return handler, calls


def test_a_context_has_no_ceiling_unless_given():
    assert CallContext("req-1").upstream_calls == UpstreamCallCount(None, 0)
    assert CallContext("req-1", 12.0).upstream_calls.ceiling is None


async def test_with_budget_takes_a_ceiling():
    call = CallContext.with_budget("req-1", 1.0, max_upstream_calls=3)
    assert call.upstream_calls == UpstreamCallCount(3, 0)
    assert CallContext.with_budget("req-1", 1.0).upstream_calls.ceiling is None


def test_each_context_counts_on_its_own():
    first, second = CallContext("a"), CallContext("b")
    assert first.upstream_calls.take()
    assert first.upstream_calls.made == 1
    assert second.upstream_calls.made == 0


async def test_the_call_past_the_ceiling_never_goes_out(make_upstream):
    handler, calls = counting()
    upstream = make_upstream("oms", handler)
    call = CallContext.with_budget("req-1", 60.0, max_upstream_calls=2)
    await upstream.get_json("/a", call)
    await upstream.get_json("/b", call)
    with pytest.raises(TooManyUpstreamCalls) as info:
        await upstream.get_json("/c", call)

    error = info.value
    assert calls == ["/a", "/b"]
    assert (error.code, error.source) == ("QUERY_TOO_COMPLEX", "oms")
    assert not error.transient
    assert not error.trips_breaker
    assert upstream.health.snapshot().calls == 2  # the refused call is not a sample
    # Another request has its own count.
    await upstream.get_json("/d", CallContext.with_budget("req-2", 60.0, max_upstream_calls=2))
    assert calls == ["/a", "/b", "/d"]


async def test_retries_count_against_the_ceiling(make_upstream):
    handler, calls = counting(503, 503, 503)
    upstream = make_upstream("erp", handler)
    call = CallContext.with_budget("req-1", 60.0, max_upstream_calls=2)
    with pytest.raises(SourceUnavailable):  # the real failure, not the ceiling
        await upstream.get_json("/x", call)
    assert len(calls) == 2 < RetryPolicy().attempts
    assert call.upstream_calls.made == 2
    with pytest.raises(TooManyUpstreamCalls):
        await upstream.get_json("/x", call)
    assert len(calls) == 2


async def test_concurrent_calls_of_one_request_share_the_ceiling(make_upstream):
    handler, calls = counting()
    upstream = make_upstream("crm", handler)
    call = CallContext.with_budget("req-1", 60.0, max_upstream_calls=4)
    outcomes = await asyncio.gather(
        *(upstream.get_json(f"/{i}", call) for i in range(10)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, TooManyUpstreamCalls)]
    assert len(calls) == 4
    assert len(refused) == 6


async def test_the_ceiling_never_trips_the_breaker(make_upstream):
    handler, _ = counting()
    policy = SourcePolicy(breaker=BreakerPolicy(minimum_calls=2))
    upstream = make_upstream("oms", handler, policy=policy)
    call = CallContext("req-1")
    call.upstream_calls.ceiling = 0
    for _ in range(10):
        with pytest.raises(TooManyUpstreamCalls):
            await upstream.get_json("/x", call)
    assert upstream.breaker.state is BreakerState.CLOSED
    assert upstream.health.snapshot().calls == 0


async def test_an_open_circuit_does_not_spend_the_ceiling(make_upstream):
    handler, calls = counting(*([503] * 4))
    policy = SourcePolicy(
        retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(minimum_calls=2, open_s=3600)
    )
    upstream = make_upstream("erp", handler, policy=policy)
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            await upstream.get_json("/x", CallContext("warm-up"))
    assert upstream.breaker.state is BreakerState.OPEN
    call = CallContext.with_budget("req-1", 60.0, max_upstream_calls=1)
    for _ in range(5):
        with pytest.raises(SourceUnavailable) as info:
            await upstream.get_json("/x", call)
        assert info.value.detail == "circuit open"
    assert call.upstream_calls.made == 0
    assert len(calls) == 2
