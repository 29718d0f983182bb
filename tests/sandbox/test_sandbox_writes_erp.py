"""SAP writes: the CSRF handshake, credit memo requests (posted at once as credit memos),
customer returns, duplicate external references, stock control, read-back."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey
from sandbox_testkit import (
    ANCHOR,
    BILLING,
    CREDIT_MEMOS,
    ERP_AUTH,
    OMS,
    RETURNS,
    SB,
    SHOPIFY,
    STOCK,
    assert_odata_error,
    erp_csrf,
    make_client,
)

from sandbox import SandboxConfig, create_standalone_app
from sandbox.world import Order, World

_taken: set[str] = set()


def fresh(world: World, keep: Callable[[Order], bool] = lambda o: True) -> Order:
    """A replicated, invoiced order no earlier test of this module has written to."""
    for order in world.orders:
        so = order.sales_order
        if order.name not in _taken and so is not None and so.invoices and keep(order):
            _taken.add(order.name)
            return order
    raise AssertionError("no suitable order left")


def memo_request(order: Order, reference: str, **changes: Any) -> dict[str, Any]:
    line = order.lines[0]
    body: dict[str, Any] = {
        "CreditMemoRequestType": "CR",
        "SDDocumentReason": "101",
        "TransactionCurrency": order.currency,
        "PurchaseOrderByCustomer": order.name,
        "ReferenceSDDocument": order.sales_order.number if order.sales_order else "",
        "ReferenceSDDocumentCategory": "C",
        "YY1_Order360RefundID_SDH": reference,
        "YY1_OMSRefundID_SDH": f"oms-{reference}",
        "to_Item": {
            "results": [
                {
                    "CreditMemoRequestItem": "10",
                    "Material": line.product.sku,
                    "RequestedQuantity": "1",
                    "NetAmount": "12.50",
                }
            ]
        },
    }
    body.update(changes)
    return body


def return_request(order: Order, reference: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "CustomerReturnType": "CBAR",
        "SDDocumentReason": "101",
        "PurchaseOrderByCustomer": order.name,
        "SoldToParty": order.customer.sap_number,
        "YY1_Order360RequestID_SDH": reference,
        "to_Item": {
            "results": [
                {
                    "CustomerReturnItem": "10",
                    "Material": order.lines[0].product.sku,
                    "RequestedQuantity": "1",
                    "ReturnReason": "101",
                }
            ]
        },
    }
    body.update(changes)
    return body


async def post_memo(client: httpx.AsyncClient, body: Any, csrf: dict[str, str]) -> httpx.Response:
    return await client.post(
        f"{CREDIT_MEMOS}/A_CreditMemoRequest", json=body, auth=ERP_AUTH, headers=csrf
    )


async def results(client: httpx.AsyncClient, url: str, **params: str) -> list[dict[str, Any]]:
    response = await client.get(url, params=params, auth=ERP_AUTH)
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]  # type: ignore[no-any-return]


async def test_csrf_token_is_required_and_bound_to_the_session(
    write_client: httpx.AsyncClient, write_app: Any, write_world: World
) -> None:
    order = fresh(write_world)
    body = memo_request(order, "csrf-1")
    for headers in ({}, {"x-csrf-token": "made-up"}):
        refused = await post_memo(write_client, body, headers)
        assert refused.status_code == 403
        assert refused.headers["x-csrf-token"] == "Required"
        assert refused.headers["content-type"].startswith("text/plain")
        assert refused.text == "CSRF token validation failed"
    anonymous = await write_client.post(f"{CREDIT_MEMOS}/A_CreditMemoRequest", json=body)
    assert anonymous.status_code == 401  # logon is checked before the token
    token = await erp_csrf(write_client)
    assert "SAP_SESSIONID_SBX_100" in write_client.cookies
    # The same token without its session cookie, or from another session, is refused.
    async with make_client(write_app) as stranger:
        assert (await post_memo(stranger, body, token)).status_code == 403
        theirs = await erp_csrf(stranger)
        assert theirs != token
        assert (await post_memo(write_client, body, theirs)).status_code == 403
    assert write_world.credit_memo_requests == []
    # Fetching again within the session hands out the same token (SAP keeps one per session).
    assert await erp_csrf(write_client, RETURNS) == token
    created = await post_memo(write_client, body, token)
    assert created.status_code == 201, created.text
    stats = (await write_client.get(f"{SB}/stats")).json()["erp"]
    route = "POST /erp/sap/opu/odata/sap/API_CREDIT_MEMO_REQUEST_SRV/A_CreditMemoRequest"
    assert stats["by_route"][route] == 6  # refused attempts were received and count too
    assert stats["writes"] == 6
    assert stats["reads"] == 3  # the token fetches


async def test_credit_memo_request_posts_a_credit_memo(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    so = order.sales_order
    assert so is not None
    # Read billing first, so the rows exist before the write and must be updated in place.
    before = await results(write_client, f"{BILLING}/A_BillingDocument", **{"$top": "1"})
    assert before
    last = max(int(d.number) for d in write_world.billing_documents)
    csrf = await erp_csrf(write_client)
    response = await post_memo(write_client, memo_request(order, "RR-100"), csrf)
    assert response.status_code == 201, response.text
    d = response.json()["d"]
    assert d["CreditMemoRequest"].startswith("6000000")
    assert d["__metadata"]["type"] == "API_CREDIT_MEMO_REQUEST_SRV.A_CreditMemoRequestType"
    assert response.headers["location"] == d["__metadata"]["uri"]
    assert response.headers["location"].endswith(f"A_CreditMemoRequest('{d['CreditMemoRequest']}')")
    assert (d["YY1_Order360RefundID_SDH"], d["YY1_OMSRefundID_SDH"]) == ("RR-100", "oms-RR-100")
    assert (d["PurchaseOrderByCustomer"], d["TotalNetAmount"]) == (order.name, "12.50")
    assert (d["ReferenceSDDocument"], d["ReferenceSDDocumentCategory"]) == (so.number, "C")
    assert d["SoldToParty"] == order.customer.sap_number
    (item,) = d["to_Item"]["results"]
    assert (item["Material"], item["NetAmount"]) == (order.lines[0].product.sku, "12.50")
    memo = await results(
        write_client,
        f"{BILLING}/A_BillingDocument",
        **{"$filter": "YY1_OMSRefundID_BDH eq 'oms-RR-100'", "$expand": "to_Item"},
    )
    (doc,) = memo
    assert doc["BillingDocument"] == str(last + 1)  # next in the billing number range
    assert (doc["SDDocumentCategory"], doc["BillingDocumentType"]) == ("O", "G2")
    assert doc["PurchaseOrderByCustomer"] == order.name
    tax = (Decimal("12.50") * order.customer.tax_rate).quantize(Decimal("0.01"))
    assert Decimal(doc["TotalNetAmount"]) == Decimal("12.50")
    assert Decimal(doc["TaxAmount"]) == tax
    assert Decimal(doc["TotalGrossAmount"]) == Decimal("12.50") + tax
    (billing_item,) = doc["to_Item"]["results"]
    assert billing_item["SalesDocument"] == so.number
    by_order = await results(
        write_client,
        f"{BILLING}/A_BillingDocumentItem",
        **{"$filter": f"SalesDocument eq '{so.number}'"},
    )
    assert doc["BillingDocument"] in {i["BillingDocument"] for i in by_order}
    assert so.credit_memos[-1].number == doc["BillingDocument"]
    one = await write_client.get(
        f"{BILLING}/A_BillingDocument('{doc['BillingDocument']}')", auth=ERP_AUTH
    )
    assert one.json()["d"]["YY1_OMSRefundID_BDH"] == "oms-RR-100"


async def test_credit_memo_links_the_shopify_refund_it_names(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, lambda o: o.state == "delivered" and o.financial_status == "paid")
    tx = {"parent_id": order.payment_transaction_id, "amount": "12.50", "kind": "refund"}
    refund = await write_client.post(
        f"{OMS}/orders/{order.shopify_id}/refunds.json",
        json={"refund": {"transactions": [tx]}},
        headers=SHOPIFY,
    )
    refund_id = str(refund.json()["refund"]["id"])
    csrf = await erp_csrf(write_client)
    body = memo_request(order, "RR-link", YY1_OMSRefundID_SDH=refund_id)
    assert (await post_memo(write_client, body, csrf)).status_code == 201
    (memo,) = await results(
        write_client,
        f"{BILLING}/A_BillingDocument",
        **{"$filter": f"YY1_OMSRefundID_BDH eq '{refund_id}'"},
    )
    (written,) = order.refunds
    assert written.credit_memo is not None
    assert written.credit_memo.number == memo["BillingDocument"]


async def test_earlier_posts_can_be_looked_up(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    csrf = await erp_csrf(write_client)
    created = (await post_memo(write_client, memo_request(order, "RR-200"), csrf)).json()["d"]
    number = created["CreditMemoRequest"]
    found = await results(
        write_client,
        f"{CREDIT_MEMOS}/A_CreditMemoRequest",
        **{"$filter": "YY1_Order360RefundID_SDH eq 'RR-200'", "$select": "CreditMemoRequest"},
    )
    assert found == [{"__metadata": found[0]["__metadata"], "CreditMemoRequest": number}]
    by_order = await results(
        write_client,
        f"{CREDIT_MEMOS}/A_CreditMemoRequest",
        **{"$filter": f"PurchaseOrderByCustomer eq '{order.name}'"},
    )
    assert [r["CreditMemoRequest"] for r in by_order] == [number]
    assert (
        await results(
            write_client,
            f"{CREDIT_MEMOS}/A_CreditMemoRequest",
            **{"$filter": "YY1_Order360RefundID_SDH eq 'never-posted'"},
        )
        == []
    )
    one = await write_client.get(
        f"{CREDIT_MEMOS}/A_CreditMemoRequest('{number}')",
        params={"$expand": "to_Item"},
        auth=ERP_AUTH,
    )
    assert one.status_code == 200
    assert one.json()["d"]["to_Item"]["results"][0]["CreditMemoRequest"] == number
    missing = await write_client.get(f"{CREDIT_MEMOS}/A_CreditMemoRequest('1')", auth=ERP_AUTH)
    assert_odata_error(missing, 404)
    metadata = await write_client.get(f"{CREDIT_MEMOS}/$metadata", auth=ERP_AUTH)
    assert '<EntityType Name="A_CreditMemoRequestType">' in metadata.text


async def test_duplicate_external_reference_is_refused(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    csrf = await erp_csrf(write_client)
    assert (await post_memo(write_client, memo_request(order, "RR-300"), csrf)).status_code == 201
    again = await post_memo(write_client, memo_request(order, "RR-300"), csrf)
    error = assert_odata_error(again, 400)
    assert error["code"] == "SD_SLS_API/409"
    assert error["message"]["value"] == (  # type: ignore[index]
        "Credit memo request for external reference RR-300 already exists"
    )
    assert len([r for r in write_world.credit_memo_requests if r.external_id == "RR-300"]) == 1


async def test_credit_memo_request_validation(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    other = fresh(write_world, lambda o: o.currency != order.currency)
    invoice = order.sales_order.invoices[0].number if order.sales_order else ""
    csrf = await erp_csrf(write_client)
    items = memo_request(order, "x")["to_Item"]
    bad: list[dict[str, Any]] = [
        memo_request(order, "v-1", TransactionCurrency=other.currency),
        memo_request(order, "v-2", PurchaseOrderByCustomer="#999999"),
        memo_request(
            order, "v-3", to_Item={"results": [{**items["results"][0], "NetAmount": "0"}]}
        ),
        memo_request(
            order, "v-4", to_Item={"results": [{"Material": "NOT-OURS", "NetAmount": "1"}]}
        ),
        memo_request(order, "v-5", Foo="bar"),
        memo_request(order, "v-6", to_Item={"results": []}),
        memo_request(order, "v-7", ReferenceSDDocument="12345", ReferenceSDDocumentCategory="M"),
        memo_request(order, "v-8", CreditMemoRequestType="ZZ"),
        memo_request(order, "v-9", PurchaseOrderByCustomer=None),
    ]
    for body in bad:
        assert_odata_error(await post_memo(write_client, body, csrf), 400)
    not_json = await write_client.post(
        f"{CREDIT_MEMOS}/A_CreditMemoRequest",
        content=b"{oops",
        auth=ERP_AUTH,
        headers={**csrf, "Content-Type": "application/json"},
    )
    assert_odata_error(not_json, 400)
    refused = {f"v-{n}" for n in range(1, 10)}
    assert not refused & set(write_world.credit_memo_request_by_external_id)
    by_invoice = memo_request(
        order, "v-ok", ReferenceSDDocument=invoice, ReferenceSDDocumentCategory="M"
    )
    created = await post_memo(write_client, by_invoice, csrf)
    assert created.status_code == 201, created.text
    assert created.json()["d"]["ReferenceSDDocumentCategory"] == "M"


async def test_other_writes_are_not_allowed(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    so = write_world.sales_orders[0].number
    csrf = await erp_csrf(write_client)
    sales = f"{SB}/erp/sap/opu/odata/sap/API_SALES_ORDER_SRV"
    for method, url in (
        ("POST", f"{sales}/A_SalesOrder"),
        ("PATCH", f"{sales}/A_SalesOrder('{so}')"),
        ("DELETE", f"{sales}/A_SalesOrder('{so}')"),
        ("PATCH", f"{CREDIT_MEMOS}/A_CreditMemoRequest('60000001')"),
    ):
        response = await write_client.request(method, url, json={}, auth=ERP_AUTH, headers=csrf)
        assert_odata_error(response, 405)
    assert_odata_error(
        await write_client.post(f"{CREDIT_MEMOS}/A_Nothing", json={}, auth=ERP_AUTH, headers=csrf),
        404,
    )


async def test_customer_return_is_created_and_found(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    sku = order.lines[0].product.sku
    stock_before = write_world.stock[sku]
    csrf = await erp_csrf(write_client, RETURNS)
    response = await write_client.post(
        f"{RETURNS}/A_CustomerReturn",
        json=return_request(order, "RQ-1"),
        auth=ERP_AUTH,
        headers=csrf,
    )
    assert response.status_code == 201, response.text
    d = response.json()["d"]
    assert d["CustomerReturn"].startswith("7000000")
    assert (d["CustomerReturnType"], d["YY1_Order360RequestID_SDH"]) == ("CBAR", "RQ-1")
    assert d["PurchaseOrderByCustomer"] == order.name
    assert response.headers["location"].endswith(f"A_CustomerReturn('{d['CustomerReturn']}')")
    (item,) = d["to_Item"]["results"]
    assert (item["Material"], item["ReturnReason"], item["RequestedQuantity"]) == (sku, "101", "1")
    found = await results(
        write_client,
        f"{RETURNS}/A_CustomerReturn",
        **{"$filter": "YY1_Order360RequestID_SDH eq 'RQ-1'"},
    )
    assert [r["CustomerReturn"] for r in found] == [d["CustomerReturn"]]
    one = await write_client.get(
        f"{RETURNS}/A_CustomerReturn('{d['CustomerReturn']}')", auth=ERP_AUTH
    )
    assert one.json()["d"]["CustomerReturn"] == d["CustomerReturn"]
    again = await write_client.post(
        f"{RETURNS}/A_CustomerReturn",
        json=return_request(order, "RQ-1"),
        auth=ERP_AUTH,
        headers=csrf,
    )
    assert assert_odata_error(again, 400)["code"] == "SD_SLS_API/409"
    foreign = return_request(
        order, "RQ-2", to_Item={"results": [{"Material": "NOT-OURS", "RequestedQuantity": "1"}]}
    )
    refused = await write_client.post(
        f"{RETURNS}/A_CustomerReturn", json=foreign, auth=ERP_AUTH, headers=csrf
    )
    assert_odata_error(refused, 400)
    assert write_world.stock[sku] == stock_before  # a return moves no stock until received


async def test_faults_apply_to_erp_writes(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world)
    csrf = await erp_csrf(write_client)
    await write_client.put(f"{SB}/faults/erp", json={"error_rate": 1.0, "error_status": 503})
    response = await post_memo(write_client, memo_request(order, "RR-F"), csrf)
    error = assert_odata_error(response, 503)
    assert error["innererror"]["application"]["service_id"] == (  # type: ignore[index]
        "API_CREDIT_MEMO_REQUEST_SRV"
    )
    assert "RR-F" not in write_world.credit_memo_request_by_external_id


async def test_stock_control_sets_what_reads_show(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    sku = write_world.products[3].sku
    url = f"{STOCK}/A_MatlStkInAcctMod"
    await results(write_client, url, **{"$filter": f"Material eq '{sku}'"})  # build the rows
    put = await write_client.put(f"{SB}/stock/{sku}", json={"quantity": 0})
    assert put.json() == {"material": sku, "quantity": 0}
    (row,) = await results(write_client, url, **{"$filter": f"Material eq '{sku}'"})
    assert row["MatlWrhsStkQtyInMatlBaseUnit"] == "0"
    assert (await write_client.put(f"{SB}/stock/NOPE", json={"quantity": 1})).status_code == 404
    for body in ({"quantity": -1}, {"quantity": "5"}, {"quantity": True}, {}):
        assert (await write_client.put(f"{SB}/stock/{sku}", json=body)).status_code == 400
    stats = (await write_client.get(f"{SB}/stats")).json()["erp"]
    assert stats["writes"] == 0  # the control surface is not counted


async def test_writes_show_in_sets_built_after_them(signing_key: RSAKey) -> None:
    """Nothing read before the write: the first read builds the rows from the world."""
    app = create_standalone_app(
        SandboxConfig(anchor=ANCHOR, signing_key=signing_key, customers=40, orders=300)
    )
    world: World = app.state.world
    order = next(o for o in world.orders if o.sales_order is not None)
    sku = world.products[0].sku
    async with make_client(app) as client:
        await client.put(f"{SB}/stock/{sku}", json={"quantity": 7})
        csrf = await erp_csrf(client)
        created = await post_memo(client, memo_request(order, "late-1"), csrf)
        assert created.status_code == 201, created.text
        memos = await results(
            client,
            f"{BILLING}/A_BillingDocument",
            **{"$filter": "YY1_OMSRefundID_BDH eq 'oms-late-1'"},
        )
        assert len(memos) == 1
        (row,) = await results(
            client, f"{STOCK}/A_MatlStkInAcctMod", **{"$filter": f"Material eq '{sku}'"}
        )
        assert row["MatlWrhsStkQtyInMatlBaseUnit"] == "7"


@pytest.mark.parametrize("method", ["PUT", "MERGE"])
async def test_modifying_methods_need_the_token_too(
    write_client: httpx.AsyncClient, method: str
) -> None:
    response = await write_client.request(
        method, f"{CREDIT_MEMOS}/A_CreditMemoRequest('60000001')", json={}, auth=ERP_AUTH
    )
    assert response.status_code == 403
    assert response.headers["x-csrf-token"] == "Required"
