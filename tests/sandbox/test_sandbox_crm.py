"""Salesforce simulator: OAuth, SOQL subset and its errors, query paging, sObject reads."""

from __future__ import annotations

import httpx
from sandbox_testkit import SB, SOQL, crm_token

from sandbox.world import World

TOKEN_URL = f"{SB}/crm/services/oauth2/token"


async def test_oauth_token(client: httpx.AsyncClient) -> None:
    form = {"grant_type": "client_credentials"}
    response = await client.post(
        TOKEN_URL, data=form, auth=("order360-sandbox", "sandbox-crm-secret")
    )
    body = response.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == "http://sandbox/sandbox/crm"
    wrong = await client.post(
        TOKEN_URL,
        data={**form, "client_id": "order360-sandbox", "client_secret": "nope"},
    )
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }


async def test_session_is_required(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer 00Dfake!token"}):
        response = await client.get(SOQL, params={"q": "SELECT Id FROM Case"}, headers=headers)
        assert response.status_code == 401
        assert response.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


async def test_cases_by_order_numbers(client: httpx.AsyncClient, world: World) -> None:
    auth = await crm_token(client)
    orders = [o for o in world.orders if o.cases][:40]
    names = ",".join(f"'{o.name}'" for o in orders)
    q = (
        "SELECT Id, CaseNumber, Status, IsClosed, Order_Number__c, CreatedDate FROM Case "
        f"WHERE Order_Number__c IN ({names}) ORDER BY CaseNumber"
    )
    response = await client.get(SOQL, params={"q": q}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["sforce-limit-info"].startswith("api-usage=")
    body = response.json()
    expected = sorted(c.number for o in orders for c in o.cases)
    assert body["done"] is True
    assert body["totalSize"] == len(expected)
    records = body["records"]
    assert [r["CaseNumber"] for r in records] == expected
    first = records[0]
    assert list(first) == [
        "attributes",
        "Id",
        "CaseNumber",
        "Status",
        "IsClosed",
        "Order_Number__c",
        "CreatedDate",
    ]
    assert first["attributes"] == {
        "type": "Case",
        "url": f"/services/data/v60.0/sobjects/Case/{first['Id']}",
    }
    assert first["CreatedDate"].endswith(".000+0000")


async def test_soql_grammar(client: httpx.AsyncClient, world: World) -> None:
    auth = await crm_token(client)

    async def count(q: str) -> int:
        response = await client.get(SOQL, params={"q": q}, headers=auth)
        assert response.status_code == 200, (q, response.text)
        return int(response.json()["totalSize"])

    open_cases = sum(not c.is_closed for c in world.cases)
    assert await count("select id from case where isclosed = false") == open_cases
    assert await count(
        "SELECT Id FROM Case WHERE IsClosed = false AND (Priority = 'High' OR Priority = 'Low')"
    ) == sum(not c.is_closed and c.priority in ("High", "Low") for c in world.cases)
    assert await count("SELECT Id FROM Case WHERE Status NOT IN ('Closed', 'New')") == sum(
        c.status not in ("Closed", "New") for c in world.cases
    )
    assert await count("SELECT Id FROM Case WHERE Order_Number__c = null") == sum(
        c.order is None for c in world.cases
    )
    assert await count("SELECT Id FROM Case WHERE CreatedDate > 2026-05-01T00:00:00Z") == sum(
        c.created_at.isoformat() > "2026-05-01" for c in world.cases
    )
    assert await count("SELECT Id FROM Contact WHERE Email LIKE '%@EXAMPLE.ORG'") == sum(
        c.email.endswith("@example.org") for c in world.customers
    )
    contact = world.customers[3]
    assert await count(f"SELECT Id FROM Contact WHERE Name = '{contact.name.upper()}'") >= 1
    assert await count("SELECT Id FROM Case LIMIT 5") == 5


async def test_long_or_chains_and_deep_nesting(client: httpx.AsyncClient, world: World) -> None:
    auth = await crm_token(client)
    numbers = [c.number for c in world.cases[:400]]
    q = "SELECT Id FROM Case WHERE " + " OR ".join(f"CaseNumber = '{n}'" for n in numbers)
    response = await client.get(SOQL, params={"q": q}, headers=auth)
    assert response.json()["totalSize"] == 400
    deep = "SELECT Id FROM Case WHERE " + "(" * 200 + "IsClosed = true" + ")" * 200
    response = await client.get(SOQL, params={"q": deep}, headers=auth)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


async def test_soql_errors(client: httpx.AsyncClient) -> None:
    auth = await crm_token(client)
    for q, code in (
        ("SELECT Id, Nope__c FROM Case", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE IsClosed = 'yes'", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity", "INVALID_TYPE"),
        ("SELECT Id FROM Case WHERE (Status = 'New'", "MALFORMED_QUERY"),
        ("SELECT FROM Case", "MALFORMED_QUERY"),
        ("DELETE Case", "MALFORMED_QUERY"),
    ):
        response = await client.get(SOQL, params={"q": q}, headers=auth)
        assert response.status_code == 400, q
        (error,) = response.json()
        assert error["errorCode"] == code, (q, error)


async def test_query_paging(client: httpx.AsyncClient, world: World) -> None:
    auth = await crm_token(client)
    response = await client.get(
        SOQL,
        params={"q": "SELECT Id, Email FROM Contact"},
        headers={**auth, "Sforce-Query-Options": "batchSize=200"},
    )
    first = response.json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (320, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v60.0/query/01g")
    more = await client.get(f"{SB}/crm{first['nextRecordsUrl']}", headers=auth)
    rest = more.json()
    assert (rest["done"], len(rest["records"])) == (True, 120)
    ids = {r["Id"] for r in first["records"] + rest["records"]}
    assert ids == {c.contact_id for c in world.customers}


async def test_sobject_reads(client: httpx.AsyncClient, world: World) -> None:
    auth = await crm_token(client)
    case = world.cases[0]
    base = f"{SB}/crm/services/data/v60.0/sobjects"
    for record_id in (case.id, case.id[:15]):
        response = await client.get(f"{base}/Case/{record_id}", headers=auth)
        assert response.status_code == 200
        assert response.json()["CaseNumber"] == case.number
    contact = (await client.get(f"{base}/Contact/{case.customer.contact_id}", headers=auth)).json()
    assert contact["Shopify_Customer_Id__c"] == str(case.customer.shopify_id)
    assert contact["AccountId"] == case.customer.account_id
    missing = await client.get(f"{base}/Case/500Hs0000000000AAA", headers=auth)
    assert missing.status_code == 404
    assert missing.json() == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


async def test_uri_over_16k_is_414(client: httpx.AsyncClient) -> None:
    auth = await crm_token(client)
    names = ",".join(f"'#{n}'" for n in range(1000, 3000))
    q = f"SELECT Id FROM Case WHERE Order_Number__c IN ({names})"
    response = await client.get(SOQL, params={"q": q}, headers=auth)
    assert response.status_code == 414
