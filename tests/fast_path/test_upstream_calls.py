"""Exact upstream calls of the benchmark's workloads: the minimum, and no duplicates.

An order 360 needs one call per system and key kind, whatever the page size: the OMS
order (or page), the CRM contact and cases (two SOQL queries on one route), the ERP
sales order and billing documents, and one tracking call per carrier API the parcels
use. The benchmark's own documents run here, so its figures and these tests agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.workloads import one_order, page

OMS = "GET /oms/admin/api/2024-01/orders.json"
CRM = "GET /crm/services/data/v60.0/query"
SALES = "GET /erp/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder"
BILLING = "GET /erp/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument"
FEDEX = "POST /carrier/fedex/track/v1/trackingnumbers"
EASYPOST = "GET /carrier/easypost/v2/trackers"


def _carrier_routes(orders: list[dict[str, Any]]) -> dict[str, int]:
    carriers = {parcel["carrier"] for order in orders for parcel in order["shipments"]}
    routes = {}
    if "FedEx" in carriers:
        routes[FEDEX] = 1
    if carriers - {"FedEx"}:
        routes[EASYPOST] = 1
    return routes


async def _routes(
    graphql: Callable[..., Any],
    sandbox: Any,
    sandbox_stats: Callable[..., Any],
    document: str,
    variables: dict[str, Any],
) -> tuple[dict[str, int], dict[str, Any]]:
    await sandbox.post("/stats/reset")
    body = await graphql(document, variables)
    assert "errors" not in body, body["errors"]
    counted = {
        route: count
        for counters in (await sandbox_stats()).values()
        for route, count in counters["by_route"].items()
        if count
    }
    return counted, body["data"]


async def test_q1_wide_reads_each_system_and_key_kind_once(
    graphql: Callable[..., Any], sandbox, sandbox_stats: Callable[..., Any]
) -> None:
    listed = await graphql(page("wide"), {"first": 50})
    whole = next(
        edge["node"]
        for edge in listed["data"]["orders"]["edges"]
        if edge["node"]["shipments"] and edge["node"]["cases"] and edge["node"]["invoices"]
    )
    routes, data = await _routes(
        graphql, sandbox, sandbox_stats, one_order("wide"), {"n": whole["number"]}
    )
    assert data["order"]["number"] == whole["number"]
    expected = {OMS: 1, CRM: 2, SALES: 1, BILLING: 1} | _carrier_routes([whole])
    assert routes == expected


async def test_q50_pages_cost_what_one_order_costs(
    graphql: Callable[..., Any], sandbox, sandbox_stats: Callable[..., Any]
) -> None:
    wide, data = await _routes(graphql, sandbox, sandbox_stats, page("wide"), {"first": 50})
    orders = [edge["node"] for edge in data["orders"]["edges"]]
    assert len(orders) == 50
    carriers = _carrier_routes(orders)
    assert wide == {OMS: 1, CRM: 2, SALES: 1, BILLING: 1} | carriers
    narrow, data = await _routes(graphql, sandbox, sandbox_stats, page("narrow"), {"first": 50})
    assert len(data["orders"]["edges"]) == 50
    # The narrow shape selects no invoices, so it needs no billing documents.
    assert narrow == {OMS: 1, CRM: 2, SALES: 1} | carriers
