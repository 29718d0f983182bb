"""Salesforce writes: create Case and CaseComment, upsert by external id, read-back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sandbox_testkit import SB, SOBJECTS, SOQL, crm_token

from sandbox.world import World

UPSERT = f"{SOBJECTS}/Case/Order360_Request_Id__c"


async def soql(client: httpx.AsyncClient, auth: dict[str, str], q: str) -> list[dict[str, Any]]:
    response = await client.get(SOQL, params={"q": q}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["records"]  # type: ignore[no-any-return]


async def test_create_case_reads_back(write_client: httpx.AsyncClient, write_world: World) -> None:
    auth = await crm_token(write_client)
    order = next(o for o in write_world.orders if o.cases and o.state == "delivered")
    contact = order.customer.contact_id
    last = max(int(c.number) for c in write_world.cases)
    body = {
        "Subject": "Replacement sent",
        "Description": "Order360 shipped a replacement",
        "Priority": "High",
        "Origin": "Web",
        "ContactId": contact,
        "Order_Number__c": order.name,
        "Shopify_Order_Id__c": str(order.shopify_id),
        "Order360_Request_Id__c": "req-case-1",
    }
    response = await write_client.post(f"{SOBJECTS}/Case", json=body, headers=auth)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "success", "errors"}
    assert (created["success"], created["errors"]) == (True, [])
    case_id = created["id"]
    assert case_id.startswith("500")
    assert len(case_id) == 18
    record = (await write_client.get(f"{SOBJECTS}/Case/{case_id}", headers=auth)).json()
    assert record["CaseNumber"] == f"{last + 1:08d}"
    assert (record["Status"], record["IsClosed"]) == ("New", False)
    assert record["Order360_Request_Id__c"] == "req-case-1"
    assert (record["ContactId"], record["AccountId"]) == (contact, order.customer.account_id)
    assert record["CreatedDate"].endswith("+0000")
    found = await soql(
        write_client,
        auth,
        "SELECT Id, CaseNumber, Subject FROM Case WHERE Order360_Request_Id__c = 'req-case-1'",
    )
    assert [r["Id"] for r in found] == [case_id]
    by_order = await soql(
        write_client, auth, f"SELECT Id FROM Case WHERE Order_Number__c IN ('{order.name}')"
    )
    assert case_id in {r["Id"] for r in by_order}
    assert len(by_order) == len(order.cases)
    newest = await soql(
        write_client, auth, f"SELECT Id, LastModifiedDate FROM Contact WHERE Id = '{contact}'"
    )
    assert newest[0]["LastModifiedDate"] == record["CreatedDate"]
    stats = (await write_client.get(f"{SB}/stats")).json()["crm"]
    assert stats["writes"] == 1
    assert stats["by_route"]["POST /crm/services/data/v60.0/sobjects/Case"] == 1


async def test_case_input_errors_speak_salesforce(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    auth = await crm_token(write_client)
    count = len(write_world.cases)

    async def refused(body: Any, status: int = 400) -> list[dict[str, Any]]:
        response = await write_client.post(f"{SOBJECTS}/Case", json=body, headers=auth)
        assert response.status_code == status, response.text
        return response.json()  # type: ignore[no-any-return]

    assert await refused({"Subject": "x", "Colour__c": "red"}) == [
        {
            "message": "No such column 'Colour__c' on sobject of type Case",
            "errorCode": "INVALID_FIELD",
        }
    ]
    missing = await refused({"Description": "no subject"})
    assert missing == [
        {
            "message": "Required fields are missing: [Subject]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Subject"],
        }
    ]
    assert (await refused({"Subject": "x", "CaseNumber": "1"}))[0]["errorCode"] == (
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    )
    assert (await refused({"Subject": 5}))[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert (await refused(["not", "an", "object"]))[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert (await refused({"Subject": "x", "ContactId": "abc"}))[0]["errorCode"] == "MALFORMED_ID"
    unknown_contact = {"Subject": "x", "ContactId": "003Hs0000000000AAA"}
    assert (await refused(unknown_contact))[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert (await refused({"Subject": "x" * 256}))[0]["errorCode"] == "STRING_TOO_LONG"
    unauthenticated = await write_client.post(f"{SOBJECTS}/Case", json={"Subject": "x"})
    assert unauthenticated.status_code == 401
    contact = await write_client.post(f"{SOBJECTS}/Contact", json={}, headers=auth)
    assert contact.status_code == 405
    assert contact.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert len(write_world.cases) == count


async def test_external_id_is_unique_on_insert(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    auth = await crm_token(write_client)
    body = {"Subject": "first", "Order360_Request_Id__c": "req-dup"}
    first = await write_client.post(f"{SOBJECTS}/Case", json=body, headers=auth)
    assert first.status_code == 201
    second = await write_client.post(f"{SOBJECTS}/Case", json=body, headers=auth)
    assert second.status_code == 400
    (error,) = second.json()
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert first.json()["id"] in error["message"]


async def test_upsert_creates_then_updates(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    auth = await crm_token(write_client)
    order = write_world.orders[10]
    body = {"Subject": "Refund requested", "Status": "New", "Order_Number__c": order.name}
    created = await write_client.patch(f"{UPSERT}/req-up-1", json=body, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": created.json()["id"],
        "success": True,
        "errors": [],
        "created": True,
    }
    case_id = created.json()["id"]
    update = {"Status": "Closed", "Description": "Refund completed"}
    updated = await write_client.patch(f"{UPSERT}/req-up-1", json=update, headers=auth)
    assert updated.status_code == 200, updated.text
    assert updated.json() == {"id": case_id, "success": True, "errors": [], "created": False}
    record = (await write_client.get(f"{SOBJECTS}/Case/{case_id}", headers=auth)).json()
    assert (record["Subject"], record["Status"], record["IsClosed"]) == (
        "Refund requested",
        "Closed",
        True,
    )
    assert record["Description"] == "Refund completed"
    assert record["ClosedDate"] is not None
    assert record["Order_Number__c"] == order.name
    rows = await soql(
        write_client,
        auth,
        "SELECT Id, Status FROM Case WHERE Order360_Request_Id__c = 'req-up-1' AND IsClosed = true",
    )
    assert rows == [{"attributes": rows[0]["attributes"], "Id": case_id, "Status": "Closed"}]
    assert len([c for c in write_world.cases if c.request_id == "req-up-1"]) == 1
    no_subject = await write_client.patch(f"{UPSERT}/req-up-2", json={}, headers=auth)
    assert no_subject.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    other_field = await write_client.patch(
        f"{SOBJECTS}/Case/Colour__c/red", json={"Subject": "x"}, headers=auth
    )
    assert other_field.status_code == 404
    stats = (await write_client.get(f"{SB}/stats")).json()["crm"]
    route = "PATCH /crm/services/data/v60.0/sobjects/Case/Order360_Request_Id__c/{value}"
    assert stats["by_route"][route] == 3


async def test_concurrent_upserts_create_one_case(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    auth = await crm_token(write_client)
    await write_client.put(f"{SB}/faults/crm", json={"latency_ms": 5, "jitter_ms": 10})
    responses = await asyncio.gather(
        *(
            write_client.patch(f"{UPSERT}/req-burst", json={"Subject": "burst"}, headers=auth)
            for _ in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len([c for c in write_world.cases if c.request_id == "req-burst"]) == 1


async def test_case_comments_read_back(write_client: httpx.AsyncClient, write_world: World) -> None:
    auth = await crm_token(write_client)
    case = write_world.cases[5]
    before = (await write_client.get(f"{SOBJECTS}/Case/{case.id}", headers=auth)).json()
    body = {"ParentId": case.id[:15], "CommentBody": "Refund of 5.00 done [wf-9]"}
    response = await write_client.post(f"{SOBJECTS}/CaseComment", json=body, headers=auth)
    assert response.status_code == 201, response.text
    comment_id = response.json()["id"]
    assert comment_id.startswith("00a")
    rows = await soql(
        write_client,
        auth,
        f"SELECT Id, CommentBody, IsPublished FROM CaseComment WHERE ParentId IN ('{case.id}')",
    )
    mine = [r for r in rows if r["Id"] == comment_id]
    assert mine[0]["CommentBody"] == "Refund of 5.00 done [wf-9]"
    assert mine[0]["IsPublished"] is False
    after = (await write_client.get(f"{SOBJECTS}/Case/{case.id}", headers=auth)).json()
    assert after["LastModifiedDate"] > before["LastModifiedDate"]
    unknown = await write_client.post(
        f"{SOBJECTS}/CaseComment",
        json={"ParentId": "500Hs0000000000AAA", "CommentBody": "x"},
        headers=auth,
    )
    assert unknown.status_code == 400
    assert unknown.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    blank = await write_client.post(
        f"{SOBJECTS}/CaseComment", json={"ParentId": case.id, "CommentBody": ""}, headers=auth
    )
    assert blank.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    stats = (await write_client.get(f"{SB}/stats")).json()["crm"]
    assert stats["by_route"]["POST /crm/services/data/v60.0/sobjects/CaseComment"] == 3


async def test_faults_apply_to_crm_writes(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    auth = await crm_token(write_client)
    await write_client.put(f"{SB}/faults/crm", json={"error_rate": 1.0, "error_status": 503})
    response = await write_client.patch(f"{UPSERT}/req-fault", json={"Subject": "x"}, headers=auth)
    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert "req-fault" not in write_world.case_by_request_id
    stats = (await write_client.get(f"{SB}/stats")).json()["crm"]
    assert stats["writes"] == 1
