"""SAP OData v2 simulator: envelopes, query options, paging, errors, auth, CSRF."""

from __future__ import annotations

import httpx
from sandbox_testkit import BILLING, ERP_AUTH, SALES, STOCK, assert_odata_error

from sandbox.world import World


async def test_basic_auth_is_required(client: httpx.AsyncClient) -> None:
    for auth in (None, ("ORDER360_COMM", "wrong")):
        response = await client.get(f"{SALES}/A_SalesOrder", auth=auth)
        assert response.status_code == 401
        assert (
            response.headers["www-authenticate"] == 'Basic realm="SAP NetWeaver Application Server"'
        )


async def test_single_entity_envelope(client: httpx.AsyncClient, world: World) -> None:
    so = world.sales_orders[122]
    response = await client.get(f"{SALES}/A_SalesOrder('{so.number}')", auth=ERP_AUTH)
    assert response.status_code == 200
    d = response.json()["d"]
    assert "results" not in d
    meta = d["__metadata"]
    assert meta["uri"].endswith(
        f"/sandbox/erp/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('{so.number}')"
    )
    assert meta["type"] == "API_SALES_ORDER_SRV.A_SalesOrderType"
    assert meta["etag"].startswith("W/\"datetimeoffset'")
    assert d["SalesOrder"] == so.number
    assert d["PurchaseOrderByCustomer"] == so.order.name
    assert d["SoldToParty"] == so.order.customer.sap_number
    assert d["TotalNetAmount"] == str(so.total_net_amount)
    assert d["TransactionCurrency"] == so.order.currency
    assert d["SalesOrderDate"].startswith("/Date(")
    assert d["SalesOrderDate"].endswith(")/")
    assert d["LastChangeDateTime"].endswith("+0000)/")
    assert d["to_Item"] == {"__deferred": {"uri": f"{meta['uri']}/to_Item"}}


async def test_unknown_key_is_an_odata_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{SALES}/A_SalesOrder('9999999')", auth=ERP_AUTH)
    assert_odata_error(response, 404)


async def test_or_chain_select_and_expand(client: httpx.AsyncClient, world: World) -> None:
    wanted = [so.number for so in world.sales_orders[100:150]]
    response = await client.get(
        f"{SALES}/A_SalesOrder",
        auth=ERP_AUTH,
        params={
            "$filter": " or ".join(f"SalesOrder eq '{n}'" for n in wanted),
            "$select": "SalesOrder,TotalNetAmount,to_Item/Material,to_Item/NetAmount",
            "$expand": "to_Item",
            "$format": "json",
        },
    )
    assert response.status_code == 200, response.text
    results = response.json()["d"]["results"]
    assert [r["SalesOrder"] for r in results] == wanted
    first = results[0]
    assert set(first) == {"__metadata", "SalesOrder", "TotalNetAmount", "to_Item"}
    items = first["to_Item"]["results"]
    lines = world.sales_order_by_number[wanted[0]].order.lines
    assert [i["Material"] for i in items] == [ln.product.sku for ln in lines]
    assert set(items[0]) == {"__metadata", "Material", "NetAmount"}


async def test_filter_grammar(client: httpx.AsyncClient, world: World) -> None:
    so = world.sales_orders[10]
    name, amount = so.order.name, so.total_net_amount
    cases = {
        f"(PurchaseOrderByCustomer eq '{name}') and TotalNetAmount ge {amount}M": 1,
        f"not (SalesOrder ne '{so.number}')": 1,
        "OverallSDDocumentRejectionSts eq 'C'": sum(
            s.rejection_status == "C" for s in world.sales_orders
        ),
        "CompleteDeliveryIsDefined eq true": 0,
        "SalesOrderDate ge datetime'2026-05-01T00:00:00' and DeliveryBlockReason eq ''": sum(
            s.order.created_at.date().isoformat() >= "2026-05-01" for s in world.sales_orders
        ),
        "LastChangeDateTime lt datetimeoffset'2025-12-15T00:00:00Z'": sum(
            s.changed_at.isoformat() < "2025-12-15" for s in world.sales_orders
        ),
        "PurchaseOrderByCustomer eq 'it''s'": 0,
    }
    for expression, expected in cases.items():
        response = await client.get(
            f"{SALES}/A_SalesOrder/$count", auth=ERP_AUTH, params={"$filter": expression}
        )
        assert response.status_code == 200, (expression, response.text)
        assert int(response.text) == expected, expression


async def test_filter_errors(client: httpx.AsyncClient) -> None:
    for expression, text in (
        ("Foo eq 1", "Property Foo not found"),
        ("SalesOrder eq", "Invalid filter"),
        ("(SalesOrder eq '1'", "Invalid filter"),
        ("TotalNetAmount eq 'x'", "does not match"),
        ("substringof('x', SalesOrder)", "not supported"),
        ("(" * 100 + "SalesOrder eq '1'" + ")" * 100, "nested too deeply"),
    ):
        response = await client.get(
            f"{SALES}/A_SalesOrder", auth=ERP_AUTH, params={"$filter": expression}
        )
        error = assert_odata_error(response, 400)
        assert text in error["message"]["value"], expression  # type: ignore[index]


async def test_paging_count_and_order(client: httpx.AsyncClient, world: World) -> None:
    items = sum(len(so.order.lines) for so in world.sales_orders)
    response = await client.get(
        f"{SALES}/A_SalesOrderItem",
        auth=ERP_AUTH,
        params={"$inlinecount": "allpages", "$select": "SalesOrder,SalesOrderItem"},
    )
    d = response.json()["d"]
    assert d["__count"] == str(items)
    assert len(d["results"]) == 1000
    assert "$skiptoken=1000" in d["__next"]
    seen = len(d["results"])
    while "__next" in d:
        d = (await client.get(d["__next"], auth=ERP_AUTH)).json()["d"]
        seen += len(d["results"])
    assert seen == items
    response = await client.get(
        f"{SALES}/A_SalesOrder",
        auth=ERP_AUTH,
        params={
            "$orderby": "TotalNetAmount desc",
            "$top": "3",
            "$skip": "1",
            "$select": "TotalNetAmount",
        },
    )
    amounts = [float(r["TotalNetAmount"]) for r in response.json()["d"]["results"]]
    top = sorted((float(so.total_net_amount) for so in world.sales_orders), reverse=True)
    assert amounts == top[1:4]


async def test_navigation_and_item_keys(client: httpx.AsyncClient, world: World) -> None:
    so = world.sales_orders[5]
    response = await client.get(f"{SALES}/A_SalesOrder('{so.number}')/to_Item", auth=ERP_AUTH)
    items = response.json()["d"]["results"]
    assert [i["SalesOrderItem"] for i in items] == [ln.sap_item for ln in so.order.lines]
    assert items[0]["RequestedQuantity"] == str(so.order.lines[0].quantity)
    uri = items[0]["__metadata"]["uri"]
    assert uri.endswith(f"A_SalesOrderItem(SalesOrder='{so.number}',SalesOrderItem='10')")
    back = await client.get(f"{uri}/to_SalesOrder", auth=ERP_AUTH)
    assert back.json()["d"]["SalesOrder"] == so.number


async def test_billing_documents(client: httpx.AsyncClient, world: World) -> None:
    refund = next(r for r in world.refunds if r.credit_memo is not None)
    memo = refund.credit_memo
    assert memo is not None
    response = await client.get(
        f"{BILLING}/A_BillingDocument",
        auth=ERP_AUTH,
        params={"$filter": f"YY1_OMSRefundID_BDH eq '{refund.shopify_id}'", "$expand": "to_Item"},
    )
    (doc,) = response.json()["d"]["results"]
    assert doc["BillingDocument"] == memo.number
    assert (doc["SDDocumentCategory"], doc["BillingDocumentType"]) == ("O", "G2")
    assert doc["PurchaseOrderByCustomer"] == refund.order.name
    assert doc["TotalGrossAmount"] == f"{refund.amount:.2f}"
    assert doc["to_Item"]["results"][0]["SalesDocument"] == memo.sales_order.number
    invoice = next(d for d in world.billing_documents if d.category == "M")
    response = await client.get(
        f"{BILLING}/A_BillingDocumentItem",
        auth=ERP_AUTH,
        params={"$filter": f"SalesDocument eq '{invoice.sales_order.number}'"},
    )
    rows = response.json()["d"]["results"]
    assert invoice.number in {r["BillingDocument"] for r in rows}
    one = await client.get(f"{BILLING}/A_BillingDocument('{invoice.number}')", auth=ERP_AUTH)
    d = one.json()["d"]
    assert (d["SDDocumentCategory"], d["BillingDocumentType"]) == ("M", "F2")
    assert d["TotalNetAmount"] == f"{invoice.net:.2f}"
    assert d["TaxAmount"] == f"{invoice.tax:.2f}"


async def test_stock(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        f"{STOCK}/A_MatlStkInAcctMod",
        auth=ERP_AUTH,
        params={"$filter": "Plant eq '1710' and InventoryStockType eq '01'"},
    )
    rows = response.json()["d"]["results"]
    assert len(rows) == len(world.products)
    assert {r["StorageLocation"] for r in rows} == {"171A"}
    zero = [r for r in rows if r["MatlWrhsStkQtyInMatlBaseUnit"] == "0"]
    assert len(zero) == sum(1 for q in world.stock.values() if q == 0) > 0
    sku = world.products[0].sku
    one = await client.get(f"{STOCK}/A_MaterialStock('{sku}')/to_MatlStkInAcctMod", auth=ERP_AUTH)
    assert one.json()["d"]["results"][0]["Material"] == sku


async def test_uri_over_8k_is_414(client: httpx.AsyncClient) -> None:
    long_filter = " or ".join(f"SalesOrder eq '{5000000 + i}'" for i in range(400))
    response = await client.get(
        f"{SALES}/A_SalesOrder", auth=ERP_AUTH, params={"$filter": long_filter}
    )
    assert response.status_code == 414


async def test_csrf_fetch_handshake(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{SALES}/$metadata", auth=ERP_AUTH, headers={"x-csrf-token": "Fetch"}
    )
    assert response.status_code == 200
    token = response.headers["x-csrf-token"]
    assert token
    assert token.lower() != "fetch"
    assert "SAP_SESSIONID_SBX_100" in response.cookies
    assert '<EntityType Name="A_SalesOrderType">' in response.text


async def test_bad_options_and_unknown_sets(client: httpx.AsyncClient) -> None:
    for params in (
        {"$top": "-1"},
        {"$expand": "to_Nothing"},
        {"$select": "to_Item/Material"},
        {"$foo": "1"},
    ):
        assert_odata_error(
            await client.get(f"{SALES}/A_SalesOrder", auth=ERP_AUTH, params=params), 400
        )
    assert_odata_error(await client.get(f"{SALES}/A_Nothing", auth=ERP_AUTH), 404)
