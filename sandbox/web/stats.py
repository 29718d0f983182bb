"""Request counters per simulated system, as served by `GET /sandbox/stats`."""

from __future__ import annotations

from collections import Counter
from typing import Literal

SYSTEMS: tuple[str, ...] = ("erp", "oms", "crm", "carrier")
Kind = Literal["read", "write", "auth"]


class Stats:
    """Counts requests by system and route template ("GET /oms/admin/api/2024-01/orders.json").

    OAuth token calls (`kind="auth"`) appear per route but count as neither
    reads nor writes, so benchmarks can assert on upstream data calls alone.
    """

    def __init__(self) -> None:
        self._reads: Counter[str] = Counter()
        self._writes: Counter[str] = Counter()
        self._routes: dict[str, Counter[str]] = {system: Counter() for system in SYSTEMS}

    def record(self, system: str, route: str, kind: Kind) -> None:
        self._routes[system][route] += 1
        if kind == "read":
            self._reads[system] += 1
        elif kind == "write":
            self._writes[system] += 1

    def reset(self) -> None:
        self._reads.clear()
        self._writes.clear()
        for counter in self._routes.values():
            counter.clear()

    def snapshot(self) -> dict[str, dict[str, object]]:
        return {
            system: {
                "reads": self._reads[system],
                "writes": self._writes[system],
                "by_route": dict(sorted(self._routes[system].items())),
            }
            for system in SYSTEMS
        }
