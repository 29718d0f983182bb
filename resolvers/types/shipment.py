"""Shipments: OMS fulfilments joined with the carrier's tracking."""

from __future__ import annotations

from datetime import datetime

import strawberry

from sources import OmsFulfillment, SourceError, Tracking
from sources import ShipmentStatus as ShipmentStatusModel
from sources import TrackingEvent as TrackingEventModel

from ..context import Info
from .enums import ShipmentStatus

__all__ = ["Shipment", "TrackingEvent"]


@strawberry.type(description="One carrier scan of a parcel.")
class TrackingEvent:
    """GraphQL face of a carrier scan."""

    at: datetime = strawberry.field(description="When the scan happened (UTC).")
    status: ShipmentStatus = strawberry.field(description="Canonical status of this scan.")
    message: str = strawberry.field(description="The carrier's description of the scan.")
    location: str | None = strawberry.field(description="Where, as City, Region, Country.")

    @classmethod
    def of(cls, event: TrackingEventModel) -> TrackingEvent:
        """Wrap a canonical scan."""
        return cls(at=event.at, status=event.status, message=event.message, location=event.location)


@strawberry.type(description="A parcel of this order: the OMS fulfilment and the carrier's view.")
class Shipment:
    """One fulfilment with one tracking number."""

    fulfillment: strawberry.Private[OmsFulfillment]

    @strawberry.field(description="The carrier's tracking number.")
    def tracking_number(self) -> str:
        """As the OMS recorded it."""
        return self.fulfillment.tracking_number or ""

    @strawberry.field(description="Shipping company, as the OMS names it (FedEx, USPS, UPS).")
    def carrier(self) -> str:
        """The OMS ``tracking_company``."""
        return self.fulfillment.tracking_company or "unknown"

    async def _tracking(self, info: Info) -> Tracking | None:
        # A parcel the carrier does not know yet is no data (None), not a failure.
        ref = (self.carrier(), self.tracking_number())
        tracking = await info.context.loaders.tracking.load(ref)
        info.context.mark_stale(info, "tracking", ref)
        return tracking

    @strawberry.field(
        description="Carrier status when the carrier answers, else what the OMS last knew."
    )
    async def status(self, info: Info) -> ShipmentStatus:
        """The carrier's latest status, falling back to the OMS's last-known one."""
        last_known = self.fulfillment.shipment_status or ShipmentStatusModel.UNKNOWN
        try:
            tracking = await self._tracking(info)
        except SourceError:
            return last_known
        return tracking.status if tracking else last_known

    @strawberry.field(description="The carrier's delivery estimate.")
    async def estimated_delivery(self, info: Info) -> datetime | None:
        """From the carrier; null when it gives none."""
        tracking = await self._tracking(info)
        return tracking.estimated_delivery if tracking else None

    @strawberry.field(description="When the carrier delivered the parcel.")
    async def delivered_at(self, info: Info) -> datetime | None:
        """From the carrier; null until delivered."""
        tracking = await self._tracking(info)
        return tracking.delivered_at if tracking else None

    @strawberry.field(description="Carrier scans, oldest first.")
    async def events(self, info: Info) -> list[TrackingEvent] | None:
        """Every scan the carrier reports."""
        tracking = await self._tracking(info)
        return [TrackingEvent.of(e) for e in tracking.events] if tracking else []
