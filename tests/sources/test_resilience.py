"""Retries, retry budget and circuit breaker of the call discipline.

Nothing here times the machine: waits are observed through the ``sleep`` the upstream
is given, clocks are fakes, and storms are measured in upstream calls per request.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from sources.call import CallContext
from sources.config import SourcePolicy
from sources.errors import NotFound, SourceThrottled, SourceUnavailable
from sources.resilience import BreakerPolicy, BreakerState, CircuitBreaker, RetryBudget, RetryPolicy
from sources.resilience.retry import backoff_s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scripted(*statuses: int, headers: dict[str, str] | None = None):
    calls: list[str] = []
    answers = iter(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        status = next(answers, 200)
        return httpx.Response(status, json={"ok": status}, headers=headers or {})

    return handler, calls


class Sleeps:
    """An upstream's ``sleep``: records each wait and yields once instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


async def test_safe_read_is_retried_until_it_succeeds(make_upstream) -> None:
    handler, calls = scripted(503, 502)
    upstream = make_upstream("erp", handler)
    assert await upstream.get_json("/x", CallContext.with_budget("r", 2.0)) == {"ok": 200}
    assert len(calls) == 3


async def test_attempts_are_capped(make_upstream) -> None:
    handler, calls = scripted(503, 503, 503, 503)
    upstream = make_upstream("erp", handler)
    with pytest.raises(SourceUnavailable):
        await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert len(calls) == RetryPolicy().attempts


async def test_unsafe_post_is_not_retried_but_a_marked_read_is(make_upstream) -> None:
    handler, calls = scripted(503, 503)
    upstream = make_upstream("carrier", handler)
    with pytest.raises(SourceUnavailable):
        await upstream.post_json("/x", CallContext.with_budget("r", 2.0), body={})
    assert calls == ["POST"]
    handler, calls = scripted(503)
    upstream = make_upstream("carrier", handler)
    await upstream.post_json("/x", CallContext.with_budget("r", 2.0), body={}, safe=True)
    assert calls == ["POST", "POST"]


async def test_not_found_and_rejections_are_not_retried(make_upstream) -> None:
    handler, calls = scripted(404)
    with pytest.raises(NotFound):
        await make_upstream("oms", handler).get_json("/x", CallContext.with_budget("r", 2.0))
    assert len(calls) == 1


async def test_retry_after_is_honoured(make_upstream) -> None:
    handler, calls = scripted(429, headers={"Retry-After": "0.2"})
    sleeps = Sleeps()
    upstream = make_upstream("oms", handler, sleep=sleeps)
    await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert sleeps.waits == [0.2]  # exactly what the server asked, not a backoff
    assert len(calls) == 2


async def test_failure_retries_wait_a_capped_backoff(make_upstream) -> None:
    handler, calls = scripted(503, 503)
    sleeps = Sleeps()
    upstream = make_upstream("erp", handler, sleep=sleeps)
    await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    policy = RetryPolicy()
    assert len(sleeps.waits) == 2
    for attempt, wait in enumerate(sleeps.waits):
        assert 0 <= wait <= min(policy.cap_s, policy.base_s * 2**attempt)
    assert len(calls) == 3


async def test_retry_after_past_the_deadline_gives_up_at_once(make_upstream) -> None:
    handler, calls = scripted(429, headers={"Retry-After": "1.5"})
    sleeps = Sleeps()
    upstream = make_upstream("oms", handler, sleep=sleeps)
    with pytest.raises(SourceThrottled) as caught:
        await upstream.get_json("/x", CallContext.with_budget("r", 0.5))
    assert sleeps.waits == []  # gave up without waiting
    assert caught.value.retry_after == pytest.approx(1.5)
    assert len(calls) == 1


async def test_retry_after_beyond_the_cap_is_not_waited_for(make_upstream) -> None:
    handler, calls = scripted(429, headers={"Retry-After": "30"})
    sleeps = Sleeps()
    upstream = make_upstream("oms", handler, sleep=sleeps)
    with pytest.raises(SourceThrottled) as caught:
        await upstream.get_json("/x", CallContext("r"))  # no deadline: the cap decides
    assert sleeps.waits == []
    assert caught.value.retry_after == pytest.approx(30)
    assert len(calls) == 1


def test_full_jitter_backoff_is_capped() -> None:
    policy = RetryPolicy(base_s=0.025, cap_s=0.25)
    assert backoff_s(0, policy, lambda: 1.0) == pytest.approx(0.025)
    assert backoff_s(3, policy, lambda: 1.0) == pytest.approx(0.2)
    assert backoff_s(10, policy, lambda: 1.0) == pytest.approx(0.25)
    assert backoff_s(10, policy, lambda: 0.0) == 0.0


def test_retry_budget_caps_retries_at_a_share_of_requests() -> None:
    clock = Clock()
    budget = RetryBudget(ratio=0.2, min_per_window=3, window_s=10, clock=clock)
    for _ in range(50):
        budget.record_request()
    granted = sum(budget.try_spend() for _ in range(30))
    assert granted == 10
    clock.now += 11  # the window slides past every request and retry
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]


def test_breaker_opens_on_failure_rate_after_minimum_volume() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerPolicy(window=10, minimum_calls=6, failure_rate=0.5), clock)
    for failed in (True, True, True, False, False):
        assert breaker.try_acquire()
        breaker.record(failed=failed, duration_s=0.01)
    assert breaker.state is BreakerState.CLOSED  # 5 calls: below the minimum volume
    breaker.record(failed=True, duration_s=0.01)
    assert breaker.state is BreakerState.OPEN
    assert not breaker.try_acquire()


def test_breaker_opens_on_slow_calls() -> None:
    breaker = CircuitBreaker(
        BreakerPolicy(minimum_calls=4, slow_call_s=1.0, slow_call_rate=0.75), Clock()
    )
    for _ in range(4):
        breaker.record(failed=False, duration_s=1.5)
    assert breaker.state is BreakerState.OPEN


def test_half_open_probes_close_or_reopen() -> None:
    clock = Clock()
    policy = BreakerPolicy(minimum_calls=2, open_s=5.0, probes=2)
    breaker = CircuitBreaker(policy, clock)
    for _ in range(2):
        breaker.record(failed=True, duration_s=0.01)
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(5.0)
    clock.now += 5.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()
    assert breaker.try_acquire()
    assert not breaker.try_acquire()  # only the probes go out
    breaker.record(failed=False, duration_s=0.01)
    breaker.record(failed=True, duration_s=0.01)
    assert breaker.state is BreakerState.OPEN
    clock.now += 5.0
    assert breaker.try_acquire()
    assert breaker.try_acquire()
    breaker.record(failed=False, duration_s=0.01)
    breaker.record(failed=False, duration_s=0.01)
    assert breaker.state is BreakerState.CLOSED


async def test_open_breaker_fails_fast_without_the_network(make_upstream) -> None:
    handler, calls = scripted(*([503] * 100))
    policy = SourcePolicy(
        retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(minimum_calls=4, open_s=60)
    )
    upstream = make_upstream("erp", handler, policy=policy)
    for _ in range(4):
        with pytest.raises(SourceUnavailable):
            await upstream.get_json("/x", CallContext("r"))
    assert upstream.breaker.state is BreakerState.OPEN
    for _ in range(10):
        with pytest.raises(SourceUnavailable) as caught:
            await upstream.get_json("/x", CallContext("r"))
        assert caught.value.detail == "circuit open"
        assert caught.value.retry_after is not None
        assert caught.value.retry_after > 0
    assert len(calls) == 4


async def test_throttling_and_not_found_do_not_trip_the_breaker(make_upstream) -> None:
    handler, _ = scripted(*([429, 404] * 10))
    policy = SourcePolicy(retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(minimum_calls=4))
    upstream = make_upstream("oms", handler, policy=policy)
    for _ in range(20):
        with pytest.raises((SourceThrottled, NotFound)):
            await upstream.get_json("/x", CallContext("r"))
    assert upstream.breaker.state is BreakerState.CLOSED


async def test_server_scheduled_retries_spend_the_budget_too(make_upstream) -> None:
    handler, calls = scripted(429, 429, headers={"Retry-After": "0"})
    upstream = make_upstream("oms", handler)
    upstream.retry_budget = RetryBudget(ratio=0.0, min_per_window=0)  # no budget at all
    with pytest.raises(SourceThrottled) as caught:
        await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert caught.value.retry_after == 0.0
    assert len(calls) == 1


async def test_server_scheduled_retries_have_their_own_attempt_cap(make_upstream) -> None:
    handler, calls = scripted(429, 429, 429, 429, headers={"Retry-After": "0"})
    upstream = make_upstream("oms", handler)
    upstream.retry_budget = RetryBudget(ratio=0.0, min_per_window=10)
    assert await upstream.get_json("/x", CallContext.with_budget("r", 2.0)) == {"ok": 200}
    assert len(calls) == 5
    handler, calls = scripted(*([429] * 10), headers={"Retry-After": "0"})
    upstream = make_upstream("oms", handler)
    upstream.retry_budget = RetryBudget(ratio=0.0, min_per_window=10)
    with pytest.raises(SourceThrottled):
        await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert len(calls) == RetryPolicy().throttled_attempts


async def test_failure_retries_stop_when_the_budget_is_spent(make_upstream) -> None:
    handler, calls = scripted(*([503] * 10))
    upstream = make_upstream("erp", handler)
    upstream.retry_budget = RetryBudget(ratio=0.0, min_per_window=0)
    with pytest.raises(SourceUnavailable):
        await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert len(calls) == 1


# --- storms: upstream calls per client request -------------------------------------------

STORM_REQUESTS = 300
# Never opens: these tests measure what the retry budget alone lets through.
NO_BREAKER = BreakerPolicy(failure_rate=2.0, slow_call_rate=2.0)


def storm(kind: str):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if kind == "429 Retry-After 0":
            return httpx.Response(429, headers={"Retry-After": "0"})
        if kind == "503":
            return httpx.Response(503)
        if kind == "reset":
            raise httpx.ReadError("connection reset by peer", request=request)
        if kind == "every other 503" and calls % 2:
            return httpx.Response(503)
        return httpx.Response(200, json={})

    return handler, lambda: calls


@pytest.mark.parametrize("kind", ["429 Retry-After 0", "503", "reset", "every other 503"])
async def test_a_storm_adds_at_most_a_fifth_more_upstream_calls(make_upstream, kind) -> None:
    handler, upstream_calls = storm(kind)
    sleeps = Sleeps()
    upstream = make_upstream("oms", handler, policy=SourcePolicy(breaker=NO_BREAKER), sleep=sleeps)

    async def client_request() -> None:
        with contextlib.suppress(SourceUnavailable, SourceThrottled):
            await upstream.get_json("/x", CallContext("r"))

    await asyncio.gather(*(client_request() for _ in range(STORM_REQUESTS)))

    assert upstream_calls() / STORM_REQUESTS <= 1.25
    assert len(sleeps.waits) == upstream_calls() - STORM_REQUESTS  # one wait per retry
    assert sleeps.waits  # the budget still let some retries through
