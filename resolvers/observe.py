"""What the governed processes and the order views report, for business metrics.

Resolvers know nothing of Prometheus: they tell a ``BusinessObserver`` when a workflow
moves, when a held refund is decided and which discrepancies an order view found; the
gateway passes in one that counts (``gateway.metrics``). This base ignores everything.

Arguments are bounded by construction: workflow kinds and statuses are enums, decisions
and discrepancy kinds are named in code. Never an order number, a workflow id or a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

__all__ = ["BusinessObserver", "Decision"]

Decision = Literal["approved", "rejected"]


class BusinessObserver:
    """Hears business outcomes; this base ignores everything."""

    def workflow_moved(self, kind: str, status: str, requested_at: float) -> None:
        """A workflow of ``kind`` reached ``status`` (an attempt's end, or an operator's
        decision); ``requested_at`` is when it was requested (epoch seconds)."""

    def approval_decided(self, kind: str, decision: Decision, requested_at: float) -> None:
        """A supervisor decided a held request that was made at ``requested_at``."""

    def discrepancies_found(self, kinds: Sequence[str]) -> None:
        """An order view found these discrepancies (one entry per finding)."""


NO_OBSERVER = BusinessObserver()
"""The default: a gateway without metrics, tests, tools."""
