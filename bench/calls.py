"""Where a request's Python calls go, by package: a deterministic breakdown.

Counts every Python function call (and coroutine resumption) the gateway makes for one
request of Q1 wide and of pages of 50 and 200 orders, narrow and wide
(``bench.inprocess``: the sandbox runs in another thread and is not counted), grouped by
the package of the called code. The difference between the two Q50 shapes, divided by
the difference in answered fields, is the per-field cost in calls and where it lands.
The in-process client's own share is about ``client_floor``: the calls of a
``GET /healthz`` through the same client and Starlette. ``python -m bench.calls`` prints it.
"""

from __future__ import annotations

import asyncio
import datetime
from collections import Counter
from typing import Any

import httpx

from sandbox import SandboxConfig, create_standalone_app, generate_signing_key, issue_token

from .inprocess import ISSUER, CallCounter, gateway_over_loopback, sandbox_in_thread
from .workloads import fields_per_order, one_order, page

GROUPS = (
    ("graphql-core", ("/graphql/",)),
    ("strawberry", ("/strawberry/",)),
    ("asyncio", ("/asyncio/",)),
    ("httpx", ("/httpx/", "/httpx_aiohttp/", "/httpcore/")),
    ("aiohttp", ("/aiohttp/", "/yarl/", "/multidict/", "/aiohappyeyeballs/")),
    ("authlib", ("/authlib/",)),
    ("starlette", ("/starlette/",)),
    ("aiodataloader", ("/aiodataloader/",)),
    ("order360 gateway", ("/gateway/",)),
    ("order360 resolvers", ("/resolvers/",)),
    ("order360 sources", ("/sources/",)),
)


def _group(filename: str) -> str:
    for name, markers in GROUPS:
        if any(marker in filename for marker in markers):
            return name
    return "other (stdlib, client)"


def groups(counter: CallCounter) -> Counter[str]:
    """The counter's calls by package group."""
    out: Counter[str] = Counter()
    for filename, calls in counter.files.items():
        out[_group(filename)] += calls
    return out


async def _one(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json=body, headers=headers)
    answer = response.json()
    if response.status_code != 200 or "errors" in answer:
        raise AssertionError(f"bad answer: {str(answer)[:300]}")
    return answer


async def measure(runs: int = 3) -> dict[str, Any]:
    """Calls per request by group (the run with the fewest calls), and per field."""
    key = generate_signing_key()
    config = SandboxConfig(seed=360, anchor=datetime.date(2026, 6, 1), signing_key=key)
    token = issue_token(
        key, issuer=ISSUER, subject="bench", scope="orders:read pii:read cases:read"
    )
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {"workloads": {}}
    with sandbox_in_thread(create_standalone_app(config)) as sandbox:
        async with gateway_over_loopback(sandbox) as client:
            listed = await _one(
                client, headers, {"query": page("wide"), "variables": {"first": 50}}
            )
            number = listed["data"]["orders"]["edges"][0]["node"]["number"]
            bodies = {
                "Q1 wide": {"query": one_order("wide"), "variables": {"n": number}},
                "Q50 narrow": {"query": page("narrow"), "variables": {"first": 50}},
                "Q50 wide": {"query": page("wide"), "variables": {"first": 50}},
                "Q200 narrow": {"query": page("narrow"), "variables": {"first": 200}},
                "Q200 wide": {"query": page("wide"), "variables": {"first": 200}},
            }
            floor = CallCounter()
            await client.get("/healthz")
            with floor.counting():
                await client.get("/healthz")
            out["client_floor"] = floor.calls
            fields: dict[str, float] = {}
            for name, body in bodies.items():
                answer = await _one(client, headers, body)  # warms the document caches
                if name.startswith(("Q50", "Q200")):
                    size = int(name.split()[0][1:])
                    fields[name] = fields_per_order(answer) * size
                best: CallCounter | None = None
                for _ in range(runs):
                    counter = CallCounter()
                    with counter.counting():
                        await _one(client, headers, body)
                    if best is None or counter.calls < best.calls:
                        best = counter
                assert best is not None
                by_group = groups(best)
                out["workloads"][name] = {"total": best.calls, "by_group": dict(by_group)}
    wide, narrow = out["workloads"]["Q50 wide"], out["workloads"]["Q50 narrow"]
    gap = fields["Q50 wide"] - fields["Q50 narrow"]
    names = set(wide["by_group"]) | set(narrow["by_group"])
    totals = {name: w["total"] for name, w in out["workloads"].items()}
    out["scaling_200_over_50"] = {
        shape: round(totals[f"Q200 {shape}"] / totals[f"Q50 {shape}"], 2)
        for shape in ("narrow", "wide")
    }
    out["fields_200_over_50"] = {
        shape: round(fields[f"Q200 {shape}"] / fields[f"Q50 {shape}"], 2)
        for shape in ("narrow", "wide")
    }
    out["per_field"] = {
        "fields_gap": gap,
        "total": round((wide["total"] - narrow["total"]) / gap, 1),
        "by_group": {
            g: round((wide["by_group"].get(g, 0) - narrow["by_group"].get(g, 0)) / gap, 2)
            for g in sorted(names)
        },
    }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(measure()), indent=2))
