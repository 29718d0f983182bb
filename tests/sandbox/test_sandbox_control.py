"""Control endpoints: request counting per route template, and every fault kind."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json

import httpx
import pytest
from sandbox_testkit import (
    EASYPOST_AUTH,
    ERP_AUTH,
    OMS,
    SALES,
    SB,
    SHOPIFY,
    SOQL,
    crm_token,
    fedex_token,
)

from sandbox.web.faults import Faults, FaultSettings
from sandbox.world import World


async def put_faults(client: httpx.AsyncClient, system: str, **settings: object) -> httpx.Response:
    return await client.put(f"{SB}/faults/{system}", json=settings)


async def test_stats_count_by_route_and_kind(client: httpx.AsyncClient, world: World) -> None:
    so = world.sales_orders[0].number
    await client.get(f"{SALES}/A_SalesOrder('{so}')", auth=ERP_AUTH)
    await client.get(f"{SALES}/A_SalesOrder('{so}')/to_Item", auth=ERP_AUTH)
    await client.get(f"{OMS}/orders/{world.orders[0].shopify_id}.json", headers=SHOPIFY)
    auth = await crm_token(client)
    await client.get(SOQL, params={"q": "SELECT Id FROM Case LIMIT 1"}, headers=auth)
    fedex = await fedex_token(client)
    await client.post(
        f"{SB}/carrier/fedex/track/v1/trackingnumbers",
        json={"trackingInfo": [{"trackingNumberInfo": {"trackingNumber": "1"}}]},
        headers=fedex,
    )
    await client.post(
        f"{SB}/carrier/easypost/v2/trackers/batch",
        auth=EASYPOST_AUTH,
        json={"tracking_codes": ["1"]},
    )
    stats = (await client.get(f"{SB}/stats")).json()
    assert set(stats) == {"erp", "oms", "crm", "carrier"}
    root = "/erp/sap/opu/odata/sap/API_SALES_ORDER_SRV"
    assert stats["erp"] == {
        "reads": 2,
        "writes": 0,
        "by_route": {
            f"GET {root}/A_SalesOrder({{key}})": 1,
            f"GET {root}/A_SalesOrder({{key}})/to_Item": 1,
        },
    }
    assert stats["oms"]["by_route"] == {"GET /oms/admin/api/2024-01/orders/{id}.json": 1}
    assert stats["crm"]["reads"] == 1  # the token call is listed but is neither read nor write
    assert stats["crm"]["by_route"]["POST /crm/services/oauth2/token"] == 1
    assert stats["carrier"] == {
        "reads": 2,
        "writes": 0,
        "by_route": {
            "POST /carrier/easypost/v2/trackers/batch": 1,
            "POST /carrier/fedex/oauth/token": 1,
            "POST /carrier/fedex/track/v1/trackingnumbers": 1,
        },
    }
    reset = (await client.post(f"{SB}/stats/reset")).json()
    assert all(v == {"reads": 0, "writes": 0, "by_route": {}} for v in reset.values())


async def test_fault_validation(client: httpx.AsyncClient) -> None:
    unknown = await put_faults(client, "billing", error_rate=1)
    assert unknown.status_code == 404
    assert "error" in unknown.json()
    for bad in (
        {"error_rate": 2},
        {"latency_ms": -1},
        {"error_status": 200},
        {"nope": 1},
        {"timeout_rate": True},
    ):
        response = await put_faults(client, "oms", **bad)
        assert response.status_code == 400, bad
        assert "error" in response.json()
    merged = await put_faults(client, "oms", latency_ms=5)
    merged = await put_faults(client, "oms", jitter_ms=1)
    assert merged.json()["oms"] | {} == {
        "latency_ms": 5,
        "jitter_ms": 1,
        "error_rate": 0.0,
        "error_status": 503,
        "rate_limit_rate": 0.0,
        "retry_after_s": 1,
        "timeout_rate": 0.0,
        "malformed_rate": 0.0,
    }


def test_latency_is_the_configured_delay_plus_jitter() -> None:
    faults = Faults(latency_ms=0, seed=1)
    assert faults.roll(FaultSettings(latency_ms=150)).delay_s == 0.15
    jittered = [faults.roll(FaultSettings(latency_ms=150, jitter_ms=50)).delay_s for _ in range(50)]
    assert all(0.15 <= d <= 0.2 for d in jittered)
    assert len(set(jittered)) > 1


async def test_latency_holds_system_routes_and_never_control_routes(
    client: httpx.AsyncClient,
) -> None:
    """Observed by order of events, not by a clock: a busy machine cannot change the outcome."""
    await put_faults(client, "oms", latency_ms=600_000)
    held = asyncio.create_task(
        client.get(f"{OMS}/orders.json", headers=SHOPIFY, params={"limit": 1})
    )
    try:
        # The guard counts a request before applying its faults: once counted, it is waiting.
        # (An in-process request may never suspend, so let the held one run explicitly.)
        for _ in range(100):
            await asyncio.sleep(0)
            if (await client.get(f"{SB}/stats")).json()["oms"]["reads"]:
                break
        else:
            pytest.fail("the OMS request never reached the sandbox")
        for _ in range(3):  # control routes answer while the OMS request is held
            assert (await client.get(f"{SB}/stats")).status_code == 200
            await asyncio.sleep(0)
        assert not held.done()
    finally:
        held.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await held
    await put_faults(client, "oms", latency_ms=1)
    response = await client.get(f"{OMS}/orders.json", headers=SHOPIFY, params={"limit": 1})
    assert response.status_code == 200
    assert response.json()["orders"]


@pytest.mark.parametrize(
    ("system", "path", "shape"),
    [
        ("erp", f"{SALES}/A_SalesOrder", lambda b: b["error"]["innererror"]["errordetails"]),
        ("oms", f"{OMS}/orders.json", lambda b: b["errors"]),
        ("crm", SOQL, lambda b: b[0]["errorCode"]),
        ("carrier", f"{SB}/carrier/easypost/v2/trackers", lambda b: b["error"]["code"]),
    ],
)
async def test_error_and_rate_limit_speak_each_vendor(
    client: httpx.AsyncClient, system: str, path: str, shape: object
) -> None:
    await put_faults(client, system, error_rate=1.0, error_status=502)
    response = await client.get(path)
    assert response.status_code == 502
    assert shape(response.json())  # type: ignore[operator]
    await put_faults(client, system, error_rate=0.0, rate_limit_rate=1.0, retry_after_s=2)
    response = await client.get(path)
    assert response.status_code == 429
    assert float(response.headers["retry-after"]) == 2
    assert shape(response.json())  # type: ignore[operator]
    stats = (await client.get(f"{SB}/stats")).json()[system]
    assert sum(stats["by_route"].values()) == 2  # faulted requests still count


async def test_retry_after_as_http_date(client: httpx.AsyncClient) -> None:
    await put_faults(client, "crm", rate_limit_rate=1.0, retry_after_s="http-date")
    response = await client.post(f"{SB}/crm/services/oauth2/token", data={})
    assert response.status_code == 429
    assert email.utils.parsedate_to_datetime(response.headers["retry-after"]) is not None


async def test_timeout_never_answers(client: httpx.AsyncClient) -> None:
    await put_faults(client, "carrier", timeout_rate=1.0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            client.get(f"{SB}/carrier/easypost/v2/trackers", auth=EASYPOST_AUTH), 0.2
        )
    await client.delete(f"{SB}/faults")
    response = await client.get(f"{SB}/carrier/easypost/v2/trackers", auth=EASYPOST_AUTH)
    assert response.status_code == 200


async def test_malformed_body(client: httpx.AsyncClient, world: World) -> None:
    await put_faults(client, "erp", malformed_rate=1.0)
    response = await client.get(
        f"{SALES}/A_SalesOrder('{world.sales_orders[0].number}')", auth=ERP_AUTH
    )
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    cleared = (await client.delete(f"{SB}/faults")).json()
    assert cleared["erp"]["malformed_rate"] == 0.0


async def test_root_index(client: httpx.AsyncClient) -> None:
    index = (await client.get("/")).json()
    assert index["oms"] == "http://sandbox/sandbox/oms"
    assert index["jwks_uri"] == "http://sandbox/sandbox/idp/.well-known/jwks.json"
