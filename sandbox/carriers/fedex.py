"""FedEx Track API result objects (vendor-wire-formats §4.4), rendered from a shipment.

Times are scan-local with their offset, scan events come newest first, and
`derivedStatusCode` uses the codes the gateway maps (§4.5): OC, PU, IT, AR, DP,
OD, DL, DE, SE, HL, RS.
"""

from __future__ import annotations

from typing import Any

from sandbox.timefmt import local_iso, local_midnight
from sandbox.world import Shipment, TrackingEvent
from sandbox.world.geography import Place
from sandbox.world.timelines import EXPRESS_SERVICES

# kind -> (eventType, derivedStatusCode, derivedStatus, eventDescription)
EVENTS: dict[str, tuple[str, str, str, str]] = {
    "label_created": ("OC", "OC", "Label created", "Shipment information sent to FedEx"),
    "picked_up": ("PU", "PU", "Picked up", "Picked up"),
    "arrived": ("AR", "IT", "In transit", "Arrived at FedEx location"),
    "departed": ("DP", "IT", "In transit", "Departed FedEx location"),
    "out_for_delivery": ("OD", "OD", "Out for delivery", "On FedEx vehicle for delivery"),
    "delivered": ("DL", "DL", "Delivered", "Delivered"),
    "exception": ("SE", "SE", "Shipment exception", ""),
    "attempted": ("DE", "DE", "Delivery exception", ""),
    "held": ("HL", "HL", "Ready for pickup", "At FedEx location, ready for recipient pickup"),
    "returning": ("RS", "RS", "Return to shipper", "Returning package to shipper"),
}
NOT_FOUND = {
    "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
    "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
}


def _location(place: Place) -> dict[str, Any]:
    return {
        "streetLines": [""],
        "city": place.city.upper(),
        "stateOrProvinceCode": place.province_code or "",
        "postalCode": place.zip,
        "countryCode": place.country_code,
        "residential": False,
        "countryName": place.country,
    }


def _address(place: Place) -> dict[str, Any]:
    return {
        "city": place.city.upper(),
        "stateOrProvinceCode": place.province_code or "",
        "countryCode": place.country_code,
        "residential": False,
        "countryName": place.country,
    }


def _scan(event: TrackingEvent) -> dict[str, Any]:
    code, derived, status, description = EVENTS[event.kind]
    exceptional = event.kind in ("exception", "attempted")
    return {
        "date": local_iso(event.at, event.place),
        "eventType": code,
        "eventDescription": event.message if exceptional else description,
        "exceptionCode": "07" if exceptional else "",
        "exceptionDescription": event.message if exceptional else "",
        "scanLocation": _location(event.place),
        "locationType": "FEDEX_FACILITY"
        if event.kind in ("arrived", "departed")
        else "PICKUP_LOCATION",
        "derivedStatusCode": derived,
        "derivedStatus": status,
    }


def track_result(shipment: Shipment, detailed: bool) -> dict[str, Any]:
    express = shipment.service in EXPRESS_SERVICES
    carrier_code = "FDXE" if express else "FDXG"
    events = shipment.events
    last = events[-1]
    code, derived, status, description = EVENTS[last.kind]
    times: list[dict[str, str]] = []
    delivered = shipment.delivered_at
    if delivered is not None:
        times.append({"type": "ACTUAL_DELIVERY", "dateTime": local_iso(delivered, last.place)})
    elif shipment.est_delivery is not None and shipment.status not in ("RETURNED_TO_SENDER",):
        when = local_midnight(shipment.est_delivery, shipment.destination)
        times.append({"type": "ESTIMATED_DELIVERY", "dateTime": when})
    pickup = next((e for e in events if e.kind == "picked_up"), None)
    if pickup is not None:
        times.append({"type": "ACTUAL_PICKUP", "dateTime": local_iso(pickup.at, pickup.place)})
        times.append({"type": "ACTUAL_TENDER", "dateTime": local_iso(pickup.at, pickup.place)})
    times.append(
        {"type": "SHIP", "dateTime": local_midnight(shipment.shipped_at.date(), shipment.origin)}
    )
    number = shipment.tracking_number
    kilos = sum(line.product.grams * qty for line, qty in shipment.lines) / 1000
    return {
        "trackingNumberInfo": {
            "trackingNumber": number,
            "carrierCode": carrier_code,
            "trackingNumberUniqueId": f"12025~{number}~{'FX' if express else 'FDEG'}",
        },
        "additionalTrackingInfo": {
            "nickname": "",
            "packageIdentifiers": [
                {"type": "CUSTOMER_REFERENCE", "values": [shipment.order.name]},
            ],
            "hasAssociatedShipments": False,
        },
        "shipperInformation": {"contact": {}, "address": _address(shipment.origin)},
        "recipientInformation": {"contact": {}, "address": _address(shipment.destination)},
        "latestStatusDetail": {
            "code": code,
            "derivedCode": derived,
            "statusByLocale": status,
            "description": last.message if last.kind in ("exception", "attempted") else description,
            "scanLocation": _location(last.place),
        },
        "dateAndTimes": times,
        "availableImages": [],
        "packageDetails": {
            "packagingDescription": {"type": "YOUR_PACKAGING", "description": "Your Packaging"},
            "count": "1",
            "weightAndDimensions": {
                "weight": [
                    {"value": f"{kilos * 2.20462:.1f}", "unit": "LB"},
                    {"value": f"{kilos:.2f}", "unit": "KG"},
                ]
            },
        },
        "serviceDetail": {
            "type": "FEDEX_2_DAY" if express else "FEDEX_GROUND",
            "description": shipment.service,
            "shortDescription": "2D" if express else "FG",
        },
        "originLocation": {"locationContactAndAddress": {"address": _address(shipment.origin)}},
        "destinationLocation": {
            "locationContactAndAddress": {"address": _address(shipment.destination)}
        },
        "deliveryDetails": {
            "deliveryAttempts": "1" if any(e.kind == "attempted" for e in events) else "0",
            "receivedByName": shipment.order.customer.last_name.upper() if delivered else "",
        },
        "scanEvents": [_scan(event) for event in reversed(events)] if detailed else [],
    }


def complete_result(number: str, shipment: Shipment | None, detailed: bool) -> dict[str, Any]:
    """One `completeTrackResults` entry; an unknown number gets a per-number error."""
    if shipment is None:
        result: dict[str, Any] = {
            "trackingNumberInfo": {
                "trackingNumber": number,
                "trackingNumberUniqueId": "",
                "carrierCode": "",
            },
            "error": NOT_FOUND,
        }
    else:
        result = track_result(shipment, detailed)
    return {"trackingNumber": number, "trackResults": [result]}
