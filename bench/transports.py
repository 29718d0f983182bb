"""Micro-benchmark: httpx's default transport vs httpx-aiohttp, client side only.

``concurrency`` concurrent GETs to a cheap sandbox endpoint through one
``httpx.AsyncClient`` per transport; the figure is the client's CPU µs per request
(``time.process_time``), plus wall µs per request. The server is the same for both.
Run alone: ``python -m bench.transports http://127.0.0.1:PORT/sandbox/stats``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import httpx

TRANSPORTS = ("httpx-default", "httpx-aiohttp")


def _transport(name: str, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    if name == "httpx-default":
        return httpx.AsyncHTTPTransport(limits=limits)
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(limits=limits)


async def _one(name: str, url: str, requests: int, concurrency: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(transport=_transport(name, limits)) as client:
        for _ in range(concurrency):  # open the connections first
            (await client.get(url)).raise_for_status()
        queue = iter(range(requests))

        async def worker() -> None:
            for _ in queue:
                response = await client.get(url)
                response.raise_for_status()

        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    return {
        "transport": name,
        "requests": requests,
        "concurrency": concurrency,
        "client_cpu_us_per_request": round(cpu / requests * 1e6, 1),
        "wall_us_per_request": round(wall / requests * 1e6, 1),
    }


async def compare(url: str, requests: int = 2000, concurrency: int = 16) -> list[dict[str, Any]]:
    """Both transports, alternated twice; the better of each pair of runs is kept."""
    best: dict[str, dict[str, Any]] = {}
    for _ in range(2):
        for name in TRANSPORTS:
            result = await _one(name, url, requests, concurrency)
            key = "client_cpu_us_per_request"
            if name not in best or result[key] < best[name][key]:
                best[name] = result
    return [best[name] for name in TRANSPORTS]


if __name__ == "__main__":
    for row in asyncio.run(compare(sys.argv[1])):
        print(row)
