"""EasyPost Tracker objects (vendor-wire-formats §4.1) for UPS and USPS parcels.

`tracking_details` run oldest first, times are UTC ("…Z"), and the API key in
use is a test key ("EZTK…"), so trackers report `mode: "test"` as EasyPost's do.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sandbox.timefmt import iso_z, midnight
from sandbox.world import Shipment, TrackingEvent
from sandbox.world.geography import Place

# kind -> (status, status_detail)
STATUS: dict[str, tuple[str, str]] = {
    "label_created": ("pre_transit", "label_created"),
    "picked_up": ("in_transit", "received_at_origin_facility"),
    "arrived": ("in_transit", "arrived_at_facility"),
    "departed": ("in_transit", "departed_facility"),
    "out_for_delivery": ("out_for_delivery", "out_for_delivery"),
    "delivered": ("delivered", "arrived_at_destination"),
    "exception": ("failure", "delivery_exception"),
    "attempted": ("failure", "delivery_exception"),
    "held": ("available_for_pickup", "arrived_at_pickup_location"),
    "returning": ("return_to_sender", "return"),
}
_MESSAGES: dict[str, dict[str, str]] = {
    "USPS": {
        "label_created": "Shipping Label Created, USPS Awaiting Item",
        "picked_up": "USPS picked up item",
        "arrived": "Arrived at USPS Regional Facility",
        "departed": "Departed USPS Regional Facility",
        "out_for_delivery": "Out for Delivery",
        "delivered": "Delivered, In/At Mailbox",
        "held": "Available for Pickup",
        "returning": "Return to Sender Processed",
    },
    "UPS": {
        "label_created": "Shipper created a label, UPS has not received the package yet.",
        "picked_up": "Pickup Scan",
        "arrived": "Arrived at Facility",
        "departed": "Departed from Facility",
        "out_for_delivery": "Out For Delivery Today",
        "delivered": "Delivered",
        "held": "Delivered to UPS Access Point. Awaiting customer pickup.",
        "returning": "Returned to shipper",
    },
}
_FINAL = {"delivered", "return_to_sender"}


def _location(place: Place) -> dict[str, Any]:
    return {
        "object": "TrackingLocation",
        "city": place.city.upper(),
        "state": place.province_code,
        "country": place.country_code,
        "zip": place.zip,
    }


def _one_line(place: Place) -> str:
    region = f" {place.province_code}" if place.province_code else ""
    return f"{place.city.upper()}{region}, {place.zip}"


def _detail(carrier: str, event: TrackingEvent) -> dict[str, Any]:
    status, detail = STATUS[event.kind]
    return {
        "object": "TrackingDetail",
        "message": _MESSAGES[carrier].get(event.kind, event.message),
        "description": None,
        "status": status,
        "status_detail": detail,
        "datetime": iso_z(event.at),
        "source": carrier,
        "carrier_code": None,
        "tracking_location": _location(event.place),
    }


def public_url(tracker_id: str) -> str:
    return "https://track.easypost.com/" + base64.b64encode(f"v1:{tracker_id}".encode()).decode()


def tracker(shipment: Shipment) -> dict[str, Any]:
    events = shipment.events
    last = events[-1]
    status, detail = STATUS[last.kind]
    tracker_id = shipment.tracker_id or ""
    est = shipment.est_delivery
    attempt = next((e for e in events if e.kind in ("out_for_delivery", "delivered")), None)
    ounces = sum(line.product.grams * qty for line, qty in shipment.lines) / 28.3495
    return {
        "id": tracker_id,
        "object": "Tracker",
        "mode": "test",
        "tracking_code": shipment.tracking_number,
        "status": status,
        "status_detail": detail,
        "created_at": iso_z(shipment.shipped_at),
        "updated_at": iso_z(last.at),
        "signed_by": shipment.order.customer.last_name.upper()
        if last.kind == "delivered"
        else None,
        "weight": round(ounces, 1),
        "est_delivery_date": iso_z(midnight(est)) if est is not None else None,
        "shipment_id": None,
        "carrier": shipment.carrier,
        "tracking_details": [_detail(shipment.carrier, e) for e in events],
        "carrier_detail": {
            "object": "CarrierDetail",
            "service": shipment.service,
            "container_type": None,
            "est_delivery_date_local": est.isoformat() if est is not None else None,
            "est_delivery_time_local": None,
            "origin_location": _one_line(shipment.origin),
            "origin_tracking_location": _location(shipment.origin),
            "destination_location": _one_line(shipment.destination),
            "destination_tracking_location": _location(shipment.destination),
            "guaranteed_delivery_date": None,
            "alternate_identifier": None,
            "initial_delivery_attempt": iso_z(attempt.at) if attempt is not None else None,
        },
        "finalized": status in _FINAL,
        "is_return": False,
        "public_url": public_url(tracker_id),
        "fees": [
            {
                "object": "Fee",
                "type": "TrackerFee",
                "amount": "0.00000",
                "charged": True,
                "refunded": False,
            }
        ],
    }


def unknown_tracker(code: str, carrier: str | None) -> dict[str, Any]:
    """What EasyPost answers for a code it has never seen: a fresh tracker, status unknown."""
    tracker_id = "trk_" + hashlib.sha256(code.encode()).hexdigest()[:32]
    return {
        "id": tracker_id,
        "object": "Tracker",
        "mode": "test",
        "tracking_code": code,
        "status": "unknown",
        "status_detail": "unknown",
        "created_at": None,
        "updated_at": None,
        "signed_by": None,
        "weight": None,
        "est_delivery_date": None,
        "shipment_id": None,
        "carrier": carrier,
        "tracking_details": [],
        "carrier_detail": None,
        "finalized": False,
        "is_return": False,
        "public_url": public_url(tracker_id),
        "fees": [],
    }
