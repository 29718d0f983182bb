"""``open_sources``: one client per upstream, each with its vendor's authentication."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx

from sources import (
    CallContext,
    CarrierConfig,
    CrmConfig,
    ErpConfig,
    OmsConfig,
    Secret,
    SourcesConfig,
    open_sources,
)

CONFIG = SourcesConfig(
    erp=ErpConfig(base_url="https://erp.test", user="COMM_USER", password=Secret("erp-pw")),
    oms=OmsConfig(base_url="https://shop.test", access_token=Secret("shpat_1")),
    crm=CrmConfig(base_url="https://crm.test", client_id="crm-id", client_secret=Secret("crm-s")),
    carrier=CarrierConfig(
        fedex_url="https://fedex.test",
        fedex_client_id="fx-id",
        fedex_client_secret=Secret("fx-s"),
        easypost_url="https://easypost.test",
        easypost_api_key=Secret("EZTK_key"),
    ),
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_each_upstream_gets_its_vendor_auth():
    auth: dict[str, str | None] = {}
    tokens: dict[str, dict[str, list[str]]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.url.path in ("/services/oauth2/token", "/oauth/token"):
            tokens[host] = parse_qs(request.content.decode())
            return httpx.Response(
                200, json={"access_token": f"tok-{host}", "token_type": "Bearer", "expires_in": 600}
            )
        assert request.headers["X-Request-ID"] == "req-1"
        auth[host] = request.headers.get("Authorization")
        if host == "shop.test":
            auth["shop.test/token"] = request.headers.get("X-Shopify-Access-Token")
            return httpx.Response(200, json={"orders": []})
        if host == "crm.test":
            return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})
        if host == "fedex.test":
            return httpx.Response(200, json={"output": {"completeTrackResults": []}})
        if host == "easypost.test":
            return httpx.Response(200, json={"trackers": [], "has_more": False})
        return httpx.Response(200, json={"d": {"results": []}})

    call = CallContext("req-1")
    async with open_sources(CONFIG, transport=httpx.MockTransport(handler)) as sources:
        assert await sources.erp.sales_orders(["#1001"], call) == {}
        assert await sources.oms.orders_by_id(["1"], call) == {}
        assert await sources.crm.contacts_by_id(["003"], call) == {}
        tracked = await sources.carriers.track([("FedEx", "7948"), ("USPS", "9400")], call)
        health = sources.health()

    assert auth["erp.test"] == basic("COMM_USER", "erp-pw")
    assert auth["shop.test"] is None
    assert auth["shop.test/token"] == "shpat_1"
    assert auth["crm.test"] == "Bearer tok-crm.test"
    assert auth["fedex.test"] == "Bearer tok-fedex.test"
    assert auth["easypost.test"] == basic("EZTK_key", "")
    assert tokens["crm.test"]["grant_type"] == ["client_credentials"]
    assert tokens["crm.test"]["client_id"] == ["crm-id"]
    assert tokens["crm.test"]["client_secret"] == ["crm-s"]
    assert tokens["fedex.test"]["client_id"] == ["fx-id"]

    assert {ref: type(value).__name__ for ref, value in tracked.items()} == {
        ("FedEx", "7948"): "NotFound",
        ("USPS", "9400"): "NotFound",
    }
    assert {name: report.window.calls for name, report in health.items()} == {
        "oms": 1,
        "erp": 1,
        "crm": 1,
        "carrier": 2,
    }
    assert all(report.window.error_rate == 0.0 for report in health.values())
    assert {report.breaker.value for report in health.values()} == {"CLOSED"}
