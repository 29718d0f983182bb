"""EasyPost trackers: ``GET /v2/trackers?tracking_codes[]=...`` for USPS, UPS and others.

Tracking codes are recycled by carriers; EasyPost lists the newest tracker first, and
that is the one kept for a code. ``tracking_details`` arrive oldest first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from ..batching import unique
from ..call import CallContext
from ..errors import SourceBadResponse
from ..http import Upstream
from ..isotime import iso_timestamp
from ..models import ShipmentStatus, Tracking, TrackingEvent
from .base import location_text

__all__ = ["STATUS", "EasyPostCarrier", "tracking_from_tracker"]

STATUS = {
    "pre_transit": ShipmentStatus.PRE_TRANSIT,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "delivered": ShipmentStatus.DELIVERED,
    "return_to_sender": ShipmentStatus.RETURNED,
    "failure": ShipmentStatus.EXCEPTION,
    "error": ShipmentStatus.EXCEPTION,
    "cancelled": ShipmentStatus.CANCELLED,
    "unknown": ShipmentStatus.UNKNOWN,
}
PAGE_SIZE = 100
_CARRIERS = ("usps", "ups", "dhl", "dhlexpress", "canadapost", "ontrac", "lasership")


def tracking_from_tracker(tracker: dict[str, Any]) -> Tracking:
    """One ``Tracker`` object → ``Tracking``."""
    if tracker.get("object") != "Tracker":
        raise SourceBadResponse("carrier", "EasyPost object is not a Tracker")
    events = []
    delivered_at = None
    for detail in tracker.get("tracking_details") or []:
        where = detail.get("tracking_location") or {}
        raw = str(detail.get("status") or "unknown")
        status = STATUS.get(raw, ShipmentStatus.UNKNOWN)
        at = iso_timestamp(detail.get("datetime"), "carrier")
        if status is ShipmentStatus.DELIVERED:
            delivered_at = at
        events.append(
            TrackingEvent(
                at=at,
                status=status,
                message=str(detail.get("message") or detail.get("description") or ""),
                location=location_text(where.get("city"), where.get("state"), where.get("country")),
                raw_code=f"{raw}/{detail.get('status_detail') or ''}",
            )
        )
    estimate = tracker.get("est_delivery_date")
    return Tracking(
        carrier=str(tracker.get("carrier") or ""),
        tracking_number=str(tracker.get("tracking_code")),
        status=STATUS.get(str(tracker.get("status")), ShipmentStatus.UNKNOWN),
        estimated_delivery=iso_timestamp(estimate, "carrier") if estimate else None,
        delivered_at=delivered_at,
        events=tuple(events),
    )


class EasyPostCarrier:
    """Parcels of the carriers EasyPost tracks for us."""

    name = "EasyPost"

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    def handles(self, company: str) -> bool:
        """USPS, UPS, DHL and the other carriers reached through EasyPost."""
        return company.strip().lower().replace(" ", "") in _CARRIERS

    async def track(self, numbers: Sequence[str], call: CallContext) -> dict[str, Tracking]:
        """Trackers for every code, 100 codes per listing call."""
        keys = unique(numbers)
        chunks = [keys[i : i + PAGE_SIZE] for i in range(0, len(keys), PAGE_SIZE)]
        results = await asyncio.gather(*(self._list(chunk, call) for chunk in chunks))
        return {code: tracking for found in results for code, tracking in found.items()}

    async def _list(self, codes: list[str], call: CallContext) -> dict[str, Tracking]:
        params = httpx.QueryParams([("tracking_codes[]", code) for code in codes])
        params = params.add("page_size", PAGE_SIZE)
        found: dict[str, Tracking] = {}
        before_id: str | None = None
        while True:
            page_params = params.set("before_id", before_id) if before_id else params
            payload = await self._upstream.get_json("/v2/trackers", call, params=page_params)
            trackers = payload.get("trackers") if isinstance(payload, dict) else None
            if not isinstance(trackers, list):
                raise SourceBadResponse("carrier", "EasyPost answer without trackers")
            for tracker in trackers:
                tracking = tracking_from_tracker(tracker)
                # Newest tracker first: keep the first one seen for a recycled code.
                found.setdefault(tracking.tracking_number, tracking)
            if not payload.get("has_more") or not trackers:
                return found
            before_id = str(trackers[-1].get("id"))
