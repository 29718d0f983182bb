"""The full benchmark matrix: ``./scripts/bench full``.

Sandbox (20 ms per upstream call) pinned to core 0, gateway pinned to core 1, this load
client on core 0 beside the sandbox. Cold cache (TTL 0) first: latency vs the null
gateway over every page size and shape, upstream calls, throughput, a py-spy profile.
Then warm cache (TTL 60, Zipf popularity) for upstream calls per query. Then the
client-side transport micro-benchmark. Writes bench/results/<date>.{md,json} and PNGs.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from . import cache_hit, calls, measure, procs, profile, report, transports, workloads
from .null_gateway import null_gateway

RESULTS = Path(__file__).resolve().parent / "results"
Q1_REQUESTS = 200
# Requests per latency cell at c=1, by page size (bigger pages take longer each).
LATENCY_REQUESTS = {1: 60, 5: 60, 10: 60, 25: 40, 50: 30, 100: 15, 200: 10}
CONCURRENCY = (1, 4, 16, 32)
THROUGHPUT_S = 8.0
PROFILE_S = 10
CALLS_QUERIES = 3
WARM_QUERIES = 200
DISTINCT_ORDERS = 100
T = TypeVar("T")
_START = time.monotonic()


def progress(message: str) -> None:
    """One timestamped progress line on stderr."""
    print(f"[{time.monotonic() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


async def step(label: str, work: Coroutine[Any, Any, T]) -> T:
    """Run one measurement with a progress line before and after."""
    progress(f"{label} ...")
    t0 = time.monotonic()
    result = await work
    progress(f"{label} done in {time.monotonic() - t0:.1f}s")
    return result


def session() -> aiohttp.ClientSession:
    """The load client's HTTP session (keep-alive, enough connections for c=32).

    Idle connections are dropped after 3 s, before uvicorn's 5 s keep-alive timeout closes
    them from its side: reusing one the server is closing gives ECONNRESET.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=3.0),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def order_numbers(client: measure.Client) -> list[str]:
    """The newest orders' numbers (the Q1 population), read through the gateway."""
    answer = await client.query(workloads.qn("narrow", 200))
    return [edge["node"]["number"] for edge in answer["data"]["orders"]["edges"]]


async def cold(stack: procs.Stack, workdir: Path) -> dict[str, Any]:
    """Cache off: latency, calls, throughput, CPU, RSS and the profile."""
    out: dict[str, Any] = {"latency": {}, "calls": {}, "throughput": {}}
    async with session() as http, null_gateway(stack.sandbox_url) as null:
        client = measure.Client(stack, http)
        numbers = (await order_numbers(client))[:DISTINCT_ORDERS]
        progress("correctness: every workload once, fully checked")
        out["fields_per_order"] = {}
        for shape in ("narrow", "wide"):
            await client.query(workloads.q1(shape, numbers[0]))
            for n in workloads.PAGE_SIZES:
                answer = await client.query(workloads.qn(shape, n))
                await null.run(workloads.qn(shape, n))
                if n == 50:
                    out["fields_per_order"][shape] = round(workloads.fields_per_order(answer), 1)

        def q1(shape: str) -> Callable[[int], workloads.Request]:
            return lambda i: workloads.q1(shape, numbers[i % len(numbers)])

        def qn(shape: str, n: int) -> Callable[[int], workloads.Request]:
            return lambda _: workloads.qn(shape, n)

        out["latency"]["Q1 wide"] = await step(
            f"latency Q1 wide x{Q1_REQUESTS}",
            measure.latency(client, null, q1("wide"), Q1_REQUESTS),
        )
        out["calls"]["Q1 wide"] = await step(
            "upstream calls Q1 wide", measure.upstream_calls(client, null, q1("wide"), 10)
        )
        for shape in ("narrow", "wide"):
            for n in workloads.PAGE_SIZES:
                name = f"Q{n} {shape}"
                out["latency"][name] = await step(
                    f"latency {name} x{LATENCY_REQUESTS[n]}",
                    measure.latency(client, null, qn(shape, n), LATENCY_REQUESTS[n]),
                )
                out["calls"][name] = await measure.upstream_calls(
                    client, null, qn(shape, n), CALLS_QUERIES
                )
        for c in CONCURRENCY:
            out["throughput"][f"Q1 wide c={c}"] = await step(
                f"throughput Q1 wide c={c} for {THROUGHPUT_S:.0f}s",
                measure.throughput(client, q1("wide"), c, THROUGHPUT_S),
            )
        out["throughput"]["Q50 narrow c=4"] = await step(
            "throughput Q50 narrow c=4",
            measure.throughput(client, qn("narrow", 50), 4, THROUGHPUT_S),
        )
        out["profile"] = await step(
            f"py-spy on Q50 wide c=4 for {PROFILE_S}s", profiled(client, workdir)
        )
        out["peak_rss_mb"] = measure.peak_rss_mb(stack)
    return out


async def profiled(client: measure.Client, workdir: Path) -> dict[str, Any]:
    """Q50 wide load at c=4 while py-spy samples the gateway; hotspots of the samples."""
    if profile.py_spy() is None:
        return {"skipped": "py-spy not installed"}
    raw = RESULTS / f"{datetime.date.today().isoformat()}-profile-q50-wide.txt"
    load = asyncio.create_task(
        measure.throughput(client, lambda _: workloads.qn("wide", 50), 4, PROFILE_S + 2)
    )
    try:
        await asyncio.sleep(0.5)
        await profile.record(client.stack.gateway_pid, raw, PROFILE_S)
    finally:
        under_load = await load
    return {
        "collapsed_stacks": raw.name,
        "load": under_load,
        **profile.hotspots(raw),
    }


async def warm(stack: procs.Stack) -> dict[str, Any]:
    """Cache on (TTL 60 s): Zipf-popular orders; upstream calls and latency."""
    out: dict[str, Any] = {}
    async with session() as http, null_gateway(stack.sandbox_url) as null:
        client = measure.Client(stack, http)
        numbers = (await order_numbers(client))[:DISTINCT_ORDERS]
        await client.reset_stats()
        picks = workloads.zipf_choices(numbers, WARM_QUERIES)

        def zipf(i: int) -> workloads.Request:
            return workloads.q1("wide", picks[i % len(picks)])

        out["calls"] = await step(
            f"warm upstream calls Q1 wide Zipf x{WARM_QUERIES}",
            measure.upstream_calls(client, null, zipf, WARM_QUERIES),
        )
        out["distinct_orders"] = len(set(picks))
        out["latency"] = await step(
            "warm latency Q1 wide Zipf", measure.latency(client, null, zipf, WARM_QUERIES)
        )
        out["throughput"] = await step(
            "warm throughput Q1 wide Zipf c=16",
            measure.throughput(client, zipf, 16, THROUGHPUT_S),
        )
        out["peak_rss_mb"] = measure.peak_rss_mb(stack)
        out["cache_hit"] = await step("cache hit cost, in process", cache_hit.measure())
        out["transports"] = await step(
            "transport micro-benchmark",
            transports.compare(f"{stack.sandbox_url}/stats", requests=2000, concurrency=16),
        )
    return out


def main() -> int:
    """Run the matrix; write the report, JSON and plots; print where they are."""
    # SIGTERM (e.g. from `timeout`) must still run the finally blocks that kill the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.sched_setaffinity(0, {0})  # the client shares the sandbox's core, not the gateway's
    RESULTS.mkdir(exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="order360-bench-") as tmp:
        progress("starting sandbox (core 0) and gateway (core 1), cache off")
        with procs.stack(Path(tmp) / "cold", cache_ttl_s=0) as stack:
            cold_results = asyncio.run(cold(stack, Path(tmp)))
        progress("restarting the gateway with cache TTL 60 s")
        with procs.stack(Path(tmp) / "warm", cache_ttl_s=60) as stack:
            warm_results = asyncio.run(warm(stack))
    progress("Python calls per request by package, in process (deterministic) ...")
    call_counts = asyncio.run(calls.measure())
    results = {
        "started": started.isoformat(timespec="seconds"),
        "wall_s": round(time.monotonic() - _START, 1),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "setup": {
            "upstream_latency_ms": 20,
            "sandbox_core": 0,
            "gateway_core": 1,
            "client_core": 0,
        },
        "cold": cold_results,
        "warm": warm_results,
        "calls": call_counts,
    }
    stem = RESULTS / started.date().isoformat()
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, stem)
    progress(f"wrote {stem}.md, {stem}.json and plots in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
