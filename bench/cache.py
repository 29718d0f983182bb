"""Cache benchmark: order 360 latency and upstream reads per query, cache on vs off.

Workload: 200 order-360 queries over 40 orders drawn with a Zipf(1.1) popularity, so a
few orders are hot, as on an agent desktop. Upstream latency is 20 ms per call.
A "miss" is a query whose first read of the order found nothing cached; a "hit" one
whose reads were all served by the cache (the OMS order lookup by number is always
live, so a hit still costs one upstream round trip).

Run: ``./scripts/bench cache`` (writes bench/results/cache-<date>.md and .json).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import random
import time
from pathlib import Path
from typing import Any

from .harness import rig, summary_ms

QUERY = """
query($n: String!) {
  order(number: $n) {
    number status total { amount currency }
    customer { name email loyaltyTier }
    lines { sku quantity }
    erpSalesOrder { documentNumber status }
    invoices { documentNumber kind amount { amount } }
    refunds { amount { amount } erpCreditMemo }
    shipments { trackingNumber status events { at status } }
    cases { number status }
    sections { source state }
  }
}
"""
QUERIES = 200
DISTINCT = 40
LATENCY_MS = 20


def workload(world: Any, seed: int = 7) -> list[str]:
    """Order numbers for each query, Zipf-distributed over ``DISTINCT`` orders."""
    rng = random.Random(seed)
    orders = [o.name for o in world.orders if o.shipments and o.sales_order][:DISTINCT]
    weights = [1 / (rank**1.1) for rank in range(1, len(orders) + 1)]
    return rng.choices(orders, weights=weights, k=QUERIES)


async def run(cache_ttl_s: float) -> dict[str, Any]:
    """One configuration: latencies split by first/repeat read, and reads per query."""
    async with rig(latency_ms=LATENCY_MS, cache_ttl_s=cache_ttl_s) as bench:
        numbers = workload(bench.world)
        await bench.query(QUERY, {"n": numbers[0]})  # warm token fetches and JWKS
        await bench.reset_reads()
        seen: set[str] = set()
        first: list[float] = []
        repeat: list[float] = []
        reads: list[int] = []
        repeat_reads: list[int] = []
        for number in numbers:
            before = await bench.upstream_reads()
            started = time.perf_counter()
            await bench.query(QUERY, {"n": number})
            elapsed = time.perf_counter() - started
            reads.append(await bench.upstream_reads() - before)
            (repeat if number in seen else first).append(elapsed)
            if number in seen:
                repeat_reads.append(reads[-1])
            seen.add(number)
    return {
        "cache_ttl_s": cache_ttl_s,
        "queries": len(numbers),
        "distinct_orders": len(seen),
        "first_read": summary_ms(first),
        "repeat_read": summary_ms(repeat),
        "upstream_reads_per_query": round(sum(reads) / len(reads), 2),
        "upstream_reads_total": sum(reads),
        "upstream_reads_per_repeat_query": round(sum(repeat_reads) / len(repeat_reads), 2),
    }


def report(off: dict[str, Any], on: dict[str, Any]) -> str:
    """Markdown table of both configurations and their ratios."""
    ratio_reads = on["upstream_reads_per_query"] / off["upstream_reads_per_query"]
    ratio_repeat = on["repeat_read"]["p50_ms"] / off["repeat_read"]["p50_ms"]
    rows = [
        "| figure | cache off | cache on (TTL 60 s) |",
        "|---|---|---|",
        f"| upstream reads per query | {off['upstream_reads_per_query']} "
        f"| {on['upstream_reads_per_query']} |",
        f"| upstream reads per repeat query | {off['upstream_reads_per_repeat_query']} "
        f"| {on['upstream_reads_per_repeat_query']} |",
        f"| first read of an order p50 / p90 (ms) | {off['first_read']['p50_ms']} / "
        f"{off['first_read']['p90_ms']} | {on['first_read']['p50_ms']} / "
        f"{on['first_read']['p90_ms']} |",
        f"| repeat read p50 / p90 (ms) | {off['repeat_read']['p50_ms']} / "
        f"{off['repeat_read']['p90_ms']} | {on['repeat_read']['p50_ms']} / "
        f"{on['repeat_read']['p90_ms']} |",
    ]
    return (
        f"# Cache benchmark ({datetime.date.today().isoformat()})\n\n"
        f"{QUERIES} order-360 queries over {DISTINCT} orders (Zipf 1.1), "
        f"{LATENCY_MS} ms per upstream call, in-process ASGI transports.\n\n"
        + "\n".join(rows)
        + f"\n\nReads per query with the cache: {ratio_reads:.0%} of without. "
        f"Repeat-read p50 with the cache: {ratio_repeat:.0%} of without.\n"
    )


async def main() -> None:
    """Run both configurations and write the report."""
    off = await run(cache_ttl_s=0)
    on = await run(cache_ttl_s=60)
    text = report(off, on)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stem = f"cache-{datetime.date.today().isoformat()}"
    (out / f"{stem}.md").write_text(text, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps({"off": off, "on": on}, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
