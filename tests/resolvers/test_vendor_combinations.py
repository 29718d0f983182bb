"""Every vendor combination answers the same order 360 and pages in O(1) calls per system.

A gateway per combination (SAP + Salesforce, Dynamics 365 + Zendesk) runs over the one
sandbox world, whose emulations of each vendor serve the same orders, documents and
cases in their own wire formats. The answers must be the same, and a page of orders
must cost a fixed number of upstream calls per system whatever its size.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from order_document import ORDER_BY_NUMBER
from starlette.applications import Starlette

from tests.conftest import SANDBOX, running_gateway
from tests.vendors import COMBINATIONS, vendor_env

PAGE = """
query($first: Int!) {
  orders(first: $first) {
    edges { node {
      number
      customer { name loyaltyTier }
      lines { sku quantity refundableQuantity }
      erpSalesOrder { documentNumber status netAmount { amount currency } }
      invoices { documentNumber kind amount { amount currency } }
      refunds { id erpCreditMemo }
      cases { number subject status priority }
      refundable { amount currency }
    } }
  }
}
"""


@pytest.fixture(scope="module")
async def gateways(sandbox_app: Starlette) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One gateway per vendor combination, over the shared sandbox."""
    started: dict[str, httpx.AsyncClient] = {}
    contexts = []
    for name, chosen in COMBINATIONS.items():
        context = running_gateway(
            sandbox_app, ORDER360_CACHE_TTL_SECONDS="0", **vendor_env(SANDBOX, **chosen)
        )
        started[name] = await context.__aenter__()
        contexts.append(context)
    yield started
    for context in reversed(contexts):
        await context.__aexit__(None, None, None)


async def _ask(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body


def _with_cases_and_credits(world: Any) -> list[Any]:
    """Orders that exercise every system: invoiced, refunded with a credit, with cases."""
    chosen = [
        o
        for o in world.orders
        if o.sales_order is not None and o.sales_order.invoices and o.cases and o.refunds
    ]
    assert len(chosen) >= 3, "the sandbox world lacks orders with cases and credits"
    return chosen[:3]


def _canonical(view: dict[str, Any]) -> dict[str, Any]:
    """The answer without what legitimately differs by vendor or by time: the service
    desk's own contact ids, case numbers as each quotes them (Salesforce ``00001008``,
    Zendesk ticket ``1008``), the ERP's clock (SAP books a date, Dynamics a moment),
    section ages and audit entries."""
    text = json.dumps(view)
    for case in view["cases"]:
        text = text.replace(case["number"], case["number"].lstrip("0"))
    canonical: dict[str, Any] = json.loads(text)
    canonical["customer"].pop("id")
    canonical["erpSalesOrder"]["createdAt"] = canonical["erpSalesOrder"]["createdAt"][:10]
    canonical.pop("sections")
    canonical.pop("auditTrail")
    return canonical


async def test_the_order_360_is_the_same_whichever_vendors(
    gateways: dict[str, httpx.AsyncClient], token: Callable[..., str], world: Any
) -> None:
    bearer = token()
    for order in _with_cases_and_credits(world):
        views = [
            (await _ask(client, bearer, ORDER_BY_NUMBER, {"n": order.name}))["data"]["order"]
            for client in gateways.values()
        ]
        for view in views:
            assert view["invoices"], view
            assert view["cases"], view
            assert {s["state"] for s in view["sections"]} == {"OK"}, view["sections"]
        first, second = (_canonical(view) for view in views)
        differing = {key: (first[key], second[key]) for key in first if first[key] != second[key]}
        assert not differing, (order.name, differing)
        ids = [view["customer"]["id"] for view in views]
        assert ids[0].startswith("sfdc:Contact:"), ids
        assert ids[1].startswith("zendesk:User:"), ids


async def _reads(
    client: httpx.AsyncClient, bearer: str, sandbox_stats: Callable[..., Any], first: int
) -> dict[str, int]:
    before = await sandbox_stats()
    body = await _ask(client, bearer, PAGE, {"first": first})
    assert len(body["data"]["orders"]["edges"]) == first
    after = await sandbox_stats()
    return {system: after[system]["reads"] - before[system]["reads"] for system in after}


@pytest.mark.parametrize("combination", list(COMBINATIONS))
async def test_a_page_costs_the_same_calls_whatever_its_size(
    gateways: dict[str, httpx.AsyncClient],
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    combination: str,
) -> None:
    client, bearer = gateways[combination], token()
    ten = await _reads(client, bearer, sandbox_stats, 10)
    fifty = await _reads(client, bearer, sandbox_stats, 50)
    # One call per system and key kind, more only where a vendor's request limit splits
    # the keys (URL length, ids per call): never one per order.
    assert fifty["oms"] == 1, fifty
    for system in ("erp", "crm"):
        assert fifty[system] <= ten[system] + 2, (ten, fifty)
    assert sum(fifty.values()) <= 12, fifty
