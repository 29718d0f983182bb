"""The call discipline: deadlines, bulkhead, size cap, error translation, health."""

from __future__ import annotations

import asyncio
import time
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
from sources.resilience import RetryPolicy


def ok_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def http_date(delta_s: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=delta_s), usegmt=True)


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
    assert info.value.retry_after is not None
    assert 115 <= info.value.retry_after <= 121


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
    seconds = parse_retry_after(http_date(30))
    assert seconds is not None
    assert 25 <= seconds <= 31


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


async def test_slow_upstream_times_out_at_the_request_deadline(make_upstream):
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    upstream = make_upstream("crm", handler, policy=SourcePolicy(timeout_s=5.0))
    started = time.perf_counter()
    with pytest.raises(SourceTimeout) as info:
        await upstream.get_json("/x", CallContext.with_budget("req-1", 0.2))
    elapsed = time.perf_counter() - started

    assert 0.15 <= elapsed < 0.6
    assert info.value.source == "crm"


async def test_slow_upstream_times_out_at_the_policy_timeout(make_upstream):
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    upstream = make_upstream("crm", handler, policy=SourcePolicy(timeout_s=0.1))
    started = time.perf_counter()
    with pytest.raises(SourceTimeout):
        await upstream.get_json("/x", CallContext("req-1"))  # no request deadline
    assert time.perf_counter() - started < 0.5


async def test_dripping_body_times_out_over_the_whole_exchange(make_upstream):
    async def body() -> AsyncIterator[bytes]:
        yield b'{"a": "'
        for _ in range(50):
            await asyncio.sleep(0.02)
            yield b"x"
        yield b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    # One attempt, so the bound measures the whole-exchange timeout and not retries.
    policy = SourcePolicy(timeout_s=0.2, retry=RetryPolicy(attempts=1))
    upstream = make_upstream("oms", handler, policy=policy)
    started = time.perf_counter()
    with pytest.raises(SourceTimeout):
        await upstream.get_json("/x", CallContext("req-1"))
    assert time.perf_counter() - started < 0.6


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
    call = CallContext.with_budget("req-1", 1.0)
    remaining = call.remaining()
    assert remaining is not None
    assert 0.9 < remaining <= 1.0


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
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.03)
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", handler)
    assert upstream.health.snapshot() == HealthSnapshot(0, None, None)
    for _ in range(3):
        await upstream.get_json("/x", CallContext("req-1"))

    snapshot = upstream.health.snapshot()
    assert snapshot.calls == 3
    assert snapshot.error_rate == 0.0
    assert snapshot.latency_p50_ms is not None
    assert 30.0 <= snapshot.latency_p50_ms < 500.0


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
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200, json={})

    upstream = make_upstream("crm", handler, policy=SourcePolicy(timeout_s=0.05))
    with pytest.raises(SourceTimeout):
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
