"""Retries, retry budget and circuit breaker of the call discipline."""

from __future__ import annotations

import time

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
    upstream = make_upstream("oms", handler)
    started = time.perf_counter()
    await upstream.get_json("/x", CallContext.with_budget("r", 2.0))
    assert time.perf_counter() - started >= 0.2
    assert len(calls) == 2


async def test_retry_after_past_the_deadline_gives_up_at_once(make_upstream) -> None:
    handler, calls = scripted(429, headers={"Retry-After": "1.5"})
    upstream = make_upstream("oms", handler)
    started = time.perf_counter()
    with pytest.raises(SourceThrottled) as caught:
        await upstream.get_json("/x", CallContext.with_budget("r", 0.5))
    assert time.perf_counter() - started < 0.2
    assert caught.value.retry_after == pytest.approx(1.5)
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


async def test_server_scheduled_retries_skip_the_budget_but_are_capped(make_upstream) -> None:
    handler, calls = scripted(429, 429, 429, 429, headers={"Retry-After": "0"})
    upstream = make_upstream("oms", handler)
    upstream.retry_budget = RetryBudget(ratio=0.0, min_per_window=0)  # no budget at all
    assert await upstream.get_json("/x", CallContext.with_budget("r", 2.0)) == {"ok": 200}
    assert len(calls) == 5
    handler, calls = scripted(*([429] * 10), headers={"Retry-After": "0"})
    upstream = make_upstream("oms", handler)
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
