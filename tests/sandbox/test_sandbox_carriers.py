"""Carrier simulators: FedEx Track (OAuth, 30 cap, per-number errors) and EasyPost trackers."""

from __future__ import annotations

import httpx
from sandbox_testkit import EASYPOST_AUTH, SB, fedex_token

from sandbox.world import Shipment, World

TRACK = f"{SB}/carrier/fedex/track/v1/trackingnumbers"
TRACKERS = f"{SB}/carrier/easypost/v2/trackers"
DERIVED = {"OC", "PU", "IT", "AR", "DP", "OD", "DL", "DE", "SE", "HL", "RS", "CA"}
FEDEX_OF = {
    "LABEL_CREATED": "OC",
    "IN_TRANSIT": {"PU", "IT"},
    "OUT_FOR_DELIVERY": "OD",
    "DELIVERED": "DL",
    "EXCEPTION": "SE",
    "DELIVERY_ATTEMPTED": "DE",
    "AVAILABLE_FOR_PICKUP": "HL",
    "RETURNED_TO_SENDER": "RS",
}
EASYPOST_OF = {
    "LABEL_CREATED": "pre_transit",
    "IN_TRANSIT": "in_transit",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "DELIVERED": "delivered",
    "EXCEPTION": "failure",
    "DELIVERY_ATTEMPTED": "failure",
    "AVAILABLE_FOR_PICKUP": "available_for_pickup",
    "RETURNED_TO_SENDER": "return_to_sender",
}


def one_per_status(shipments: list[Shipment]) -> list[Shipment]:
    """A parcel of every status that occurs (a rare one may be missing for some carrier)."""
    by_status = {s.status: s for s in shipments}
    picked = list(by_status.values())
    assert len(picked) >= 5
    return picked


def body(*numbers: str) -> dict[str, object]:
    info = [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers]
    return {"includeDetailedScans": True, "trackingInfo": info}


async def test_fedex_oauth(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{SB}/carrier/fedex/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "order360-fedex",
            "client_secret": "x",
        },
    )
    assert response.status_code == 401
    error = response.json()
    assert "transactionId" in error
    assert error["errors"][0]["code"] == "NOT.AUTHORIZED.ERROR"
    unauthenticated = await client.post(TRACK, json=body("794800000000"))
    assert unauthenticated.status_code == 401
    auth = await fedex_token(client)
    assert auth["Authorization"].startswith("Bearer ")


async def test_fedex_track(client: httpx.AsyncClient, world: World) -> None:
    auth = await fedex_token(client)
    picked = one_per_status([s for s in world.shipments if s.carrier == "FedEx"])
    response = await client.post(
        TRACK, json=body(*(s.tracking_number for s in picked), "000000000000"), headers=auth
    )
    assert response.status_code == 200
    results = response.json()["output"]["completeTrackResults"]
    assert [r["trackingNumber"] for r in results[:-1]] == [s.tracking_number for s in picked]
    for shipment, result in zip(picked, results, strict=False):
        (track,) = result["trackResults"]
        latest = track["latestStatusDetail"]
        expected = FEDEX_OF[shipment.status]
        assert latest["derivedCode"] in (expected if isinstance(expected, set) else {expected})
        scans = track["scanEvents"]
        assert len(scans) == len(shipment.events)
        assert scans[0]["date"] >= scans[-1]["date"][:10]  # newest first
        assert {s["derivedStatusCode"] for s in scans} <= DERIVED
        kinds = {t["type"] for t in track["dateAndTimes"]}
        assert "SHIP" in kinds
        assert ("ACTUAL_DELIVERY" in kinds) == (shipment.status == "DELIVERED")
    unknown = results[-1]["trackResults"][0]
    assert unknown["error"]["code"] == "TRACKING.TRACKINGNUMBER.NOTFOUND"


async def test_fedex_caps_at_30_numbers(client: httpx.AsyncClient) -> None:
    auth = await fedex_token(client)
    response = await client.post(
        TRACK, json=body(*(f"7948{i:08d}" for i in range(31))), headers=auth
    )
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"transactionId", "errors"}
    assert error["errors"][0]["code"]


async def test_easypost_auth(client: httpx.AsyncClient) -> None:
    for auth in (None, ("EZTK_wrong", "")):
        response = await client.get(TRACKERS, auth=auth)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "APIKEY.REQUIRED"


async def test_easypost_list_by_codes(client: httpx.AsyncClient, world: World) -> None:
    picked = one_per_status([s for s in world.shipments if s.tracker_id is not None])
    response = await client.get(
        TRACKERS,
        auth=EASYPOST_AUTH,
        params={"tracking_codes[]": [s.tracking_number for s in picked], "page_size": 100},
    )
    body = response.json()
    assert body["has_more"] is False
    by_code = {t["tracking_code"]: t for t in body["trackers"]}
    for shipment in picked:
        tracker = by_code[shipment.tracking_number]
        assert tracker["object"] == "Tracker"
        assert tracker["id"] == shipment.tracker_id
        assert tracker["status"] == EASYPOST_OF[shipment.status]
        assert tracker["carrier"] == shipment.carrier
        details = tracker["tracking_details"]
        assert [d["datetime"] for d in details] == sorted(d["datetime"] for d in details)
        assert details[0]["tracking_location"]["object"] == "TrackingLocation"
        assert tracker["public_url"].startswith("https://track.easypost.com/")
        assert tracker["carrier_detail"]["object"] == "CarrierDetail"
    one = await client.get(f"{TRACKERS}/{picked[0].tracker_id}", auth=EASYPOST_AUTH)
    assert one.json()["tracking_code"] == picked[0].tracking_number


async def test_easypost_paging(client: httpx.AsyncClient) -> None:
    first = (await client.get(TRACKERS, auth=EASYPOST_AUTH, params={"page_size": 5})).json()
    assert len(first["trackers"]) == 5
    assert first["has_more"] is True
    created = [t["created_at"] for t in first["trackers"]]
    assert created == sorted(created, reverse=True)
    following = await client.get(
        TRACKERS,
        auth=EASYPOST_AUTH,
        params={"page_size": 5, "before_id": first["trackers"][-1]["id"]},
    )
    nxt = following.json()["trackers"]
    assert nxt[0]["created_at"] <= created[-1]
    assert nxt[0]["id"] not in {t["id"] for t in first["trackers"]}
    too_big = await client.get(TRACKERS, auth=EASYPOST_AUTH, params={"page_size": 101})
    assert too_big.status_code == 422


async def test_easypost_batch(client: httpx.AsyncClient, world: World) -> None:
    known = next(s for s in world.shipments if s.carrier == "USPS")
    response = await client.post(
        f"{TRACKERS}/batch",
        auth=EASYPOST_AUTH,
        json={"tracking_codes": [known.tracking_number, "1Z0000000000000000"]},
    )
    trackers = response.json()["trackers"]
    assert trackers[0]["id"] == known.tracker_id
    assert (trackers[1]["status"], trackers[1]["carrier"]) == ("unknown", "UPS")
    bad = await client.post(f"{TRACKERS}/batch", auth=EASYPOST_AUTH, json={"tracking_codes": []})
    assert bad.status_code == 422
    assert "error" in bad.json()
