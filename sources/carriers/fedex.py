"""FedEx Track API: ``POST /track/v1/trackingnumbers``, up to 30 numbers per call.

A bad number does not fail the request: its ``trackResults[].error`` sits inside a
200, so it is simply left out of the result (the caller sees it as not found).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..batching import unique
from ..call import CallContext
from ..errors import SourceBadResponse
from ..http import Upstream
from ..isotime import iso_timestamp
from ..models import ShipmentStatus, Tracking, TrackingEvent
from .base import location_text

__all__ = ["DERIVED_STATUS", "FedExCarrier", "tracking_from_result"]

DERIVED_STATUS = {
    "OC": ShipmentStatus.PRE_TRANSIT,
    "PU": ShipmentStatus.IN_TRANSIT,
    "IT": ShipmentStatus.IN_TRANSIT,
    "AR": ShipmentStatus.IN_TRANSIT,
    "DP": ShipmentStatus.IN_TRANSIT,
    "OD": ShipmentStatus.OUT_FOR_DELIVERY,
    "DL": ShipmentStatus.DELIVERED,
    "DE": ShipmentStatus.EXCEPTION,
    "SE": ShipmentStatus.EXCEPTION,
    "CD": ShipmentStatus.EXCEPTION,
    "HL": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "RS": ShipmentStatus.RETURNED,
    "CA": ShipmentStatus.CANCELLED,
}
MAX_PER_CALL = 30


def _dated(result: dict[str, Any], kind: str) -> datetime | None:
    for entry in result.get("dateAndTimes") or []:
        if entry.get("type") == kind and entry.get("dateTime"):
            return iso_timestamp(entry["dateTime"], "carrier")
    return None


def tracking_from_result(number: str, result: dict[str, Any]) -> Tracking:
    """One ``trackResults[]`` entry → ``Tracking``."""
    latest = result.get("latestStatusDetail") or {}
    events = []
    for scan in reversed(result.get("scanEvents") or []):  # FedEx sends newest first
        where = scan.get("scanLocation") or {}
        code = str(scan.get("derivedStatusCode") or scan.get("eventType") or "")
        events.append(
            TrackingEvent(
                at=iso_timestamp(scan.get("date"), "carrier"),
                status=DERIVED_STATUS.get(code, ShipmentStatus.UNKNOWN),
                message=str(scan.get("eventDescription") or scan.get("derivedStatus") or ""),
                location=location_text(
                    where.get("city"), where.get("stateOrProvinceCode"), where.get("countryCode")
                ),
                raw_code=code,
            )
        )
    code = str(latest.get("derivedCode") or latest.get("code") or "")
    return Tracking(
        carrier="FedEx",
        tracking_number=number,
        status=DERIVED_STATUS.get(code, ShipmentStatus.UNKNOWN),
        estimated_delivery=_dated(result, "ESTIMATED_DELIVERY"),
        delivered_at=_dated(result, "ACTUAL_DELIVERY"),
        events=tuple(events),
    )


class FedExCarrier:
    """FedEx parcels, tracked 30 at a time."""

    name = "FedEx"

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    def handles(self, company: str) -> bool:
        """FedEx parcels only."""
        return company.strip().lower() == "fedex"

    async def track(self, numbers: Sequence[str], call: CallContext) -> dict[str, Tracking]:
        """Track every number, in calls of at most 30."""
        keys = unique(numbers)
        size = min(MAX_PER_CALL, self._upstream.policy.batch_limit)
        chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
        results = await asyncio.gather(*(self._track_chunk(chunk, call) for chunk in chunks))
        return {number: tracking for found in results for number, tracking in found.items()}

    async def _track_chunk(self, numbers: list[str], call: CallContext) -> dict[str, Tracking]:
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
        }
        payload = await self._upstream.post_json(
            "/track/v1/trackingnumbers", call, body=body, headers={"X-locale": "en_US"}, safe=True
        )
        try:
            complete = payload["output"]["completeTrackResults"]
            found: dict[str, Tracking] = {}
            for entry in complete:
                number = str(entry.get("trackingNumber"))
                for result in entry.get("trackResults") or []:
                    if "error" not in result and number in numbers:
                        found[number] = tracking_from_result(number, result)
                        break
        except (KeyError, TypeError, AttributeError) as exc:
            raise SourceBadResponse("carrier", "unexpected FedEx track payload") from exc
        return found
