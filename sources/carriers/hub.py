"""Routes tracking numbers to the carrier API that knows them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from ..call import CallContext
from ..errors import NotFound, SourceError
from ..models import Tracking
from .base import Carrier

__all__ = ["CarrierHub", "TrackingRef"]

TrackingRef = tuple[str, str]
"""(shipping company as the OMS names it, tracking number)."""


class CarrierHub:
    """All carrier integrations behind one call; each carrier is asked once per batch."""

    def __init__(self, carriers: Sequence[Carrier]) -> None:
        self._carriers = list(carriers)

    async def track(
        self, refs: Sequence[TrackingRef], call: CallContext
    ) -> dict[TrackingRef, Tracking | SourceError]:
        """Tracking or a per-parcel error for every ref; one carrier failing spares the others."""
        by_carrier: dict[int, list[TrackingRef]] = defaultdict(list)
        results: dict[TrackingRef, Tracking | SourceError] = {}
        for ref in refs:
            index = next((i for i, c in enumerate(self._carriers) if c.handles(ref[0])), None)
            if index is None:
                results[ref] = NotFound("carrier", f"no integration for {ref[0]!r}")
            else:
                by_carrier[index].append(ref)
        groups = list(by_carrier.items())
        answers = await asyncio.gather(
            *(self._carriers[i].track([n for _, n in group], call) for i, group in groups),
            return_exceptions=True,
        )
        for (_, group), answer in zip(groups, answers, strict=True):
            for ref in group:
                if isinstance(answer, SourceError):
                    results[ref] = answer
                elif isinstance(answer, BaseException):
                    raise answer
                else:
                    found = answer.get(ref[1])
                    results[ref] = found or NotFound("carrier", "unknown tracking number")
        return results
