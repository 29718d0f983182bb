"""``open_sources``: one client per upstream, each with its vendor's authentication."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from sources import (
    DEFAULT_VENDORS,
    PLUGINS,
    SOURCE_NAMES,
    CallContext,
    Secret,
    SourcesConfig,
    VendorSettings,
    open_sources,
    plugin_for,
)
from sources.plugins import Opened

CONFIG = SourcesConfig(
    {
        "erp": (
            plugin_for("erp", "sap"),
            VendorSettings(
                "https://erp.test", {"ERP_USER": "COMM_USER"}, {"ERP_PASSWORD": Secret("erp-pw")}
            ),
        ),
        "oms": (
            plugin_for("oms", "shopify"),
            VendorSettings("https://shop.test", {}, {"OMS_ACCESS_TOKEN": Secret("shpat_1")}),
        ),
        "crm": (
            plugin_for("crm", "salesforce"),
            VendorSettings(
                "https://crm.test",
                {"CRM_CLIENT_ID": "crm-id"},
                {"CRM_CLIENT_SECRET": Secret("crm-s")},
            ),
        ),
        "carrier": (
            plugin_for("carrier", "fedex-easypost"),
            VendorSettings(
                "https://carrier.test",
                {
                    "FEDEX_URL": "https://fedex.test",
                    "FEDEX_CLIENT_ID": "fx-id",
                    "EASYPOST_URL": "https://easypost.test",
                },
                {"FEDEX_CLIENT_SECRET": Secret("fx-s"), "EASYPOST_API_KEY": Secret("EZTK_key")},
            ),
        ),
    }
)


def test_the_table_has_one_default_vendor_per_role_and_unique_names():
    assert set(DEFAULT_VENDORS) == set(SOURCE_NAMES)
    names = [(p.role, p.name) for p in PLUGINS]
    assert len(names) == len(set(names))
    for role, name in DEFAULT_VENDORS.items():
        assert plugin_for(role, name).role == role
    with pytest.raises(KeyError, match="one of sap"):
        plugin_for("erp", "oracle")


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


async def test_a_plugin_that_does_not_play_its_role_stops_the_start() -> None:
    async def open_nothing(settings: VendorSettings, kit: Any) -> Opened:
        return Opened(object(), ())

    broken = dataclasses.replace(plugin_for("erp", "sap"), name="broken", open=open_nothing)
    vendors = dict(CONFIG.vendors)
    vendors["erp"] = (broken, vendors["erp"][1])
    with pytest.raises(TypeError, match="'broken' does not implement the erp role"):
        async with open_sources(SourcesConfig(vendors), transport=httpx.MockTransport(print)):
            pass
