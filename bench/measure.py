"""Measurements: latency against the null gateway, upstream calls, throughput, CPU, RSS."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

from .null_gateway import NullGateway
from .procs import Stack, cpu_seconds, status_kib
from .workloads import Request, check

RequestFor = Callable[[int], Request]


def quantile(values: Sequence[float], share: float) -> float:
    """Nearest-rank quantile (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / mean of seconds, in milliseconds."""
    return {
        "p50": round(quantile(values, 0.5) * 1000, 2),
        "p99": round(quantile(values, 0.99) * 1000, 2),
        "mean": round(statistics.fmean(values) * 1000, 2),
    }


class Client:
    """The load client: one aiohttp session to the gateway and one to the sandbox controls."""

    def __init__(self, stack: Stack, session: aiohttp.ClientSession) -> None:
        self.stack = stack
        self.session = session
        self._headers = {
            "Authorization": f"Bearer {stack.token}",
            "Accept": "application/graphql-response+json",
        }

    async def post(self, request: Request) -> tuple[int, bytes]:
        """One GraphQL request; the status and raw body."""
        async with self.session.post(
            self.stack.gateway_url,
            json={"query": request.document, "variables": request.variables},
            headers=self._headers,
        ) as response:
            return response.status, await response.read()

    async def query(self, request: Request) -> dict[str, Any]:
        """One request, fully checked (``check`` raises on any defect)."""
        status, body = await self.post(request)
        return check(request, status, body)

    async def reset_stats(self) -> None:
        """Zero the sandbox's counters."""
        async with self.session.post(f"{self.stack.sandbox_url}/stats/reset") as response:
            response.raise_for_status()

    async def route_counts(self) -> Counter[str]:
        """Upstream requests per ``system route`` since the last reset (token calls excluded)."""
        async with self.session.get(f"{self.stack.sandbox_url}/stats") as response:
            stats = await response.json()
        counts: Counter[str] = Counter()
        for system, figures in stats.items():
            for route, n in figures["by_route"].items():
                if "oauth" not in route:
                    counts[f"{system} {route}"] += n
        return counts


async def latency(
    client: Client, null: NullGateway, request_for: RequestFor, count: int
) -> dict[str, Any]:
    """c=1: gateway and null gateway alternate, so both see the same sandbox conditions."""
    pid = client.stack.gateway_pid
    gateway_s: list[float] = []
    null_s: list[float] = []
    client_cpu = 0.0
    cpu_before = cpu_seconds(pid)
    for i in range(count):
        request = request_for(i)
        cpu0, t0 = time.process_time(), time.perf_counter()
        status, body = await client.post(request)
        gateway_s.append(time.perf_counter() - t0)
        client_cpu += time.process_time() - cpu0
        if i < 3 or status != 200 or b'"errors"' in body:
            check(request, status, body)
        t0 = time.perf_counter()
        await null.run(request)
        null_s.append(time.perf_counter() - t0)
    gateway_cpu = cpu_seconds(pid) - cpu_before
    overhead = [g - n for g, n in zip(gateway_s, null_s, strict=True)]
    gw, nl = ms(gateway_s), ms(null_s)
    return {
        "requests": count,
        "gateway_ms": gw,
        "null_ms": nl,
        "overhead_ms": {
            "p50": round(gw["p50"] - nl["p50"], 2),
            "p99": round(gw["p99"] - nl["p99"], 2),
            "paired_p50": round(quantile(overhead, 0.5) * 1000, 2),
            "paired_p99": round(quantile(overhead, 0.99) * 1000, 2),
        },
        "gateway_cpu_ms_per_request": round(gateway_cpu / count * 1000, 3),
        "client_cpu_ms_per_request": round(client_cpu / count * 1000, 3),
    }


async def upstream_calls(
    client: Client, null: NullGateway, request_for: RequestFor, count: int
) -> dict[str, Any]:
    """Upstream requests per query, gateway vs null gateway, and the excess per route.

    The sandbox counts by route template without query strings, so "duplicates" are the
    gateway's reads per route beyond the null gateway's (the minimum for that query).
    """
    await client.reset_stats()
    for i in range(count):
        await client.query(request_for(i))
    gateway = await client.route_counts()
    await client.reset_stats()
    for i in range(count):
        await null.run(request_for(i))
    minimum = await client.route_counts()
    excess = {r: (gateway[r] - minimum[r]) / count for r in gateway if gateway[r] > minimum[r]}
    return {
        "queries": count,
        "gateway_per_query": round(sum(gateway.values()) / count, 2),
        "null_per_query": round(sum(minimum.values()) / count, 2),
        "duplicates_per_query": round(sum(excess.values()), 2),
        "excess_by_route": {r: round(v, 2) for r, v in sorted(excess.items())},
        "gateway_by_route": {r: round(n / count, 2) for r, n in sorted(gateway.items())},
    }


async def throughput(
    client: Client, request_for: RequestFor, concurrency: int, duration_s: float
) -> dict[str, Any]:
    """Closed loop with ``concurrency`` workers for ``duration_s``: req/s, CPU, latency."""
    stack = client.stack
    done: list[float] = []
    failures = 0
    first_failure: list[bytes] = []
    stop = time.perf_counter() + duration_s

    async def worker(offset: int) -> None:
        nonlocal failures
        i = offset
        while time.perf_counter() < stop:
            request = request_for(i)
            t0 = time.perf_counter()
            status, body = await client.post(request)
            if status != 200 or b'"errors"' in body:
                failures += 1
                if not first_failure:
                    first_failure.append(body[:400])
            done.append(time.perf_counter() - t0)
            i += concurrency

    gw0, sb0, cl0 = cpu_seconds(stack.gateway_pid), cpu_seconds(stack.sandbox_pid), 0.0
    cl0 = time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    wall = time.perf_counter() - t0
    gateway_cpu = cpu_seconds(stack.gateway_pid) - gw0
    sandbox_cpu = cpu_seconds(stack.sandbox_pid) - sb0
    client_cpu = time.process_time() - cl0
    n = len(done)
    if failures:
        raise RuntimeError(
            f"{failures} of {n} requests failed at c={concurrency}; first: {first_failure[:1]}"
        )
    return {
        "concurrency": concurrency,
        "requests": n,
        "wall_s": round(wall, 2),
        "req_per_s": round(n / wall, 1),
        "latency_ms": ms(done),
        "gateway_cpu_share": round(gateway_cpu / wall, 3),
        "sandbox_cpu_share": round(sandbox_cpu / wall, 3),
        "client_cpu_share": round(client_cpu / wall, 3),
        "requests_per_gateway_cpu_s": round(n / gateway_cpu, 1) if gateway_cpu else None,
        "gateway_cpu_ms_per_request": round(gateway_cpu / n * 1000, 3),
        "client_cpu_ms_per_request": round(client_cpu / n * 1000, 3),
    }


def peak_rss_mb(stack: Stack) -> float:
    """The gateway's peak resident set so far (VmHWM), in MB."""
    return round(status_kib(stack.gateway_pid, "VmHWM") / 1024, 1)
