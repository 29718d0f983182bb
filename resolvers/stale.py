"""What a request served from cache past its TTL, and where in the response it went."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["StaleLog"]


@dataclass
class StaleLog:
    """Per request: stale records by (kind, key), and the response paths that used them."""

    records: dict[tuple[str, Hashable], tuple[str, float]] = field(default_factory=dict)
    paths: list[dict[str, Any]] = field(default_factory=list)

    def note(self, source: str, kind: str, key: Hashable, age_s: float) -> None:
        """A loader served this record stale."""
        self.records[(kind, key)] = (source, age_s)

    def age(self, kind: str, key: Hashable) -> float | None:
        """Age of the stale record, or ``None`` when it was fresh."""
        found = self.records.get((kind, key))
        return found[1] if found else None

    def mark(self, path: list[str | int], kind: str, key: Hashable) -> None:
        """Record that the field at ``path`` shows the stale record (kind, key)."""
        found = self.records.get((kind, key))
        if found is not None:
            source, age = found
            self.paths.append({"path": path, "source": source, "ageSeconds": round(age, 3)})
