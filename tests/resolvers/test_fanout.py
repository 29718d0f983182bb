"""A page of N orders costs a constant number of upstream calls per system, not N."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PAGE = """
query($first: Int!) {
  orders(first: $first) {
    edges { node {
      number
      customer { name loyaltyTier }
      lines { sku quantity }
      erpSalesOrder { documentNumber status }
      invoices { documentNumber kind }
      shipments { trackingNumber status events { at status } }
      cases { number status }
    } }
  }
}
"""


async def _reads(
    graphql: Callable[..., Any], sandbox_stats: Callable[..., Any], first: int
) -> dict[str, int]:
    before = await sandbox_stats()
    body = await graphql(PAGE, {"first": first})
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["orders"]["edges"]) == first
    after = await sandbox_stats()
    return {system: after[system]["reads"] - before[system]["reads"] for system in after}


async def test_fifty_orders_cost_what_ten_cost(
    graphql: Callable[..., Any], sandbox_stats: Callable[..., Any]
) -> None:
    ten = await _reads(graphql, sandbox_stats, 10)
    fifty = await _reads(graphql, sandbox_stats, 50)
    assert sum(fifty.values()) <= 12, fifty
    assert sum(fifty.values()) <= sum(ten.values()) + 2, (ten, fifty)
    # One call per system and key kind: OMS list, CRM contacts + cases, ERP orders + billing.
    assert fifty["oms"] == 1
    assert fifty["crm"] == 2
    assert fifty["erp"] == 2


async def test_each_key_kind_is_read_once_per_request(
    graphql: Callable[..., Any], sandbox_stats: Callable[..., Any]
) -> None:
    await graphql(PAGE, {"first": 25})
    routes = {
        route: count
        for counters in (await sandbox_stats()).values()
        for route, count in counters["by_route"].items()
        if count
    }
    sales = "GET /erp/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder"
    billing = "GET /erp/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument"
    assert routes[sales] == 1
    assert routes[billing] == 1
    assert routes["GET /oms/admin/api/2024-01/orders.json"] == 1
    # Contacts and cases are two SOQL queries on one route.
    assert routes["GET /crm/services/data/v60.0/query"] == 2
