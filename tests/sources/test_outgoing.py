"""Bad input at the source boundary: what cannot be encoded never leaves, and never counts.

Every site where a request's own values are encoded for an upstream is tried with a lone
UTF-16 surrogate (valid in a Python ``str`` and in JSON's ``\\ud800`` escape, but with no
UTF-8 form) and with values too long for a URL.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sources.batching import chunk_keys, encoded_length
from sources.call import CallContext
from sources.config import CrmConfig, ErpConfig, OmsConfig, Secret, SourcePolicy
from sources.salesforce import CrmClient
from sources.sap import ErpClient
from sources.errors import BadRequestInput
from sources.shopify import OmsClient
from sources.resilience import BreakerPolicy, BreakerState

SURROGATE = "\ud800"
LONG_NUMBER = "#" + "1" * 70_000


class Counting:
    """A handler that must not be reached, counting the calls that reach it anyway."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(200, json={})


def assert_refused_before_the_network(upstream: Any, handler: Counting, error: Any) -> None:
    assert isinstance(error, BadRequestInput)
    assert error.code == "BAD_USER_INPUT"
    assert (error.transient, error.trips_breaker, error.upstream_fault) == (False, False, False)
    assert handler.calls == 0
    assert upstream.health.snapshot().calls == 0
    assert upstream.breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    ("call_kwargs"),
    [
        pytest.param({"url": f"/orders/{SURROGATE}.json"}, id="path"),
        pytest.param({"url": "/orders.json", "params": {"name": SURROGATE}}, id="query"),
        pytest.param({"url": "/orders.json?a=1", "params": {"b": SURROGATE}}, id="merged-query"),
        pytest.param({"url": f"https://other.test/next?page_info={SURROGATE}"}, id="absolute"),
        pytest.param({"url": "/x", "headers": {"Idempotency-Key": SURROGATE}}, id="header"),
        pytest.param({"url": "/x", "headers": {"X-Note": "café"}}, id="non-ascii-header"),
        pytest.param({"url": "/x", "json_body": {"note": SURROGATE}}, id="json-value"),
        pytest.param({"url": "/x", "json_body": {SURROGATE: 1}}, id="json-key"),
        pytest.param({"url": "/x", "json_body": {"amount": float("nan")}}, id="json-nan"),
        pytest.param({"url": "/x", "json_body": [float("inf")]}, id="json-infinity"),
        pytest.param({"url": "/orders/1\n2.json"}, id="control-character"),
        pytest.param({"url": f"/orders/{LONG_NUMBER}.json"}, id="url-over-httpx-cap"),
        pytest.param({"url": "/orders.json", "params": {"name": LONG_NUMBER}}, id="long-query"),
        pytest.param({"url": "/orders.json", "params": {"name": "x" * 8200}}, id="url-over-8k"),
    ],
)
async def test_unencodable_or_oversized_requests_never_leave(make_upstream, call_kwargs):
    handler = Counting()
    policy = SourcePolicy(breaker=BreakerPolicy(minimum_calls=1))
    upstream = make_upstream("oms", handler, policy=policy)
    method = "POST" if "json_body" in call_kwargs else "GET"
    url = call_kwargs.pop("url")
    for _ in range(3):  # never retried, never tripping the breaker however often
        with pytest.raises(BadRequestInput) as info:
            await upstream.request(method, url, CallContext("req-1"), safe=True, **call_kwargs)
        assert_refused_before_the_network(upstream, handler, info.value)
    assert info.value.source == "oms"
    assert SURROGATE not in str(info.value)  # the message is safe to log as it is


async def test_the_url_cap_is_inclusive(make_upstream):
    handler = Counting()
    upstream = make_upstream(
        "erp", handler, base_url="https://erp.test", policy=SourcePolicy(max_url_bytes=30)
    )
    await upstream.get_json("/" + "a" * 11, CallContext("req-1"))  # https://erp.test/ + 11 = 28
    await upstream.get_json("/" + "a" * 13, CallContext("req-1"))  # 30
    with pytest.raises(BadRequestInput) as info:
        await upstream.get_json("/" + "a" * 14, CallContext("req-1"))
    assert "31" in info.value.detail
    assert handler.calls == 2


async def test_a_good_body_is_sent_as_httpx_would(make_upstream):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    body = {"note": "Zoë ✓", "n": [1, 2.5, None]}
    upstream = make_upstream("crm", handler)
    await upstream.post_json("/x", CallContext("req-1"), body=body)
    reference = httpx.Request("POST", "https://upstream.test/x", json=body)
    assert seen[0].content == reference.read()
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].headers["Content-Length"] == str(len(reference.content))


async def test_a_callers_content_type_wins(make_upstream):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    upstream = make_upstream("erp", handler)
    headers = {"content-type": "application/json;odata=verbose"}
    await upstream.post_json("/x", CallContext("req-1"), body={}, headers=headers)
    assert seen[0].headers.get_list("Content-Type") == ["application/json;odata=verbose"]


# --- batching ------------------------------------------------------------------------------


def test_chunking_sizes_a_surrogate_instead_of_raising():
    assert encoded_length(SURROGATE) == len("%ED%A0%80")
    chunks = list(chunk_keys(["a", SURROGATE, "b"], lambda k: k, max_keys=10, max_bytes=100))
    assert chunks == [["a", SURROGATE, "b"]]


async def test_erp_batch_with_a_surrogate_key_is_bad_input(make_upstream):
    handler = Counting()
    upstream = make_upstream("erp", handler, base_url="https://erp.test/s4")
    erp = ErpClient(
        upstream, ErpConfig(base_url="https://erp.test/s4", user="u", password=Secret("p"))
    )
    with pytest.raises(BadRequestInput) as info:
        await erp.sales_orders(["#1001", f"#10{SURROGATE}"], CallContext("req-1"))
    assert info.value.source == "erp"
    assert_refused_before_the_network(upstream, handler, info.value)


async def test_crm_batch_with_a_surrogate_key_is_bad_input(make_upstream):
    handler = Counting()
    upstream = make_upstream("crm", handler, base_url="https://crm.test")
    config = CrmConfig(base_url="https://crm.test", client_id="c", client_secret=Secret("s"))
    crm = CrmClient(upstream, config)
    with pytest.raises(BadRequestInput) as info:
        await crm.cases_by_order_number([SURROGATE], CallContext("req-1"))
    assert info.value.source == "crm"
    assert_refused_before_the_network(upstream, handler, info.value)


async def test_a_70000_character_order_number_is_bad_input(make_upstream):
    handler = Counting()
    upstream = make_upstream("oms", handler, base_url="https://shop.test")
    oms = OmsClient(upstream, OmsConfig(base_url="https://shop.test", access_token=Secret("t")))
    with pytest.raises(BadRequestInput) as info:
        await oms.order_by_number(LONG_NUMBER, CallContext("req-1"))
    assert_refused_before_the_network(upstream, handler, info.value)
    with pytest.raises(BadRequestInput):
        await oms.order_by_number(SURROGATE, CallContext("req-1"))
    assert handler.calls == 0
