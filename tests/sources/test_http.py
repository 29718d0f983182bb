"""The call discipline: deadlines, bulkhead, size cap, error translation, health, ceiling.

No test times the machine: an upstream that must be cut off never answers (so only the
cut can end the call), durations come from a fake clock, and work is counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from urllib.parse import parse_qs

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

from sources.call import CallContext
from sources.config import SourcePolicy
from sources.errors import (
    NotFound,
    SourceBadResponse,
    SourceError,
    SourceThrottled,
    SourceTimeout,
    SourceUnavailable,
)
from sources.health import HealthSnapshot
from sources.http import Upstream, parse_retry_after
from sources.resilience import BreakerPolicy, BreakerState, RetryPolicy


def ok_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def http_date(delta_s: float, now: datetime | None = None) -> str:
    return format_datetime((now or datetime.now(UTC)) + timedelta(seconds=delta_s), usegmt=True)


class FakeClock:
    """A clock that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class NeverAnswers:
    """A handler that waits until it is cut off, and says whether it was."""

    def __init__(self, *, advance: FakeClock | None = None, by: float = 0.0) -> None:
        self.calls = 0
        self.cancelled = 0
        self.reached = asyncio.Event()
        self._advance = advance
        self._by = by

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.reached.set()
        if self._advance is not None:
            self._advance.now += self._by
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")


# --- request shape --------------------------------------------------------------------


async def test_every_call_carries_request_id_and_accept(make_upstream):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"n": 1})

    upstream = make_upstream("erp", handler, base_url="https://erp.test/root")
    answer = await upstream.get_json(
        "/things", CallContext("req-42"), params={"a": "x y"}, headers={"X-Extra": "1"}
    )
    posted = await upstream.post_json("/things", CallContext("req-43"), body={"k": [1, 2]})

    assert answer == {"n": 1}
    assert posted == {"n": 1}
    get, post = seen
    assert str(get.url) == "https://erp.test/root/things?a=x+y"
    assert get.headers["X-Request-ID"] == "req-42"
    assert get.headers["Accept"] == "application/json"
    assert get.headers["X-Extra"] == "1"
    assert post.method == "POST"
    assert post.headers["X-Request-ID"] == "req-43"
    assert post.headers["Content-Type"] == "application/json"
    assert post.content == b'{"k":[1,2]}'


def test_decoded_amounts_read_back_exactly(make_upstream):
    upstream = make_upstream("oms", ok_json)
    decoded = upstream.decode(b'{"subtotal": 195.66, "qty": 2, "tiny": 0.1}')
    assert Decimal(str(decoded["subtotal"])) == Decimal("195.66")
    assert Decimal(str(decoded["tiny"])) == Decimal("0.1")
    assert decoded["qty"] == 2


# --- status translation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (404, NotFound, "NOT_FOUND"),
        (429, SourceThrottled, "SOURCE_THROTTLED"),
        (408, SourceTimeout, "SOURCE_TIMEOUT"),
        (504, SourceTimeout, "SOURCE_TIMEOUT"),
        (500, SourceUnavailable, "SOURCE_UNAVAILABLE"),
        (502, SourceUnavailable, "SOURCE_UNAVAILABLE"),
        (503, SourceUnavailable, "SOURCE_UNAVAILABLE"),
        (401, SourceUnavailable, "SOURCE_UNAVAILABLE"),
        (403, SourceUnavailable, "SOURCE_UNAVAILABLE"),
        (400, SourceBadResponse, "SOURCE_BAD_RESPONSE"),
        (409, SourceBadResponse, "SOURCE_BAD_RESPONSE"),
        (422, SourceBadResponse, "SOURCE_BAD_RESPONSE"),
        (302, SourceBadResponse, "SOURCE_BAD_RESPONSE"),
    ],
)
async def test_status_codes_map_to_source_errors(make_upstream, status, error, code):
    secret_body = "internal stack trace: db password=hunter2"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=secret_body, headers={"Location": "/elsewhere"})

    upstream = make_upstream("crm", handler)
    with pytest.raises(SourceError) as info:
        await upstream.get_json("/x", CallContext("req-1"))

    assert type(info.value) is error
    assert info.value.code == code
    assert info.value.source == "crm"
    assert "hunter2" not in str(info.value)


async def test_429_with_http_date_retry_after(make_upstream):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": http_date(120)})

    with pytest.raises(SourceThrottled) as info:
        await make_upstream("oms", handler).get_json("/x", CallContext("req-1"))
    # The date names a whole second, so the wait is at most 120 s; the lower bound
    # leaves a minute for a loaded machine (the exact arithmetic is tested below).
    assert info.value.retry_after is not None
    assert 60 <= info.value.retry_after <= 120


async def test_429_without_retry_after(make_upstream):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429)

    with pytest.raises(SourceThrottled) as info:
        await make_upstream("oms", handler).get_json("/x", CallContext("req-1"))
    assert info.value.retry_after is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2.0", 2.0),
        ("0.5", 0.5),
        ("120", 120.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_future_http_date():
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(http_date(30, now), now=now.timestamp()) == 30.0
    assert parse_retry_after(http_date(-30, now), now=now.timestamp()) == 0.0


# --- bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"", b'{"d": ', b"\xff\xfe"])
async def test_malformed_json_is_bad_response(make_upstream, body):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    with pytest.raises(SourceBadResponse) as info:
        await make_upstream("erp", handler).get_json("/x", CallContext("req-1"))
    assert info.value.source == "erp"


async def test_declared_oversized_body_is_refused_before_reading(make_upstream):
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(10):
            read += 1
            yield b"x" * 100

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Length": "1000"})

    upstream = make_upstream("oms", handler, policy=SourcePolicy(max_response_bytes=999))
    with pytest.raises(SourceBadResponse) as info:
        await upstream.get_json("/x", CallContext("req-1"))
    assert "1000" in str(info.value)
    assert read == 0


async def test_declared_body_at_the_cap_is_accepted(make_upstream):
    payload = b'{"pad": "' + b"x" * 90 + b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload)

    upstream = make_upstream("oms", handler, policy=SourcePolicy(max_response_bytes=len(payload)))
    assert await upstream.get_json("/x", CallContext("req-1")) == {"pad": "x" * 90}


async def test_streamed_oversized_body_is_cut_off(make_upstream):
    chunks_sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        for _ in range(100):
            chunks_sent += 1
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, content=body())
        assert "content-length" not in response.headers
        return response

    upstream = make_upstream("erp", handler, policy=SourcePolicy(max_response_bytes=4096))
    with pytest.raises(SourceBadResponse):
        await upstream.get_json("/x", CallContext("req-1"))
    assert chunks_sent <= 6  # stopped reading soon after the cap, not at the end


# --- deadlines --------------------------------------------------------------------------


async def test_slow_upstream_is_cut_at_the_request_deadline(make_upstream):
    handler = NeverAnswers()
    # A per-source timeout of an hour: only the request's deadline can end this call.
    upstream = make_upstream("crm", handler, policy=SourcePolicy(timeout_s=3600.0))
    with pytest.raises(SourceTimeout) as info:
        await upstream.get_json("/x", CallContext.with_budget("req-1", 0.2))

    assert info.value.source == "crm"
    assert handler.calls == 1  # no retry into a spent deadline
    assert handler.cancelled == 1  # cut off, not waited out
    assert "request deadline" in info.value.detail


async def test_slow_upstream_is_cut_at_the_policy_timeout(make_upstream):
    handler = NeverAnswers()
    policy = SourcePolicy(timeout_s=0.05, retry=RetryPolicy(attempts=1))
    upstream = make_upstream("crm", handler, policy=policy)
    with pytest.raises(SourceTimeout) as info:
        await upstream.get_json("/x", CallContext("req-1"))  # no request deadline
    assert handler.cancelled == 1
    assert info.value.detail == "no answer within 0.050s"
    assert info.value.trips_breaker


async def test_dripping_body_times_out_over_the_whole_exchange(make_upstream):
    chunks = 2000
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"a": "'
        for _ in range(chunks):  # 0.01 s apart: every chunk is prompt, the body is not
            await asyncio.sleep(0.01)
            sent += 1
            yield b"x"
        yield b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    policy = SourcePolicy(timeout_s=0.2, retry=RetryPolicy(attempts=1))
    upstream = make_upstream("oms", handler, policy=policy)
    with pytest.raises(SourceTimeout):
        await upstream.get_json("/x", CallContext("req-1"))
    assert sent < chunks  # stopped mid-body; without the cut it reads all 20 s of it


async def test_a_timeout_at_the_request_deadline_does_not_trip_the_breaker(make_upstream):
    handler = NeverAnswers()
    policy = SourcePolicy(timeout_s=3600.0, breaker=BreakerPolicy(minimum_calls=2))
    upstream = make_upstream("oms", handler, policy=policy)
    for _ in range(5):
        with pytest.raises(SourceTimeout) as info:
            await upstream.get_json("/x", CallContext.with_budget("greedy", 0.1))
        assert not info.value.trips_breaker
    assert handler.calls == 5
    assert upstream.breaker.state is BreakerState.CLOSED
    assert upstream.health.snapshot().error_rate == 0.0


async def test_a_timeout_at_the_policy_timeout_trips_the_breaker(make_upstream):
    handler = NeverAnswers()
    policy = SourcePolicy(
        timeout_s=0.02, retry=RetryPolicy(attempts=1), breaker=BreakerPolicy(minimum_calls=2)
    )
    upstream = make_upstream("oms", handler, policy=policy)
    for _ in range(2):
        with pytest.raises(SourceTimeout) as info:
            # A deadline far beyond the per-source timeout: the timeout is the upstream's.
            await upstream.get_json("/x", CallContext.with_budget("r", 3600.0))
        assert info.value.trips_breaker
    assert upstream.breaker.state is BreakerState.OPEN
    assert upstream.health.snapshot().error_rate == 1.0


async def test_request_deadline_timeouts_still_count_as_slow_calls(make_upstream):
    clock = FakeClock()
    handler = NeverAnswers(advance=clock, by=3.0)  # the upstream "took" 3 s on our clock
    policy = SourcePolicy(
        timeout_s=3600.0,
        breaker=BreakerPolicy(minimum_calls=3, slow_call_s=2.0, slow_call_rate=0.8),
    )
    upstream = make_upstream("oms", handler, policy=policy, clock=clock)
    for _ in range(3):
        with pytest.raises(SourceTimeout) as info:
            await upstream.get_json("/x", CallContext.with_budget("r", 0.1))
        assert not info.value.trips_breaker
    assert upstream.breaker.state is BreakerState.OPEN  # by slow calls, not failures


async def test_a_call_that_never_left_the_bulkhead_counts_for_nothing(make_upstream):
    handler = NeverAnswers()
    policy = SourcePolicy(timeout_s=3600.0, concurrency=1, breaker=BreakerPolicy(minimum_calls=1))
    upstream = make_upstream("erp", handler, policy=policy)
    holder = asyncio.create_task(upstream.get_json("/x", CallContext("holder")))
    await handler.reached.wait()
    with pytest.raises(SourceTimeout) as info:
        await upstream.get_json("/x", CallContext.with_budget("queued", 0.1))
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder

    assert "no free connection" in info.value.detail
    assert not info.value.trips_breaker
    assert handler.calls == 1  # the queued call never reached the upstream
    assert upstream.breaker.state is BreakerState.CLOSED


async def test_past_deadline_fails_without_calling_upstream(make_upstream):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", handler)
    past = CallContext("req-1", asyncio.get_running_loop().time() - 0.01)
    with pytest.raises(SourceTimeout) as info:
        await upstream.get_json("/x", past)
    with pytest.raises(SourceTimeout):
        await upstream.get_json("/x", CallContext.with_budget("req-1", 0))
    assert calls == 0
    assert info.value.source == "erp"


def test_call_context_remaining():
    assert CallContext("req-1").remaining() is None


async def test_call_context_with_budget():
    loop = asyncio.get_running_loop()
    before = loop.time()
    call = CallContext.with_budget("req-1", 1.0)
    after = loop.time()
    assert call.deadline is not None
    assert before + 1.0 <= call.deadline <= after + 1.0
    remaining = call.remaining()
    assert remaining is not None
    assert remaining <= 1.0


# --- transport failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ConnectError, SourceUnavailable),
        (httpx.RemoteProtocolError, SourceUnavailable),
        (httpx.ReadError, SourceUnavailable),
        (httpx.ConnectTimeout, SourceTimeout),
        (httpx.ReadTimeout, SourceTimeout),
    ],
)
async def test_transport_errors_are_source_errors(make_upstream, exc, error):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    upstream = make_upstream("carrier", handler)
    with pytest.raises(error) as info:
        await upstream.get_json("/x", CallContext("req-1"))
    assert info.value.source == "carrier"
    assert type(info.value) is error


# --- health -----------------------------------------------------------------------------


async def test_health_window_records_latency(make_upstream):
    clock = FakeClock()
    latencies = iter([0.010, 0.030, 0.500])

    def handler(request: httpx.Request) -> httpx.Response:
        clock.now += next(latencies)
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", handler, clock=clock)
    assert upstream.health.snapshot() == HealthSnapshot(0, None, None)
    for _ in range(3):
        await upstream.get_json("/x", CallContext("req-1"))

    snapshot = upstream.health.snapshot()
    assert snapshot.calls == 3
    assert snapshot.error_rate == 0.0
    assert snapshot.latency_p50_ms == pytest.approx(30.0)


async def test_health_window_counts_errors_but_not_404(make_upstream):
    statuses = iter([200, 404, 500, 429])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses, None)
        if status is None:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(status, json={})

    # No retries: each call meets exactly one scripted answer.
    upstream = make_upstream("oms", handler, policy=SourcePolicy(retry=RetryPolicy(attempts=1)))
    outcomes = []
    for _ in range(5):
        try:
            await upstream.get_json("/x", CallContext("req-1"))
            outcomes.append("ok")
        except SourceError as exc:
            outcomes.append(exc.code)

    assert outcomes == [
        "ok",
        "NOT_FOUND",
        "SOURCE_UNAVAILABLE",
        "SOURCE_THROTTLED",
        "SOURCE_UNAVAILABLE",
    ]
    snapshot = upstream.health.snapshot()
    assert snapshot.calls == 5
    assert snapshot.error_rate == pytest.approx(3 / 5)


async def test_health_window_counts_timeouts(make_upstream):
    upstream = make_upstream("crm", NeverAnswers(), policy=SourcePolicy(timeout_s=0.05))
    with pytest.raises(SourceTimeout):
        await upstream.get_json("/x", CallContext("req-1"))
    assert upstream.health.snapshot().error_rate == 1.0


@pytest.mark.parametrize("status", [400, 409, 422])
async def test_refused_requests_do_not_raise_the_error_rate(make_upstream, status):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if request.url.path == "/ok":
            return httpx.Response(200, json={})
        return httpx.Response(status, json={"errors": {"line_items": ["is invalid"]}})

    policy = SourcePolicy(breaker=BreakerPolicy(minimum_calls=5))
    upstream = make_upstream("oms", handler, policy=policy)
    await upstream.get_json("/ok", CallContext("req-1"))
    for _ in range(25):
        with pytest.raises(SourceBadResponse) as info:
            await upstream.post_json("/refunds", CallContext("req-1"), body={}, safe=True)
        assert not info.value.upstream_fault
    snapshot = upstream.health.snapshot()
    assert snapshot.calls == 26
    assert snapshot.error_rate == 0.0
    assert calls == 26  # a refusal is not retried, even when the call is safe
    assert upstream.breaker.state is BreakerState.CLOSED


async def test_a_redirect_still_shows_in_the_error_rate(make_upstream):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/login"})

    upstream = make_upstream("oms", handler)
    with pytest.raises(SourceBadResponse):
        await upstream.get_json("/x", CallContext("req-1"))
    assert upstream.health.snapshot().error_rate == 1.0


# --- bulkhead ---------------------------------------------------------------------------


async def test_bulkhead_caps_calls_in_flight(make_upstream):
    in_flight = 0
    peak = 0
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak, calls
        calls += 1
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.03)
        in_flight -= 1
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", handler, policy=SourcePolicy(concurrency=2))
    await asyncio.gather(*(upstream.get_json("/x", CallContext("req-1")) for _ in range(6)))

    assert calls == 6
    assert peak == 2


# --- OAuth2 client credentials ----------------------------------------------------------


async def test_client_credentials_token_is_fetched_once_and_sent(make_upstream):
    token_calls = 0
    authorizations: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal token_calls
        if request.url.path == "/oauth/token":
            token_calls += 1
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["client_credentials"]
            assert form["client_id"] == ["cid"]
            await asyncio.sleep(0.02)
            return httpx.Response(
                200, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}
            )
        authorizations.append(request.headers["Authorization"])
        return httpx.Response(200, json={})

    async with AsyncOAuth2Client(
        client_id="cid",
        client_secret="secret",
        token_endpoint="https://fedex.test/oauth/token",
        token_endpoint_auth_method="client_secret_post",
        grant_type="client_credentials",
        base_url="https://fedex.test",
        transport=httpx.MockTransport(handler),
    ) as client:
        upstream = Upstream("carrier", client, SourcePolicy())
        await asyncio.gather(*(upstream.get_json("/x", CallContext("req-1")) for _ in range(3)))

    assert token_calls == 1
    assert authorizations == ["Bearer tok-1"] * 3


async def test_refused_token_is_unavailable(make_upstream):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(
                400, json={"error": "invalid_client", "error_description": "bad secret"}
            )
        raise AssertionError("no data call without a token")

    async with AsyncOAuth2Client(
        client_id="cid",
        client_secret="wrong",
        token_endpoint="https://fedex.test/oauth/token",
        token_endpoint_auth_method="client_secret_post",
        grant_type="client_credentials",
        base_url="https://fedex.test",
        transport=httpx.MockTransport(handler),
    ) as client:
        upstream = Upstream("carrier", client, SourcePolicy())
        with pytest.raises(SourceUnavailable) as info:
            await upstream.get_json("/x", CallContext("req-1"))

    assert "invalid_client" in str(info.value)
    assert "wrong" not in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        pytest.param(503, b"<html>maintenance</html>", SourceUnavailable, id="token-endpoint-503"),
        pytest.param(500, b'{"error": "server_error"}', SourceUnavailable, id="token-endpoint-500"),
        pytest.param(200, b"<html>login</html>", SourceError, id="token-endpoint-not-json"),
    ],
)
async def test_failing_token_endpoint_is_a_source_error(status, body, error):
    """An outage of the token endpoint must not leak an httpx or parsing exception."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(status, content=body)
        raise AssertionError("no data call without a token")

    async with AsyncOAuth2Client(
        client_id="cid",
        client_secret="secret",
        token_endpoint="https://fedex.test/oauth/token",
        token_endpoint_auth_method="client_secret_post",
        grant_type="client_credentials",
        base_url="https://fedex.test",
        transport=httpx.MockTransport(handler),
    ) as client:
        upstream = Upstream("carrier", client, SourcePolicy())
        with pytest.raises(error) as info:
            await upstream.get_json("/x", CallContext("req-1"))

    assert info.value.source == "carrier"
    assert upstream.health.snapshot().error_rate == 1.0


@pytest.mark.parametrize(
    "base_url", ["https://erp.test", "https://erp.test/root", "https://x.test/a/"]
)
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/things", None),
        ("things/deeper", {}),
        (
            "/services/data/v60.0/query",
            {"q": "SELECT Id FROM Case WHERE Order360_Order_Number__c IN ('#1001','#1002')"},
        ),
        ("/A_SalesOrder('42')/to_Item", {"$filter": "Material eq 'MZ-1' and x ge 2", "n": 3}),
        ("/unicode", {"name": "Zoë & Søren/?=+"}),
        ("https://other.test/next?$skiptoken=10&a=b c", None),
        ("/with?query=1", {"extra": "2"}),  # a query merged into a query: httpx's own rules
    ],
)
async def test_the_url_is_the_one_httpx_would_build(make_upstream, base_url, url, params):
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", record, base_url=base_url)
    await upstream.get_json(url, CallContext("req-1"), params=params)
    async with httpx.AsyncClient(base_url=base_url) as reference:
        expected = reference.build_request("GET", url, params=params).url
    assert seen[0].url == expected
    assert seen[0].url.raw_path == expected.raw_path
