"""Shipments: OMS fulfilments joined with the carrier's tracking."""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import strawberry

from sources import OmsFulfillment, SourceError, Tracking
from sources import ShipmentStatus as ShipmentStatusModel
from sources import TrackingEvent as TrackingEventModel

from ..context import Info
from ..loads import Load, reads
from ..ready import Ready, then
from .enums import ShipmentStatus

__all__ = ["Shipment", "TrackingEvent"]

T = TypeVar("T")


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

    def _tracking(self, info: Info, shape: Callable[[Tracking | None], T]) -> Ready[T]:
        # A parcel the carrier does not know yet is no data (None), not a failure.
        ref = (self.carrier(), self.tracking_number())

        def marked(tracking: Tracking | None) -> T:
            info.context.mark_stale(info, "tracking", ref)
            return shape(tracking)

        return then(info.context.loaders.tracking.load(ref), marked)

    @strawberry.field(
        description="Carrier status when the carrier answers, else what the OMS last knew.",
        graphql_type=ShipmentStatus,
        metadata=reads(Load.CARRIER_TRACKING),
    )
    def status(self, info: Info) -> Ready[ShipmentStatus]:
        """The carrier's latest status, falling back to the OMS's last-known one."""
        last_known = self.fulfillment.shipment_status or ShipmentStatusModel.UNKNOWN
        ref = (self.carrier(), self.tracking_number())
        future = info.context.loaders.tracking.load(ref)
        if not future.done():
            return self._status_later(info, ref, future, last_known)
        if isinstance(future.exception(), SourceError):
            return last_known
        return self._tracking(info, lambda t: t.status if t else last_known)

    @staticmethod
    async def _status_later(
        info: Info,
        ref: tuple[str, str],
        future: Future[Tracking | None],
        last_known: ShipmentStatusModel,
    ) -> ShipmentStatusModel:
        try:
            tracking = await future
        except SourceError:
            return last_known
        info.context.mark_stale(info, "tracking", ref)
        return tracking.status if tracking else last_known

    @strawberry.field(
        description="The carrier's delivery estimate.",
        graphql_type=datetime | None,
        metadata=reads(Load.CARRIER_TRACKING),
    )
    def estimated_delivery(self, info: Info) -> Ready[datetime | None]:
        """From the carrier; null when it gives none."""
        return self._tracking(info, lambda t: t.estimated_delivery if t else None)

    @strawberry.field(
        description="When the carrier delivered the parcel.",
        graphql_type=datetime | None,
        metadata=reads(Load.CARRIER_TRACKING),
    )
    def delivered_at(self, info: Info) -> Ready[datetime | None]:
        """From the carrier; null until delivered."""
        return self._tracking(info, lambda t: t.delivered_at if t else None)

    @strawberry.field(
        description="Carrier scans, oldest first.",
        graphql_type=list[TrackingEvent] | None,
        metadata=reads(Load.CARRIER_TRACKING),
    )
    def events(self, info: Info) -> Ready[list[TrackingEvent] | None]:
        """Every scan the carrier reports."""
        return self._tracking(info, lambda t: [TrackingEvent.of(e) for e in t.events] if t else [])
