"""The sandbox's Zendesk Support API: wire format, auth, search, writes, faults."""

from __future__ import annotations

import re

import httpx
from sandbox_testkit import SB, SOQL, crm_token

from sandbox.world import World
from sandbox.zendesk.store import OMS_ORDER_ID_FIELD_ID, ORDER_FIELD_ID, USER_BASE

ZD = f"{SB}/zendesk/api/v2"
AUTH = ("order360@sandbox.zendesk.test/token", "sandbox-zendesk-token")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}


async def test_tickets_show_many_speaks_zendesk_json(
    client: httpx.AsyncClient, world: World
) -> None:
    case = next(c for c in world.cases if c.order is not None)
    assert case.order is not None
    assert case.customer is not None
    tid = int(case.number)
    response = await client.get(
        f"{ZD}/tickets/show_many.json", params={"ids": f"{tid},999999"}, auth=AUTH
    )
    assert response.status_code == 200
    assert response.headers["X-Rate-Limit"] == "700"
    assert int(response.headers["X-Rate-Limit-Remaining"]) < 700
    [ticket] = response.json()["tickets"]
    assert ticket["id"] == tid
    assert ticket["url"].endswith(f"/sandbox/zendesk/api/v2/tickets/{tid}.json")
    assert ticket["subject"] == case.subject
    assert ticket["status"] in STATUSES
    assert ticket["priority"] in ("urgent", "high", "normal", "low", None)
    assert ticket["via"]["channel"] in ("email", "voice", "web", "api")
    assert ISO_Z.match(ticket["created_at"])
    assert ISO_Z.match(ticket["updated_at"])
    assert ticket["requester_id"] == USER_BASE + case.customer.index + 1
    assert {f["id"]: f["value"] for f in ticket["custom_fields"]} == {
        ORDER_FIELD_ID: case.order.name,
        OMS_ORDER_ID_FIELD_ID: str(case.order.shopify_id),
    }


async def test_auth_is_an_api_token(client: httpx.AsyncClient) -> None:
    for auth in (
        None,
        ("order360@sandbox.zendesk.test", "sandbox-zendesk-token"),
        ("x/token", "y"),
    ):
        response = await client.get(f"{ZD}/tickets/1001.json", auth=auth)
        assert response.status_code == 401
        assert response.json() == {"error": "Couldn't authenticate you"}


async def test_errors_speak_zendesk(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"{ZD}/tickets/1.json", auth=AUTH)
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "RecordNotFound", "description": "Not found"},
    )
    nowhere = await client.get(f"{ZD}/macros.json", auth=AUTH)
    assert nowhere.json()["error"] == "InvalidEndpoint"
    too_many = await client.get(
        f"{ZD}/tickets/show_many.json", params={"ids": ",".join(map(str, range(101)))}, auth=AUTH
    )
    assert too_many.status_code == 400


async def test_search_names_several_orders_in_one_query(
    client: httpx.AsyncClient, world: World
) -> None:
    orders = [o for o in world.orders if o.cases][:3]
    terms = " ".join(f'custom_field_{ORDER_FIELD_ID}:"{o.name}"' for o in orders)
    response = await client.get(
        f"{ZD}/search.json", params={"query": f"type:ticket {terms}"}, auth=AUTH
    )
    assert response.status_code == 200
    body = response.json()
    expected = sorted(int(c.number) for o in orders for c in o.cases)
    # Zendesk matches word prefixes ("#101" finds "#1012"); the client filters exactly.
    found = {r["id"] for r in body["results"]}
    assert set(expected) <= found
    assert all(r["result_type"] == "ticket" for r in body["results"])
    assert body["count"] == len(found)


async def test_search_pages_with_absolute_next_page(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = next(c for c in world.customers if len(c.cases) >= 3)
    query = f'type:ticket requester:"{USER_BASE + customer.index + 1}"'
    first = await client.get(
        f"{ZD}/search.json", params={"query": query, "per_page": "2"}, auth=AUTH
    )
    body = first.json()
    assert body["count"] == len(customer.cases)
    assert body["next_page"].startswith("http://sandbox/sandbox/zendesk/api/v2/search.json?")
    second = await client.get(body["next_page"], auth=AUTH)
    assert second.json()["previous_page"] is not None
    ids = [r["id"] for r in body["results"] + second.json()["results"]]
    assert ids == sorted(int(c.number) for c in customer.cases)[: len(ids)]


async def test_search_refuses_syntax_it_does_not_understand(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{ZD}/search.json", params={"query": "type:ticket brand:acme"}, auth=AUTH
    )
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidSearch"


async def test_users_by_external_ids_and_email(client: httpx.AsyncClient, world: World) -> None:
    customer = world.customers[5]
    shown = await client.get(
        f"{ZD}/users/show_many.json",
        params={"external_ids": f"{customer.shopify_id},nobody"},
        auth=AUTH,
    )
    [user] = shown.json()["users"]
    assert (user["id"], user["email"], user["external_id"]) == (
        USER_BASE + customer.index + 1,
        customer.email,
        str(customer.shopify_id),
    )
    assert user["name"] == customer.name
    found = await client.get(
        f"{ZD}/users/search.json", params={"query": f'email:"{customer.email}"'}, auth=AUTH
    )
    assert [u["id"] for u in found.json()["users"]] == [user["id"]]


async def test_create_is_idempotent_and_seen_by_salesforce_too(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = write_world.orders[0]
    customer = order.customer
    ticket = {
        "subject": "Refund failed",
        "comment": {"body": "Please check the refund.", "public": False},
        "priority": "high",
        "requester_id": USER_BASE + customer.index + 1,
        "external_id": "wf-zd-1",
        "custom_fields": [{"id": ORDER_FIELD_ID, "value": order.name}],
    }
    headers = {"Idempotency-Key": "wf-zd-1"}
    first = await write_client.post(
        f"{ZD}/tickets.json", json={"ticket": ticket}, headers=headers, auth=AUTH
    )
    assert first.status_code == 201, first.text
    assert first.headers["x-idempotency-lookup"] == "miss"
    created = first.json()["ticket"]
    assert (created["status"], created["priority"], created["external_id"]) == (
        "new",
        "high",
        "wf-zd-1",
    )
    again = await write_client.post(
        f"{ZD}/tickets.json", json={"ticket": ticket}, headers=headers, auth=AUTH
    )
    assert again.status_code == 201
    assert again.headers["x-idempotency-lookup"] == "hit"
    assert again.json()["ticket"]["id"] == created["id"]
    changed = await write_client.post(
        f"{ZD}/tickets.json",
        json={"ticket": {**ticket, "subject": "Other"}},
        headers=headers,
        auth=AUTH,
    )
    assert changed.status_code == 400
    assert changed.json()["error"] == "IdempotentRequestError"
    listed = await write_client.get(
        f"{ZD}/tickets.json", params={"external_id": "wf-zd-1"}, auth=AUTH
    )
    assert [t["id"] for t in listed.json()["tickets"]] == [created["id"]]
    # The same case in Salesforce's emulation, by our reference.
    soql = "SELECT CaseNumber, Subject FROM Case WHERE Order360_Request_Id__c = 'wf-zd-1'"
    sf = await write_client.get(SOQL, params={"q": soql}, headers=await crm_token(write_client))
    [record] = sf.json()["records"]
    assert int(record["CaseNumber"]) == created["id"]


async def test_create_refuses_invalid_records(write_client: httpx.AsyncClient) -> None:
    no_body = await write_client.post(
        f"{ZD}/tickets.json", json={"ticket": {"subject": "x"}}, auth=AUTH
    )
    assert no_body.status_code == 422
    assert no_body.json()["error"] == "RecordInvalid"
    bad_requester = await write_client.post(
        f"{ZD}/tickets.json",
        json={"ticket": {"comment": {"body": "x"}, "requester_id": 1}},
        auth=AUTH,
    )
    assert bad_requester.status_code == 422
    assert "requester" in bad_requester.json()["details"]


async def test_comment_by_update_then_listed(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    case = next(c for c in write_world.cases if c.status == "Working")
    tid = int(case.number)
    update = {"ticket": {"comment": {"body": "Refund posted. [o360:x]", "public": False}}}
    put = await write_client.put(f"{ZD}/tickets/{tid}.json", json=update, auth=AUTH)
    assert put.status_code == 200, put.text
    [event] = put.json()["audit"]["events"]
    assert (event["type"], event["public"]) == ("Comment", False)
    listed = await write_client.get(f"{ZD}/tickets/{tid}/comments.json", auth=AUTH)
    comments = listed.json()["comments"]
    assert comments[0]["body"] == case.description  # the description comes first
    assert comments[-1]["id"] == event["id"]
    assert comments[-1]["body"] == "Refund posted. [o360:x]"


async def test_closed_tickets_refuse_updates(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    case = next(c for c in write_world.cases if c.status == "Closed" and c.order is not None)
    tid = int(case.number)
    shown = await write_client.get(f"{ZD}/tickets/{tid}.json", auth=AUTH)
    assert shown.json()["ticket"]["status"] == "closed"
    update = {"ticket": {"comment": {"body": "late"}}}
    put = await write_client.put(f"{ZD}/tickets/{tid}.json", json=update, auth=AUTH)
    assert put.status_code == 422


async def test_rate_limit_fault_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    await client.put(f"{SB}/faults/crm", json={"rate_limit_rate": 1.0, "retry_after_s": 3})
    response = await client.get(f"{ZD}/tickets/1001.json", auth=AUTH)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    # Counted under the role it plays, like Salesforce's emulation.
    crm = (await client.get(f"{SB}/stats")).json()["crm"]
    assert crm["by_route"] == {"GET /zendesk/api/v2/tickets/{ticket_id:int}.json": 1}
