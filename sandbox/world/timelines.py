"""Scripted carrier timelines: label, pickup, hub scans, out for delivery, delivered.

A parcel's whole journey is scripted from its ship date; only the events before
world time are kept, so the same script yields "in transit" for a parcel shipped
yesterday and "delivered" for one shipped last month. About 4 % end in an
exception, 1 % are held for pickup and 1 % go back to the sender.
"""

from __future__ import annotations

import datetime
import random

from sandbox.world.geography import HUBS, ORIGINS, Place, utc_offset
from sandbox.world.model import Shipment, TrackingEvent
from sandbox.world.orders import draw

_S = datetime.timedelta(seconds=1)

# Neutral event kind -> canonical shipment status (vendor-wire-formats §4.5).
STATUS_OF_KIND: dict[str, str] = {
    "label_created": "LABEL_CREATED",
    "picked_up": "IN_TRANSIT",
    "arrived": "IN_TRANSIT",
    "departed": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "delivered": "DELIVERED",
    "exception": "EXCEPTION",
    "attempted": "DELIVERY_ATTEMPTED",
    "held": "AVAILABLE_FOR_PICKUP",
    "returning": "RETURNED_TO_SENDER",
}
_EXCEPTIONS = (
    "Shipment exception: package damaged in transit",
    "Shipment exception: weather delay",
    "Shipment exception: incorrect address",
    "Shipment exception: package missorted",
)
EXPRESS_SERVICES = frozenset({"FedEx 2Day", "Priority Mail", "UPS 2nd Day Air"})


def _local_to_utc(day: datetime.date, minutes: int, place: Place) -> datetime.datetime:
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minutes)
    guess = naive.replace(tzinfo=datetime.UTC)
    return guess - utc_offset(place, guess)


def _below(rng: random.Random, n: int) -> int:
    """0..n-1; `int(random() * n)` is several times cheaper than `randint` on this hot path."""
    return int(rng.random() * n)


def _hours(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    """A random whole-second delay of `low`..`high` hours (timestamps stay whole seconds)."""
    return _S * int(3600 * rng.uniform(low, high))


def script(rng: random.Random, shipment: Shipment, region: str) -> list[TrackingEvent]:
    """The full scripted journey (past and future), oldest first."""
    origin, dest = ORIGINS[region], shipment.destination
    label_at = shipment.shipped_at
    events = [TrackingEvent(label_at, "label_created", origin, "Shipping label created")]
    pickup = label_at + _hours(rng, 2, 20)
    events.append(TrackingEvent(pickup, "picked_up", origin, "Picked up"))
    express = shipment.service in EXPRESS_SERVICES
    transit_days = 1 + _below(rng, 2) if express else 2 + _below(rng, 4)
    day = (pickup + datetime.timedelta(days=transit_days)).date()
    ofd = _local_to_utc(day, int(rng.uniform(8 * 60, 9.5 * 60)), dest)
    ofd = max(ofd, pickup + _S * 6 * 3600)
    hubs = draw(rng, HUBS[region], min(len(HUBS[region]), 1 + _below(rng, 3)))
    scans: list[tuple[str, Place, str]] = []
    for hub in hubs:
        scans.append(("arrived", hub, "Arrived at sort facility"))
        scans.append(("departed", hub, "Departed sort facility"))
    scans.append(("arrived", dest, "At local facility"))
    scans = scans[: 2 + _below(rng, 4)] if len(scans) > 5 else scans
    span = int((ofd - pickup).total_seconds()) // (len(scans) + 1)
    for step, (kind, place, message) in enumerate(scans, start=1):
        at = pickup + _S * (span * step + int(rng.uniform(-1080, 1080)))
        events.append(TrackingEvent(at, kind, place, message))
    shipment.est_delivery = day
    roll = rng.random()
    if roll < 0.04:
        # Stuck after one of the hub scans.
        cut = 2 + _below(rng, len(events) - 2)
        del events[cut + 1 :]
        at = events[-1].at + _hours(rng, 2, 20)
        message = _EXCEPTIONS[_below(rng, len(_EXCEPTIONS))]
        events.append(TrackingEvent(at, "exception", events[-1].place, message))
        shipment.outcome = "exception"
        return events
    events.append(TrackingEvent(ofd, "out_for_delivery", dest, "On vehicle for delivery"))
    final = ofd + _hours(rng, 1.5, 9)
    if roll < 0.05:
        shipment.outcome = "held"
        events.append(TrackingEvent(final, "held", dest, "Held at location for customer pickup"))
    elif roll < 0.06:
        shipment.outcome = "returned"
        events.append(TrackingEvent(final, "attempted", dest, "Delivery attempted: address issue"))
        back = final + _hours(rng, 20, 30)
        events.append(TrackingEvent(back, "returning", dest, "Returning package to shipper"))
        later = back + _hours(rng, 12, 30)
        events.append(TrackingEvent(later, "returning", hubs[-1], "In transit to shipper"))
    else:
        shipment.outcome = "normal"
        events.append(TrackingEvent(final, "delivered", dest, "Delivered"))
    return events


def play(rng: random.Random, shipment: Shipment, region: str, now: datetime.datetime) -> None:
    """Script the parcel and keep what happened before `now`; set status and OMS view."""
    events = [event for event in script(rng, shipment, region) if event.at < now]
    shipment.events = events
    shipment.status = STATUS_OF_KIND[events[-1].kind]
    statuses = [STATUS_OF_KIND[event.kind] for event in events]
    changes = [i for i in range(1, len(statuses)) if statuses[i] != statuses[i - 1]]
    # ~5 % of parcels: Shopify missed the carrier's last status change.
    shipment.oms_lags = bool(changes) and rng.random() < 0.05
    seen = changes[-1] - 1 if shipment.oms_lags else len(events) - 1
    shipment.oms_status = OMS_STATUS[statuses[seen]]
    shipment.oms_updated_at = events[seen].at


# Canonical status -> Shopify fulfillment `shipment_status`.
OMS_STATUS: dict[str, str] = {
    "LABEL_CREATED": "confirmed",
    "IN_TRANSIT": "in_transit",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "DELIVERED": "delivered",
    "EXCEPTION": "failure",
    "DELIVERY_ATTEMPTED": "attempted_delivery",
    "AVAILABLE_FOR_PICKUP": "ready_for_pickup",
    "RETURNED_TO_SENDER": "failure",
}
