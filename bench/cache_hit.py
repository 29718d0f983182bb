"""Cost of a cache hit, in process: ``CachedRead`` alone and through a request's dataloader.

A hit is a record served from the gateway's read cache instead of an upstream call.
Two figures: the cache's own work per key (``CachedRead.load_many`` over a warm batch
of 50 keys, as a page of orders asks), and one key through the whole per-request path
(``DataLoader.load`` → batch function → ``CachedRead`` → value), event-loop turn included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from resolvers.loaders import LoaderKit, _loader
from resolvers.stale import StaleLog
from sources import SOURCE_NAMES, CachedRead, CachePolicy, MemoryReadCache

ROUNDS = 2000
BATCH = 50


async def _fetch(keys: list[str]) -> Mapping[str, Any]:
    return {key: {"document": key, "amount": "12.30"} for key in keys}


async def measure(repeats: int = 7) -> dict[str, float]:
    """Microseconds per hit, the best of ``repeats`` runs (as ``timeit`` advises: on a
    shared machine the minimum is the run least disturbed by others)."""
    runs = [await _measure_once() for _ in range(repeats)]
    return {name: min(run[name] for run in runs) for name in runs[0]}


async def _measure_once() -> dict[str, float]:
    """Microseconds per hit: batch of 50 (per key) and one key through a dataloader."""
    policy = CachePolicy(ttl_s=3600, max_stale_s=3600)
    cache = CachedRead(MemoryReadCache(), dict.fromkeys(SOURCE_NAMES, policy))
    keys = [f"SO-{i}" for i in range(BATCH)]
    await cache.load_many("tenant", "erp", "sales_order", keys, _fetch)  # warm

    t0 = time.process_time()
    for _ in range(ROUNDS):
        served = await cache.load_many("tenant", "erp", "sales_order", keys, _fetch)
    batch_us = (time.process_time() - t0) / (ROUNDS * BATCH) * 1e6
    assert all(not isinstance(s, Exception) for s in served.values())

    # A new loader per round, as a new request has: aiodataloader's own memo is empty.
    kit = LoaderKit(cache=cache, partition="tenant", stale=StaleLog())
    loaders = [_loader(kit, "erp", "sales_order", _fetch, lambda key: None) for _ in range(ROUNDS)]
    t0 = time.process_time()
    for i, loader in enumerate(loaders):
        await loader.load(keys[i % BATCH])
    loader_us = (time.process_time() - t0) / ROUNDS * 1e6
    return {"cache_per_key_us": round(batch_us, 2), "loader_one_key_us": round(loader_us, 2)}


if __name__ == "__main__":
    print(asyncio.run(measure()))
