"""Markdown report and matplotlib plots from the results of ``bench.full``.

Re-render from a saved run: ``python -m bench.report bench/results/<date>.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .workloads import PAGE_SIZES

SHAPES = ("narrow", "wide")


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares intercept and slope."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return my - slope * mx, slope


def cpu_by_n(cold: dict[str, Any], shape: str) -> list[float]:
    """Gateway CPU ms per request at each page size."""
    return [cold["latency"][f"Q{n} {shape}"]["gateway_cpu_ms_per_request"] for n in PAGE_SIZES]


def overhead(cell: dict[str, Any]) -> dict[str, float]:
    """Overhead quantiles of the paired differences (gateway minus the null gateway run
    right after it), which a single slow T_crit sample cannot turn negative."""
    o = cell["overhead_ms"]
    if "paired_p99" in o:
        return {"p50": o["paired_p50"], "p99": o["paired_p99"]}
    return {"p50": o["p50"], "p99": o["p99"]}


def targets(r: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(target, threshold, measured, met) rows."""
    cold, warm = r["cold"], r["warm"]
    q1 = overhead(cold["latency"]["Q1 wide"])
    best = max(cold["throughput"].values(), key=lambda t: t["req_per_s"])
    per_cpu = cold["throughput"]["Q1 wide c=16"]["requests_per_gateway_cpu_s"] or 0.0
    q50n = overhead(cold["latency"]["Q50 narrow"])["p50"]
    q50w = overhead(cold["latency"]["Q50 wide"])["p50"]
    ratios = {s: cpu_by_n(cold, s)[-1] / cpu_by_n(cold, s)[PAGE_SIZES.index(50)] for s in SHAPES}
    cold_calls = cold["calls"]["Q1 wide"]["gateway_per_query"]
    warm_calls = warm["calls"]["gateway_per_query"]
    rss = max(cold["peak_rss_mb"], warm["peak_rss_mb"])
    q1_rps = max(
        (t for k, t in cold["throughput"].items() if k.startswith("Q1")),
        key=lambda t: t["req_per_s"],
    )
    extra: list[tuple[str, str, str, bool]] = []
    per_field = per_field_us(cold)
    if per_field is not None:
        fields = cold["fields_per_order"]
        extra.append(
            (
                "per-field execution cost (Q50 wide minus narrow CPU / field gap)",
                "≤ 10 µs",
                f"{per_field:.1f} µs ({fields['wide']} vs {fields['narrow']} fields per order)",
                per_field <= 10,
            )
        )
    hit = warm.get("cache_hit")
    if hit is not None:
        extra.append(
            (
                "cache hit cost (one key through a request's dataloader)",
                "≤ 50 µs",
                f"{hit['loader_one_key_us']} µs ({hit['cache_per_key_us']} µs per key in "
                f"the cache itself); hit ratio {1 - warm_calls / cold_calls:.0%} of reads",
                hit["loader_one_key_us"] <= 50,
            )
        )
    return [
        ("Q1 overhead p50, c=1", "≤ 2 ms", f"{q1['p50']} ms", q1["p50"] <= 2),
        ("Q1 overhead p99, c=1", "≤ 5 ms", f"{q1['p99']} ms", q1["p99"] <= 5),
        (
            "throughput per core (Q1 wide, best c)",
            "≥ 400 req/s",
            f"{q1_rps['req_per_s']} req/s at c={q1_rps['concurrency']} "
            f"(gateway core {q1_rps['gateway_cpu_share']:.0%} busy)",
            q1_rps["req_per_s"] >= 400,
        ),
        (
            "requests per gateway CPU-second (Q1 wide, c=16)",
            "≥ 400",
            f"{per_cpu}",
            per_cpu >= 400,
        ),
        ("Q50 narrow overhead p50", "≤ 8 ms", f"{q50n} ms", q50n <= 8),
        ("Q50 wide overhead p50", "≤ 20 ms", f"{q50w} ms", q50w <= 20),
        (
            "CPU(200)/CPU(50)",
            "≤ 4.2",
            f"narrow {ratios['narrow']:.2f}, wide {ratios['wide']:.2f}",
            max(ratios.values()) <= 4.2,
        ),
        (
            "warm upstream calls per query vs cold (Q1 wide, Zipf)",
            "≤ 40 %",
            f"{warm_calls} vs {cold_calls} = {warm_calls / cold_calls:.0%}",
            warm_calls / cold_calls <= 0.4,
        ),
        ("gateway peak RSS", "≤ 150 MB", f"{rss} MB", rss <= 150),
        *extra,
        ("(best throughput of any cell)", "", f"{best['req_per_s']} req/s", True),
    ][:-1]


def per_field_us(cold: dict[str, Any]) -> float | None:
    """Per-field CPU: Q50 wide minus Q50 narrow (the same 50 orders), over the field gap."""
    fields = cold.get("fields_per_order")
    if not fields:
        return None
    cpu = {s: cold["latency"][f"Q50 {s}"]["gateway_cpu_ms_per_request"] for s in SHAPES}
    gap = (fields["wide"] - fields["narrow"]) * 50
    return (cpu["wide"] - cpu["narrow"]) / gap * 1000 if gap > 0 else None


def plots(r: dict[str, Any], stem: Path) -> list[str]:
    """Write the PNGs next to the report; their file names."""
    cold = r["cold"]
    names: list[str] = []

    def save(fig: Any, suffix: str) -> None:
        path = stem.parent / f"{stem.name}-{suffix}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        names.append(path.name)

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for shape, style in zip(SHAPES, ("o-", "s-"), strict=True):
        cells = [cold["latency"][f"Q{n} {shape}"] for n in PAGE_SIZES]
        ax.plot(PAGE_SIZES, [c["gateway_ms"]["p50"] for c in cells], style, label=f"{shape} p50")
        ax.plot(
            PAGE_SIZES,
            [c["gateway_ms"]["p99"] for c in cells],
            style,
            alpha=0.35,
            label=f"{shape} p99",
        )
    ax.plot(
        PAGE_SIZES,
        [cold["latency"][f"Q{n} narrow"]["null_ms"]["p50"] for n in PAGE_SIZES],
        "k--",
        label="null gateway (T_crit) p50",
    )
    ax.set(
        xscale="log",
        xlabel="orders per page (N)",
        ylabel="latency (ms)",
        title="Latency vs page size, cache off, c=1",
    )
    ax.legend()
    save(fig, "latency-vs-page")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    rows = [t for k, t in cold["throughput"].items() if k.startswith("Q1 wide")]
    cs = [t["concurrency"] for t in rows]
    ax.plot(cs, [t["req_per_s"] for t in rows], "o-", label="Q1 wide req/s")
    ax.axhline(400, color="r", linestyle=":", label="target 400 req/s")
    ax2 = ax.twinx()
    ax2.plot(cs, [t["gateway_cpu_share"] * 100 for t in rows], "g^--", label="gateway CPU %")
    ax2.set_ylabel("gateway core busy (%)")
    ax.set(
        xscale="log",
        xlabel="concurrency",
        ylabel="requests/s",
        title="Throughput vs concurrency (cache off)",
    )
    ax.set_xticks(cs, [str(c) for c in cs])
    ax.legend(loc="center left")
    ax2.legend(loc="center right")
    save(fig, "throughput")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for shape in SHAPES:
        calls = [cold["calls"][f"Q{n} {shape}"] for n in PAGE_SIZES]
        ax.plot(PAGE_SIZES, [c["gateway_per_query"] for c in calls], "o-", label=f"gateway {shape}")
    ax.plot(
        PAGE_SIZES,
        [cold["calls"][f"Q{n} wide"]["null_per_query"] for n in PAGE_SIZES],
        "k--",
        label="null gateway (minimum)",
    )
    warm = r["warm"]["calls"]
    ax.scatter(
        [1],
        [warm["gateway_per_query"]],
        marker="*",
        s=150,
        c="r",
        label="Q1 wide, warm cache (Zipf)",
    )
    ax.set(
        xscale="log",
        xlabel="orders per page (N)",
        ylabel="upstream calls per query",
        title="Upstream calls per query",
    )
    ax.legend()
    save(fig, "upstream-calls")

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for shape in SHAPES:
        ys = cpu_by_n(cold, shape)
        a, b = fit([float(n) for n in PAGE_SIZES], ys)
        ax.plot(PAGE_SIZES, ys, "o", label=f"{shape} measured")
        ax.plot(
            PAGE_SIZES,
            [a + b * n for n in PAGE_SIZES],
            "--",
            label=f"{shape} fit {a:.1f} + {b:.2f}·N ms",
        )
    ax.set(
        xlabel="orders per page (N)",
        ylabel="gateway CPU ms per request",
        title="Gateway CPU per request vs page size",
    )
    ax.legend()
    save(fig, "cpu-per-request")
    return names


def _latency_rows(cold: dict[str, Any]) -> list[str]:
    rows = [
        "| workload | gateway p50 / p99 (ms) | T_crit p50 / p99 (ms) "
        "| overhead p50 / p99 (ms, paired) "
        "| gateway CPU ms/req | client CPU ms/req | upstream calls (gateway / min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, cell in cold["latency"].items():
        calls = cold["calls"].get(name, {})
        rows.append(
            f"| {name} | {cell['gateway_ms']['p50']} / {cell['gateway_ms']['p99']} "
            f"| {cell['null_ms']['p50']} / {cell['null_ms']['p99']} "
            f"| {overhead(cell)['p50']} / {overhead(cell)['p99']} "
            f"| {cell['gateway_cpu_ms_per_request']} | {cell['client_cpu_ms_per_request']} "
            f"| {calls.get('gateway_per_query', '-')} / {calls.get('null_per_query', '-')} |"
        )
    return rows


def _throughput_rows(cells: dict[str, Any]) -> list[str]:
    rows = [
        "| cell | req/s | p50 / p99 (ms) | gateway core busy | sandbox core busy "
        "| client CPU share | req per gateway CPU-s | client CPU ms/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, t in cells.items():
        rows.append(
            f"| {name} | {t['req_per_s']} | {t['latency_ms']['p50']} / {t['latency_ms']['p99']} "
            f"| {t['gateway_cpu_share']:.0%} | {t['sandbox_cpu_share']:.0%} "
            f"| {t['client_cpu_share']:.0%} | {t['requests_per_gateway_cpu_s']} "
            f"| {t['client_cpu_ms_per_request']} |"
        )
    return rows


def _call_rows(counts: dict[str, Any]) -> list[str]:
    """Python calls per request by package, and per answered field."""
    names = list(counts["workloads"])
    groups = sorted(
        {g for w in counts["workloads"].values() for g in w["by_group"]},
        key=lambda g: -counts["workloads"][names[-1]]["by_group"].get(g, 0),
    )
    per_field = counts["per_field"]
    rows = [
        "## Where the Python calls go (deterministic)",
        "",
        "Python function calls (and coroutine resumptions) the gateway makes for one "
        "request, counted by a profile hook with the sandbox in another thread "
        "(`bench/calls.py`; the CI guard in `tests/fast_path` counts the same way). Unlike "
        "times, these do not move with the machine's load. Per field = (Q50 wide - Q50 "
        f"narrow) / {per_field['fields_gap']:.0f} more answered fields. The in-process "
        f"client and Starlette account for about {counts.get('client_floor', '?')} calls of "
        "each request (a `GET /healthz` through the same client).",
        "",
        "| package | " + " | ".join(names) + " | per field |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for group in groups:
        cells = [str(counts["workloads"][n]["by_group"].get(group, 0)) for n in names]
        rows.append(f"| {group} | " + " | ".join(cells) + f" | {per_field['by_group'][group]} |")
    totals = [str(counts["workloads"][n]["total"]) for n in names]
    rows.append("| **total** | " + " | ".join(totals) + f" | {per_field['total']} |")
    scaling = counts.get("scaling_200_over_50")
    fields = counts.get("fields_200_over_50")
    if scaling and fields:
        rows += [
            "",
            f"Calls(200 orders) / calls(50 orders): narrow {scaling['narrow']}, wide "
            f"{scaling['wide']}. Answered fields, 200 / 50: narrow {fields['narrow']}, wide "
            f"{fields['wide']} (older orders carry more parcels, scans and refunds), so per "
            f"answered field the ratio is narrow {scaling['narrow'] / fields['narrow'] * 4:.2f}"
            f" and wide {scaling['wide'] / fields['wide'] * 4:.2f} of linear (4).",
        ]
    return [*rows, ""]


def markdown(r: dict[str, Any], images: list[str], notes: str = "") -> str:
    """The whole report."""
    cold, warm = r["cold"], r["warm"]
    fits = {s: fit([float(n) for n in PAGE_SIZES], cpu_by_n(cold, s)) for s in SHAPES}
    lines = [
        f"# Order360 benchmark, {r['started'][:10]}",
        "",
        "Produced by `./scripts/bench full` (bench/full.py) in "
        f"{r['wall_s']} s. Sandbox (`order360 sandbox --latency-ms 20`) pinned to core 0, gateway "
        "(`order360 serve`, SQLite journal, rate limit and cost limit raised) pinned to core 1, "
        "the asyncio load client (aiohttp) on core 0 beside the sandbox. Every workload is "
        "first checked: HTTP 200, no `errors`, the expected number of orders, every section OK. "
        "T_crit is the null gateway (bench/null_gateway.py): the same source clients replaying "
        "the ideal call graph (OMS, then CRM contacts, CRM cases, ERP sales orders, ERP "
        "billing and carrier tracking at once), alternated request by request with the "
        "gateway. Overhead = the quantile of the paired differences (each gateway request "
        "minus the null-gateway request right after it). Machine-readable figures: "
        f"`{r['started'][:10]}.json`.",
        "",
        "## Targets",
        "",
        "| target | threshold | measured | met |",
        "|---|---|---|---|",
        *[f"| {t} | {th} | {m} | {'yes' if ok else '**no**'} |" for t, th, m, ok in targets(r)],
        "",
        "## Latency at c=1, cache off",
        "",
        *_latency_rows(cold),
        "",
        "Per-order CPU cost (least squares over N): "
        + "; ".join(f"{s} {a:.1f} ms + {b:.2f} ms * N" for s, (a, b) in fits.items())
        + ".",
        "",
        "## Throughput (closed loop, 8 s per cell)",
        "",
        *_throughput_rows(cold["throughput"]),
        f"| warm Q1 wide Zipf c=16 | {warm['throughput']['req_per_s']} | "
        f"{warm['throughput']['latency_ms']['p50']} / {warm['throughput']['latency_ms']['p99']} "
        f"| {warm['throughput']['gateway_cpu_share']:.0%} "
        f"| {warm['throughput']['sandbox_cpu_share']:.0%} "
        f"| {warm['throughput']['client_cpu_share']:.0%} "
        f"| {warm['throughput']['requests_per_gateway_cpu_s']} "
        f"| {warm['throughput']['client_cpu_ms_per_request']} |",
        "",
        "## Upstream calls",
        "",
        "The sandbox counts requests by route template without query strings, so duplicates "
        "are counted as the gateway's reads per route beyond the null gateway's reads for the "
        "same query (the minimum, with the same batching and chunking). OAuth token calls are "
        "excluded.",
        "",
        "| workload | calls per query (gateway) | minimum | duplicates per query |",
        "|---|---|---|---|",
        *[
            f"| {name} | {c['gateway_per_query']} | {c['null_per_query']} "
            f"| {c['duplicates_per_query']} |"
            for name, c in cold["calls"].items()
        ],
        f"| warm Q1 wide, Zipf over {warm['distinct_orders']} orders, "
        f"{warm['calls']['queries']} queries | {warm['calls']['gateway_per_query']} "
        f"| {warm['calls']['null_per_query']} (cold minimum) | - |",
        "",
        f"Warm Q1 wide latency at c=1: p50 {warm['latency']['gateway_ms']['p50']} ms vs "
        f"T_crit (uncached) {warm['latency']['null_ms']['p50']} ms. Peak RSS (VmHWM): cold "
        f"{cold['peak_rss_mb']} MB, warm {warm['peak_rss_mb']} MB.",
        "",
    ]
    if "calls" in r:
        lines += _call_rows(r["calls"])
    prof = cold.get("profile", {})
    if "self" in prof:
        lines += [
            "## Profile: Q50 wide, c=4, py-spy",
            "",
            f"{prof['samples']} samples of the gateway process at 200 Hz "
            f"({prof['load']['req_per_s']} req/s while sampled); collapsed stacks in "
            f"`{prof['collapsed_stacks']}` (load into speedscope or flamegraph.pl).",
            "",
            "| self time: function | share |",
            "|---|---|",
            *[f"| `{h['function']}` | {h['share']:.1%} |" for h in prof["self"]],
            "",
            "| self time by package | share |",
            "|---|---|",
            *[f"| `{h['function']}` | {h['share']:.1%} |" for h in prof["self_by_package"]],
            "",
            "| inclusive: function | share |",
            "|---|---|",
            *[f"| `{h['function']}` | {h['share']:.1%} |" for h in prof["inclusive"]],
            "",
        ]
    if warm.get("transports"):
        lines += [
            "## httpx transports (client side, bench/transports.py)",
            "",
            "GETs of `/sandbox/stats` at c=16 through one `httpx.AsyncClient` per transport.",
            "",
            "| transport | client CPU µs/request | wall µs/request |",
            "|---|---|---|",
            *[
                f"| {t['transport']} | {t['client_cpu_us_per_request']} "
                f"| {t['wall_us_per_request']} |"
                for t in warm["transports"]
            ],
            "",
        ]
    lines += ["## Plots", "", *[f"![{name}]({name})" for name in images], ""]
    if notes:
        lines += [notes, ""]
    return "\n".join(lines)


def write(results: dict[str, Any], stem: Path) -> Path:
    """Plots and ``<stem>.md``; findings from ``<stem>-findings.md`` are appended if present."""
    images = plots(results, stem)
    findings = stem.parent / f"{stem.name}-findings.md"
    notes = findings.read_text() if findings.exists() else ""
    path = stem.with_suffix(".md")
    path.write_text(markdown(results, images, notes))
    return path


if __name__ == "__main__":
    source = Path(sys.argv[1])
    print(write(json.loads(source.read_text()), source.with_suffix("")))
