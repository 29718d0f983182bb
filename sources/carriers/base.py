"""The capability every carrier integration offers: track parcels by number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..call import CallContext
from ..models import Tracking

__all__ = ["Carrier", "location_text"]


class Carrier(Protocol):
    """One carrier API. ``track`` returns what it found; unknown numbers are absent."""

    name: str

    def handles(self, company: str) -> bool:
        """Whether parcels of this shipping company (``FedEx``, ``USPS``...) are tracked here."""
        ...

    async def track(self, numbers: Sequence[str], call: CallContext) -> dict[str, Tracking]:
        """Tracking by number for as many numbers as the carrier knows."""
        ...


def location_text(*parts: object) -> str | None:
    """``City, Region, Country`` from whatever parts the carrier sent."""
    text = ", ".join(str(p) for p in parts if isinstance(p, str) and p)
    return text or None
