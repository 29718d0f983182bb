"""Carriers: FedEx Track, EasyPost trackers and the hub (vendor-wire-formats.md §4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from sources.call import CallContext
from sources.carriers import CarrierHub, EasyPostCarrier, FedExCarrier
from sources.carriers.easypost import tracking_from_tracker
from sources.carriers.fedex import tracking_from_result
from sources.config import SourcePolicy
from sources.errors import NotFound, SourceBadResponse, SourceThrottled, SourceUnavailable
from sources.models import ShipmentStatus, Tracking

FEDEX = "https://fedex.test"
EASYPOST = "https://easypost.test"
GOOD = "794843185271"
BAD = "794843185272"
USPS = "9400110898825022579493"
UPS = "1Z2345E20312345678"


@pytest.fixture
def fedex(make_upstream):
    def build(handler, *, batch_limit: int = 30) -> FedExCarrier:
        policy = SourcePolicy(batch_limit=batch_limit)
        return FedExCarrier(make_upstream("carrier", handler, base_url=FEDEX, policy=policy))

    return build


@pytest.fixture
def easypost(make_upstream):
    def build(handler) -> EasyPostCarrier:
        policy = SourcePolicy(batch_limit=30)
        return EasyPostCarrier(make_upstream("carrier", handler, base_url=EASYPOST, policy=policy))

    return build


def fedex_numbers(request: httpx.Request) -> list[str]:
    """Assert the FedEx Track request shape; return the numbers it asks for."""
    assert request.method == "POST"
    assert request.url.path == "/track/v1/trackingnumbers"
    assert request.headers["X-locale"] == "en_US"
    assert request.headers["X-Request-ID"] == "req-1"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body["includeDetailedScans"] is True
    assert set(body) == {"includeDetailedScans", "trackingInfo"}
    return [info["trackingNumberInfo"]["trackingNumber"] for info in body["trackingInfo"]]


def easypost_codes(request: httpx.Request) -> list[str]:
    """Assert the EasyPost listing request shape; return the codes it asks for."""
    assert request.method == "GET"
    assert request.url.path == "/v2/trackers"
    assert request.headers["X-Request-ID"] == "req-1"
    assert request.url.params["page_size"] == "100"
    assert "tracking_codes%5B%5D=" in request.url.query.decode()
    return request.url.params.get_list("tracking_codes[]")


# --- FedEx ------------------------------------------------------------------------------


async def test_fedex_tracks_the_good_number_and_drops_the_not_found_one(fedex, fixture_text):
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(fedex_numbers(request))
        return httpx.Response(200, text=fixture_text("carrier/fedex_track.json"))

    found = await fedex(handler).track([GOOD, BAD, GOOD], CallContext("req-1"))

    assert asked == [[GOOD, BAD]]
    assert list(found) == [GOOD]
    tracking = found[GOOD]
    assert (tracking.carrier, tracking.tracking_number) == ("FedEx", GOOD)
    assert tracking.status is ShipmentStatus.IN_TRANSIT
    assert tracking.estimated_delivery == datetime(2024, 6, 5, 6, 0, tzinfo=UTC)
    assert tracking.delivered_at is None

    # FedEx sends scans newest first; we keep them oldest first.
    assert [e.at for e in tracking.events] == sorted(e.at for e in tracking.events)
    assert [(e.raw_code, e.status) for e in tracking.events] == [
        ("OC", ShipmentStatus.PRE_TRANSIT),
        ("PU", ShipmentStatus.IN_TRANSIT),
        ("IT", ShipmentStatus.IN_TRANSIT),
        ("IT", ShipmentStatus.IN_TRANSIT),
    ]
    first, pickup, _, last = tracking.events
    assert first.at == datetime(2024, 5, 31, 21, 2, tzinfo=UTC)
    assert first.location is None
    assert first.message == "Shipment information sent to FedEx"
    assert pickup.location == "HOUSTON, TX, US"
    assert last.message == "Departed FedEx hub"
    assert last.at == datetime(2024, 6, 2, 8, 18, tzinfo=UTC)


async def test_fedex_delivered_parcel(fedex, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=fixture_text("carrier/fedex_delivered.json"))

    tracking = (await fedex(handler).track(["794843185273"], CallContext("req-1")))["794843185273"]
    assert tracking.status is ShipmentStatus.DELIVERED
    assert tracking.delivered_at == datetime(2024, 6, 4, 14, 31, tzinfo=UTC)
    assert tracking.estimated_delivery is None
    assert [e.status for e in tracking.events] == [
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
    ]
    assert tracking.events[-1].location == "LOUISVILLE, KY, US"


async def test_fedex_31_numbers_make_2_calls_of_30_and_1(fedex):
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(fedex_numbers(request))
        return httpx.Response(200, json={"output": {"completeTrackResults": []}})

    numbers = [str(794843185300 + i) for i in range(31)]
    # Even a larger configured batch never exceeds FedEx's 30 per call.
    assert await fedex(handler, batch_limit=50).track(numbers, CallContext("req-1")) == {}

    assert sorted(len(chunk) for chunk in asked) == [1, 30]
    assert sorted(n for chunk in asked for n in chunk) == numbers


async def test_fedex_ignores_results_for_numbers_it_was_not_asked(fedex, fixture_json):
    payload = fixture_json("carrier/fedex_track.json")
    payload["output"]["completeTrackResults"][0]["trackingNumber"] = "000000000000"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    assert await fedex(handler).track([GOOD], CallContext("req-1")) == {}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("OC", ShipmentStatus.PRE_TRANSIT),
        ("PU", ShipmentStatus.IN_TRANSIT),
        ("IT", ShipmentStatus.IN_TRANSIT),
        ("AR", ShipmentStatus.IN_TRANSIT),
        ("DP", ShipmentStatus.IN_TRANSIT),
        ("OD", ShipmentStatus.OUT_FOR_DELIVERY),
        ("DL", ShipmentStatus.DELIVERED),
        ("DE", ShipmentStatus.EXCEPTION),
        ("SE", ShipmentStatus.EXCEPTION),
        ("CD", ShipmentStatus.EXCEPTION),
        ("HL", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("RS", ShipmentStatus.RETURNED),
        ("CA", ShipmentStatus.CANCELLED),
        ("ZZ", ShipmentStatus.UNKNOWN),
    ],
)
def test_fedex_derived_code_mapping(code, status):
    tracking = tracking_from_result(
        "1", {"latestStatusDetail": {"code": "XX", "derivedCode": code}}
    )
    assert tracking.status is status


def test_fedex_falls_back_to_code_without_derived_code():
    tracking = tracking_from_result("1", {"latestStatusDetail": {"code": "DL"}})
    assert tracking.status is ShipmentStatus.DELIVERED
    assert tracking_from_result("1", {}).status is ShipmentStatus.UNKNOWN


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, SourceUnavailable), (503, SourceUnavailable), (429, SourceThrottled)],
)
async def test_fedex_whole_request_errors(fedex, status, error):
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"transactionId": "t", "errors": [{"code": "X", "message": "no"}]}
        return httpx.Response(status, json=body)

    with pytest.raises(error) as info:
        await fedex(handler).track([GOOD], CallContext("req-1"))
    assert info.value.source == "carrier"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"transactionId": "t"}, id="no-output"),
        pytest.param({"output": {"completeTrackResults": None}}, id="null-results"),
        pytest.param(
            {
                "output": {
                    "completeTrackResults": [
                        {
                            "trackingNumber": GOOD,
                            "trackResults": [
                                {
                                    "latestStatusDetail": {"derivedCode": "IT"},
                                    "scanEvents": [{"date": "today"}],
                                }
                            ],
                        }
                    ]
                }
            },
            id="bad-scan-date",
        ),
    ],
)
async def test_fedex_schema_drift_is_bad_response(fedex, payload):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    with pytest.raises(SourceBadResponse) as info:
        await fedex(handler).track([GOOD], CallContext("req-1"))
    assert info.value.source == "carrier"


# --- EasyPost ---------------------------------------------------------------------------


async def test_easypost_tracker_mapping(easypost, fixture_text):
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(easypost_codes(request))
        assert "before_id" not in request.url.params
        return httpx.Response(200, text=fixture_text("carrier/easypost_trackers.json"))

    found = await easypost(handler).track([USPS, UPS, USPS], CallContext("req-1"))

    assert asked == [[USPS, UPS]]
    assert sorted(found) == sorted([USPS, UPS])

    usps = found[USPS]
    assert (usps.carrier, usps.status) == ("USPS", ShipmentStatus.IN_TRANSIT)
    assert usps.estimated_delivery == datetime(2024, 6, 5, tzinfo=UTC)
    assert usps.delivered_at is None
    assert [(e.status, e.raw_code, e.location) for e in usps.events] == [
        (ShipmentStatus.PRE_TRANSIT, "pre_transit/status_update", "HOUSTON, TX"),
        (ShipmentStatus.IN_TRANSIT, "in_transit/arrived_at_facility", "DALLAS, TX, US"),
    ]
    assert usps.events[0].message == "Shipping Label Created"

    ups = found[UPS]
    assert ups.status is ShipmentStatus.DELIVERED
    assert ups.delivered_at == datetime(2024, 6, 3, 18, 2, 11, tzinfo=UTC)
    assert ups.estimated_delivery is None
    assert [e.status for e in ups.events] == [
        ShipmentStatus.PRE_TRANSIT,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
    ]
    assert [e.at for e in ups.events] == sorted(e.at for e in ups.events)
    assert ups.events[2].message == "Out For Delivery Today"  # description when no message
    assert ups.events[3].location is None


async def test_easypost_follows_has_more_with_before_id(easypost, fixture_text):
    seen: list[httpx.Request] = []
    codes = ["9400110898825022579500", "9400110898825022579501"]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert easypost_codes(request) == codes
        if "before_id" in request.url.params:
            assert request.url.params["before_id"] == "trk_0000000000000000000000000000page1"
            return httpx.Response(200, text=fixture_text("carrier/easypost_page2.json"))
        return httpx.Response(200, text=fixture_text("carrier/easypost_page1.json"))

    found = await easypost(handler).track(codes, CallContext("req-1"))

    assert len(seen) == 2
    assert found[codes[0]].status is ShipmentStatus.RETURNED
    assert found[codes[1]].status is ShipmentStatus.AVAILABLE_FOR_PICKUP
    assert found[codes[1]].events == ()


async def test_easypost_101_codes_make_2_listing_calls(easypost):
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(easypost_codes(request))
        return httpx.Response(200, json={"trackers": [], "has_more": False})

    codes = [f"9400{i:018d}" for i in range(101)]
    assert await easypost(handler).track(codes, CallContext("req-1")) == {}
    assert sorted(len(chunk) for chunk in asked) == [1, 100]


async def test_easypost_keeps_the_newest_tracker_of_a_recycled_code(easypost, fixture_json):
    payload = fixture_json("carrier/easypost_trackers.json")
    newest = payload["trackers"][0]
    older = {**newest, "id": "trk_old", "status": "delivered", "created_at": "2023-01-01T00:00:00Z"}
    payload["trackers"] = [newest, older]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    found = await easypost(handler).track([USPS], CallContext("req-1"))
    assert found[USPS].status is ShipmentStatus.IN_TRANSIT


@pytest.mark.parametrize(
    ("status", "canonical"),
    [
        ("unknown", ShipmentStatus.UNKNOWN),
        ("pre_transit", ShipmentStatus.PRE_TRANSIT),
        ("in_transit", ShipmentStatus.IN_TRANSIT),
        ("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
        ("delivered", ShipmentStatus.DELIVERED),
        ("available_for_pickup", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("return_to_sender", ShipmentStatus.RETURNED),
        ("failure", ShipmentStatus.EXCEPTION),
        ("cancelled", ShipmentStatus.CANCELLED),
        ("error", ShipmentStatus.EXCEPTION),
        ("something_new", ShipmentStatus.UNKNOWN),
    ],
)
def test_easypost_status_vocabulary(status, canonical):
    tracker = {"object": "Tracker", "tracking_code": "X", "carrier": "USPS", "status": status}
    assert tracking_from_tracker(tracker).status is canonical


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"error": {"code": "X"}}, id="no-trackers"),
        pytest.param({"trackers": [{"object": "Shipment", "id": "shp_1"}]}, id="not-a-tracker"),
        pytest.param(
            {
                "trackers": [
                    {
                        "object": "Tracker",
                        "tracking_code": USPS,
                        "tracking_details": [
                            {"status": "in_transit", "datetime": "2024-06-02 10:36"}
                        ],
                    }
                ]
            },
            id="naive-datetime",
        ),
    ],
)
async def test_easypost_schema_drift_is_bad_response(easypost, payload):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    with pytest.raises(SourceBadResponse) as info:
        await easypost(handler).track([USPS], CallContext("req-1"))
    assert info.value.source == "carrier"


@pytest.mark.parametrize(
    ("company", "fedex_handles", "easypost_handles"),
    [
        ("FedEx", True, False),
        (" fedex ", True, False),
        ("USPS", False, True),
        ("UPS", False, True),
        ("DHL Express", False, True),
        ("Canada Post", False, True),
        ("Royal Mail", False, False),
    ],
)
def test_carrier_routing_rules(fedex, easypost, company, fedex_handles, easypost_handles):
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert fedex(never).handles(company) is fedex_handles
    assert easypost(never).handles(company) is easypost_handles


# --- hub --------------------------------------------------------------------------------


@pytest.fixture
def hub(fedex, easypost):
    def build(fedex_handler, easypost_handler) -> CarrierHub:
        return CarrierHub([fedex(fedex_handler), easypost(easypost_handler)])

    return build


def easypost_ok(fixture_text):
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(easypost_codes(request))
        return httpx.Response(200, text=fixture_text("carrier/easypost_trackers.json"))

    return handler, asked


async def test_hub_routes_each_ref_to_its_carrier(hub, fixture_text):
    fedex_asked: list[list[str]] = []

    def fedex_handler(request: httpx.Request) -> httpx.Response:
        fedex_asked.append(fedex_numbers(request))
        return httpx.Response(200, text=fixture_text("carrier/fedex_track.json"))

    easypost_handler, easypost_asked = easypost_ok(fixture_text)
    refs = [("FedEx", GOOD), ("FedEx", BAD), ("USPS", USPS), ("UPS", UPS), ("Royal Mail", "RM1")]

    results = await hub(fedex_handler, easypost_handler).track(refs, CallContext("req-1"))

    assert fedex_asked == [[GOOD, BAD]]
    assert easypost_asked == [[USPS, UPS]]
    assert set(results) == set(refs)
    assert isinstance(results[("FedEx", GOOD)], Tracking)
    assert results[("FedEx", GOOD)].carrier == "FedEx"
    assert isinstance(results[("FedEx", BAD)], NotFound)
    assert isinstance(results[("USPS", USPS)], Tracking)
    assert results[("UPS", UPS)].status is ShipmentStatus.DELIVERED
    unknown = results[("Royal Mail", "RM1")]
    assert isinstance(unknown, NotFound)
    assert unknown.source == "carrier"


async def test_hub_failing_carrier_only_fails_its_own_refs(hub, fixture_text):
    def fedex_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="upstream connect error")

    easypost_handler, _ = easypost_ok(fixture_text)
    refs = [("FedEx", GOOD), ("FedEx", BAD), ("USPS", USPS), ("Pigeon", "P1")]

    results = await hub(fedex_handler, easypost_handler).track(refs, CallContext("req-1"))

    assert isinstance(results[("FedEx", GOOD)], SourceUnavailable)
    assert isinstance(results[("FedEx", BAD)], SourceUnavailable)
    assert isinstance(results[("USPS", USPS)], Tracking)
    assert isinstance(results[("Pigeon", "P1")], NotFound)


async def test_hub_drifted_carrier_payload_only_fails_its_own_refs(hub, fixture_text):
    def fedex_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"output": {"completeTrackResults": None}})

    easypost_handler, _ = easypost_ok(fixture_text)
    refs = [("FedEx", GOOD), ("USPS", USPS)]

    results = await hub(fedex_handler, easypost_handler).track(refs, CallContext("req-1"))

    assert isinstance(results[("FedEx", GOOD)], SourceBadResponse)
    assert isinstance(results[("USPS", USPS)], Tracking)


async def test_hub_without_refs_calls_nobody(hub):
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert await hub(never, never).track([], CallContext("req-1")) == {}
