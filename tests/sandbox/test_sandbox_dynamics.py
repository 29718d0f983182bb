"""The Dynamics 365 F&O emulation speaks the wire format over the shared world, and the
Dynamics plug-in, opened through the registry, tells the same story as the SAP one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sandbox_testkit import SB
from starlette.applications import Starlette

from sandbox.world import World
from sources.call import CallContext
from sources.commands import CreditLine, CreditNote
from sources.config import Secret
from sources.dynamics.batch import BatchRequest, encode_changeset, parse_batch_response
from sources.models import Money
from sources.plugins import Plugin, VendorSettings
from sources.registry import SourcesConfig, open_sources, plugin_for
from sources.roles import Role

HOST = "http://sandbox"
DATA = f"{SB}/dynamics/data"
TENANT = "0f6c1c7e-5a3b-4d2e-9c1a-36000000d365"


async def bearer(client: httpx.AsyncClient) -> dict[str, str]:
    """Authorization header from the emulated Entra ID (client credentials)."""
    response = await client.post(
        f"{SB}/dynamics/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "6d0e5f3a-order360-sandbox-d365",
            "client_secret": "sandbox-d365-secret",
            "scope": f"{HOST}{SB}/dynamics/.default",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def refunded_order(world: World) -> Any:
    return next(o for o in world.orders if o.sales_order and o.refunds and o.sales_order.invoices)


async def test_sales_order_headers_by_filter(client: httpx.AsyncClient, world: World) -> None:
    order = refunded_order(world)
    auth = await bearer(client)
    query = {
        "cross-company": "true",
        "$filter": f"dataAreaId eq 'usmf' and (CustomersOrderReference eq '{order.name}' "
        "or CustomersOrderReference eq '#no-such')",
        "$select": "SalesOrderNumber,CustomersOrderReference,OrderTotalAmount,SalesOrderStatus",
    }
    response = await client.get(f"{DATA}/SalesOrderHeadersV2", params=query, headers=auth)

    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith(
        "$metadata#SalesOrderHeadersV2(SalesOrderNumber,CustomersOrderReference,"
        "OrderTotalAmount,SalesOrderStatus)"
    )
    (row,) = body["value"]
    assert row["SalesOrderNumber"] == order.sales_order.number
    assert isinstance(row["OrderTotalAmount"], float)  # a JSON number, not a string
    assert set(row) == set(query["$select"].split(","))

    # Without cross-company=true F&O answers from the default company, which is empty.
    alone = {k: v for k, v in query.items() if k != "cross-company"}
    response = await client.get(f"{DATA}/SalesOrderHeadersV2", params=alone, headers=auth)
    assert response.json()["value"] == []


async def test_in_paging_errors_and_auth(client: httpx.AsyncClient, world: World) -> None:
    auth = await bearer(client)
    skus = [p.sku for p in world.products[:3]]
    listed = ",".join(f"'{sku}'" for sku in skus)
    query = {"cross-company": "true", "$filter": f"ItemNumber in ({listed})"}
    paged = {**auth, "Prefer": "odata.maxpagesize=2"}
    first = (await client.get(f"{DATA}/WarehousesOnHandV2", params=query, headers=paged)).json()
    assert len(first["value"]) == 2
    rest = await client.get(first["@odata.nextLink"].removeprefix(HOST), headers=paged)
    assert [r["ItemNumber"] for r in first["value"] + rest.json()["value"]] == skus
    assert "@odata.nextLink" not in rest.json()

    bad = await client.get(
        f"{DATA}/SalesOrderHeadersV2", params={"$filter": "Nope eq 1"}, headers=auth
    )
    assert bad.status_code == 400
    assert "Could not find a property named 'Nope'" in bad.json()["error"]["innererror"]["message"]
    assert (await client.get(f"{DATA}/SalesOrderHeadersV2")).status_code == 401


async def test_rate_limit_fault_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    auth = await bearer(client)
    await client.put(f"{SB}/faults/erp", json={"rate_limit_rate": 1.0, "retry_after_s": 3})
    response = await client.get(f"{DATA}/SalesOrderHeadersV2", headers=auth)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert "high resource utilization" in response.json()["error"]["message"]


async def test_batch_credit_shows_among_the_invoices(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = refunded_order(write_world)
    line = order.lines[0]
    auth = await bearer(write_client)
    header = {
        "dataAreaId": "usmf",
        "CustomerAccount": order.customer.sap_number,
        "CurrencyCode": order.currency,
        "CustomerReference": order.name,
        "O360WorkflowReference": "wf-sandbox-1",
        "O360OmsRefundId": "R-42",
    }
    lines = [{"LineNumber": 1, "Description": line.product.sku, "Quantity": -1, "LineAmount": -5}]
    requests = [BatchRequest("POST", "FreeTextInvoiceHeaders", header)]
    requests += [BatchRequest("POST", "$1/FreeTextInvoiceLines", body) for body in lines]
    body, content_type = encode_changeset(requests, base="/data")
    response = await write_client.post(
        f"{DATA}/$batch", content=body, headers={**auth, "Content-Type": content_type}
    )
    assert response.status_code == 200
    answers = parse_batch_response(response.content, response.headers["content-type"])
    assert [a.status for a in answers] == [201, 201]
    number = answers[0].json()["FreeTextNumber"]

    query = {
        "cross-company": "true",
        "$filter": f"dataAreaId eq 'usmf' and CustomersOrderReference eq '{order.name}'",
    }
    invoices = await write_client.get(f"{DATA}/SalesInvoiceHeadersV2", params=query, headers=auth)
    credits = [r for r in invoices.json()["value"] if r["O360OmsRefundId"] == "R-42"]
    assert len(credits) == 1
    assert credits[0]["TotalInvoiceAmount"] < 0
    assert Decimal(str(credits[0]["TotalInvoiceAmount"])) - Decimal(
        str(credits[0]["TotalTaxAmount"])
    ) == Decimal("-5")
    found = await write_client.get(
        f"{DATA}/FreeTextInvoiceHeaders",
        params={"cross-company": "true", "$filter": "O360WorkflowReference eq 'wf-sandbox-1'"},
        headers=auth,
    )
    assert [r["FreeTextNumber"] for r in found.json()["value"]] == [number]

    # The same reference again: the changeset fails as a whole, nothing is written.
    again = await write_client.post(
        f"{DATA}/$batch", content=body, headers={**auth, "Content-Type": content_type}
    )
    (failed,) = parse_batch_response(again.content, again.headers["content-type"])
    assert failed.status == 400
    assert "already exists" in json.loads(failed.body)["error"]["innererror"]["message"]


def _settings(plugin: Plugin, root: str) -> VendorSettings:
    values: dict[str, str] = {}
    secrets: dict[str, Secret] = {}
    for setting in plugin.settings:
        value = setting.sandbox.replace("{sandbox}", root)
        if setting.secret:
            secrets[setting.name] = Secret(value)
        else:
            values[setting.name] = value
    return VendorSettings(f"{root}/{plugin.sandbox_path}", values, secrets)


def _config(erp: str, root: str) -> SourcesConfig:
    vendors: dict[Role, str] = {
        "oms": "shopify",
        "erp": erp,
        "crm": "salesforce",
        "carrier": "fedex-easypost",
    }
    chosen = {role: plugin_for(role, name) for role, name in vendors.items()}
    return SourcesConfig({role: (p, _settings(p, root)) for role, p in chosen.items()})


@pytest.fixture
async def both_erps(write_app: Starlette) -> AsyncIterator[dict[str, Any]]:
    transport = httpx.ASGITransport(app=write_app)
    root = f"{HOST}{SB}"
    async with (
        open_sources(_config("sap", root), transport=transport) as sap,
        open_sources(_config("dynamics", root), transport=transport) as dynamics,
    ):
        yield {"sap": sap.erp, "dynamics": dynamics.erp}


async def test_dynamics_plugin_agrees_with_sap(
    both_erps: dict[str, Any], write_world: World
) -> None:
    call = CallContext("req-equal")
    order = refunded_order(write_world)
    sku = order.lines[0].product.sku
    seen = {}
    for name, erp in both_erps.items():
        seen[name] = (
            (await erp.sales_orders([order.name], call))[order.name],
            (await erp.billing_documents([order.name], call))[order.name],
            (await erp.stock([sku], call))[sku],
        )
    (sap_so, sap_docs, sap_stock), (d_so, d_docs, d_stock) = seen["sap"], seen["dynamics"]

    assert (d_so.document_number, d_so.order_number, d_so.sold_to_party) == (
        sap_so.document_number,
        sap_so.order_number,
        sap_so.sold_to_party,
    )
    assert (d_so.status, d_so.net_amount) == (sap_so.status, sap_so.net_amount)
    assert d_so.created_at.date() == sap_so.created_at.date()
    assert [(i.material, i.quantity, i.net_amount, i.rejected) for i in d_so.items] == [
        (i.material, i.quantity, i.net_amount, i.rejected) for i in sap_so.items
    ]

    def substance(doc: Any) -> tuple[Any, ...]:
        return (
            doc.document_number,
            doc.kind,
            doc.issued_at,
            doc.net_amount,
            doc.tax_amount,
            doc.gross_amount,
            doc.oms_refund_id,
        )

    assert sorted(map(substance, d_docs)) == sorted(map(substance, sap_docs))
    assert d_stock.quantity == sap_stock.quantity


async def test_post_credit_through_the_plugin_is_seen_by_both(
    both_erps: dict[str, Any], write_world: World
) -> None:
    call = CallContext("req-credit")
    order = refunded_order(write_world)
    so = order.sales_order
    line = CreditLine(
        order.lines[0].product.sku, Decimal(1), Money(Decimal("3.00"), order.currency)
    )
    credit = CreditNote("wf-plugin-1", "R-77", order.name, so.number, "DAMAGED", (line,))

    first = await both_erps["dynamics"].post_credit(credit, call)
    assert await both_erps["dynamics"].post_credit(credit, call) == first

    for erp in both_erps.values():
        docs = (await erp.billing_documents([order.name], call))[order.name]
        memos = [d for d in docs if d.oms_refund_id == "R-77"]
        assert [(d.kind, d.net_amount.amount) for d in memos] == [("CREDIT_MEMO", Decimal("3.00"))]
