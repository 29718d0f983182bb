"""What the call discipline and the read cache tell their observers (sources.observe)."""

from __future__ import annotations

import httpx
import pytest

from sources import (
    BreakerState,
    CachedRead,
    CachePolicy,
    MemoryReadCache,
    SourceUnavailable,
    UpstreamObserver,
    route_template,
)
from sources.call import CallContext
from sources.config import SourcePolicy
from sources.http import Upstream
from sources.observe import CacheObserver
from sources.resilience import BreakerPolicy


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/admin/api/2024-10/orders/450789469.json", "/admin/api/2024-10/orders/{id}.json"),
        ("/A_SalesOrder('1001')/to_Item", "/A_SalesOrder({key})/to_Item"),
        (
            "/data/SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='1')",
            "/data/SalesOrderHeadersV2({key})",
        ),
        ("/services/data/v60.0/query/01gxx0000-2000", "/services/data/v60.0/query/{id}"),
        ("/customers/jane@example.com", "/customers/{id}"),
        ("/orders/%231001", "/orders/{id}"),
        ("/$batch", "/$batch"),
        ("/" + "/a" * 40, "/" + "/".join(["a"] * 12)),
    ],
)
def test_routes_keep_names_and_drop_keys(path: str, route: str) -> None:
    assert route_template(path) == route


class Recorder(UpstreamObserver):
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def attempted(self, source, route, method, status, duration_s, response_bytes) -> None:
        self.events.append(("attempt", source, route, method, status, response_bytes))

    def retrying(self, source, route, reason, wait_s) -> None:
        self.events.append(("retry", source, route, reason, wait_s))

    def throttled(self, source, route) -> None:
        self.events.append(("throttled", source, route))

    def breaker_changed(self, source, old, new) -> None:
        self.events.append(("breaker", source, old, new))

    def bulkhead_entered(self, source, waited_s, queued) -> None:
        self.events.append(("in", source, queued))

    def bulkhead_left(self, source) -> None:
        self.events.append(("out", source))


async def _no_sleep(seconds: float) -> None:
    return None


def upstream(handler, observer: Recorder, policy: SourcePolicy | None = None) -> Upstream:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="http://erp.test/base/"
    )
    return Upstream("erp", client, policy or SourcePolicy(), observer=observer, sleep=_no_sleep)


async def test_attempts_retries_and_throttles_are_observed_by_route() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(503),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    observer = Recorder()
    erp = upstream(lambda request: next(answers), observer)
    await erp.get_json("orders/1001", CallContext("req-1"))
    route = "/orders/{id}"
    assert [e for e in observer.events if e[0] == "attempt"] == [
        ("attempt", "erp", route, "GET", "4xx", 0),
        ("attempt", "erp", route, "GET", "5xx", 0),
        ("attempt", "erp", route, "GET", "2xx", len(b'{"ok":true}')),
    ]
    assert ("throttled", "erp", route) in observer.events
    assert [e[3] for e in observer.events if e[0] == "retry"] == ["throttled", "error"]
    # Every slot taken is given back.
    assert sum(e[0] == "in" for e in observer.events) == 3
    assert sum(e[0] == "out" for e in observer.events) == 3


async def test_breaker_moves_and_refusals_are_observed() -> None:
    observer = Recorder()
    policy = SourcePolicy(breaker=BreakerPolicy(window=2, minimum_calls=2, open_s=60))
    erp = upstream(lambda request: httpx.Response(500), observer, policy)
    for _ in range(3):
        with pytest.raises(SourceUnavailable):
            await erp.request("POST", "A_SalesOrder('7')", CallContext("req-1"))
    assert ("breaker", "erp", BreakerState.CLOSED, BreakerState.OPEN) in observer.events
    statuses = [e[4] for e in observer.events if e[0] == "attempt"]
    assert statuses == ["5xx", "5xx", "circuit_open"]


class CacheRecorder(CacheObserver):
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def served(self, source, kind, event, count) -> None:
        self.counts[event] = self.counts.get(event, 0) + count


async def test_cache_hits_misses_and_stale_values_are_observed() -> None:
    now = [0.0]
    observer = CacheRecorder()
    cache = CachedRead(
        MemoryReadCache(), {"erp": CachePolicy(10, 100)}, clock=lambda: now[0], observer=observer
    )

    async def found(keys: list[str]) -> dict[str, object]:
        return {k: k.upper() for k in keys}

    async def failing(keys: list[str]) -> dict[str, object]:
        raise SourceUnavailable("erp", "down")

    await cache.load_many("p", "erp", "sales_order", ["a", "b"], found)
    await cache.load_many("p", "erp", "sales_order", ["a"], found)
    now[0] = 20.0
    await cache.load_many("p", "erp", "sales_order", ["a"], failing)
    assert observer.counts == {"miss": 3, "hit": 1, "stale": 1}
