"""Zendesk client: Support API v2 over MockTransport (docs/vendors/zendesk.md)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.world import World
from sandbox.zendesk.store import OMS_ORDER_ID_FIELD_ID as OMS_FIELD_ID_IN_SANDBOX
from sandbox.zendesk.store import ORDER_FIELD_ID as ORDER_FIELD_ID_IN_SANDBOX
from sources.call import CallContext
from sources.commands import CaseDraft
from sources.config import Secret, SourcePolicy
from sources.errors import NotFound, SourceBadResponse, SourceThrottled
from sources.http import Sleep, Upstream
from sources.models import CrmCase, CrmContact
from sources.plugins import Plugin, VendorSettings
from sources.registry import DEFAULT_VENDORS, SourcesConfig, open_sources, plugin_for
from sources.resilience import RetryPolicy
from sources.salesforce import SALESFORCE
from sources.zendesk import ZENDESK, ZendeskServiceDesk, wire
from sources.zendesk.config import ZendeskConfig
from sources.zendesk.plugin import api_token_auth

BASE = "https://order360.zendesk.com"
ORDER_FIELD = 360041117391
OMS_FIELD = 360041117411
FIELDS = wire.TicketFields(ORDER_FIELD, OMS_FIELD)
CALL = CallContext("req-1")
Desk = Callable[..., ZendeskServiceDesk]
Handler = Callable[[httpx.Request], httpx.Response]
MakeUpstream = Callable[..., Upstream]  # the make_upstream fixture of conftest
FixtureJson = Callable[[str], Any]


@pytest.fixture
def desk(make_upstream: MakeUpstream) -> Desk:
    """``desk(handler, **policy)`` → a ``ZendeskServiceDesk`` over a MockTransport."""

    def build(handler: Handler, *, sleep: Sleep | None = None, **policy: Any) -> ZendeskServiceDesk:
        policy_ = SourcePolicy(batch_limit=100, **policy)
        upstream = make_upstream(
            "crm",
            handler,
            base_url=BASE,
            policy=policy_,
            read_vendor_error=wire.read_zendesk_error,
            sleep=sleep,
        )
        config = ZendeskConfig(
            base_url=BASE,
            email="agent@example.com",
            api_token=Secret("tok"),
            order_field_id=ORDER_FIELD,
            oms_order_id_field_id=OMS_FIELD,
            policy=policy_,
        )
        return ZendeskServiceDesk(upstream, config)

    return build


def ticket(fixture_json: FixtureJson, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = fixture_json("zendesk/ticket_1027.json")
    record.update(changes)
    return record


def order_field(number: str) -> list[dict[str, Any]]:
    return [{"id": ORDER_FIELD, "value": number}, {"id": OMS_FIELD, "value": None}]


# Wire format -----------------------------------------------------------------------------


def test_ticket_maps_to_canonical_case(fixture_json: FixtureJson) -> None:
    case = wire.case(ticket(fixture_json), FIELDS)
    assert case.id == case.number == "1027"
    assert case.subject == "Item arrived damaged"
    assert (case.status, case.closed, case.priority) == ("Escalated", False, "High")
    assert case.origin == "Email"
    assert case.opened_at == datetime(2026, 5, 12, 9, 14, 3, tzinfo=UTC)
    assert case.closed_at is None
    assert case.contact_id == "361000000230"
    assert (case.order_number, case.oms_order_id) == ("#1036", "5800284444")


@pytest.mark.parametrize(
    ("status", "tags", "canonical", "closed"),
    [
        ("new", [], "New", False),
        ("open", [], "Working", False),
        ("pending", [], "Working", False),
        ("hold", [], "Working", False),
        ("open", ["escalated"], "Escalated", False),
        ("solved", ["escalated"], "Closed", True),
        ("closed", [], "Closed", True),
    ],
)
def test_status_uses_the_canonical_vocabulary(
    fixture_json: FixtureJson, status: str, tags: list[str], canonical: str, closed: bool
) -> None:
    case = wire.case(ticket(fixture_json, status=status, tags=tags), FIELDS)
    assert (case.status, case.closed) == (canonical, closed)
    assert case.closed_at == (datetime(2026, 5, 14, 16, 40, 11, tzinfo=UTC) if closed else None)


@pytest.mark.parametrize(
    ("zendesk", "canonical"),
    [("urgent", "High"), ("high", "High"), ("normal", "Medium"), ("low", "Low"), (None, "Medium")],
)
def test_priority_maps_both_ways(
    fixture_json: FixtureJson, zendesk: str | None, canonical: str
) -> None:
    assert wire.case(ticket(fixture_json, priority=zendesk), FIELDS).priority == canonical
    if zendesk not in ("urgent", None):
        assert wire.zendesk_priority(canonical) == zendesk


def test_unknown_status_is_drift(fixture_json: FixtureJson) -> None:
    with pytest.raises(SourceBadResponse, match="status"):
        wire.case(ticket(fixture_json, status="deleted"), FIELDS)


def test_user_maps_to_canonical_contact(fixture_json: FixtureJson) -> None:
    contact = wire.contact(fixture_json("zendesk/user_230.json"))
    assert contact.id == "361000000230"
    assert (contact.first_name, contact.last_name) == ("Lena Maria", "Norman")
    assert contact.oms_customer_id == "6100000230"
    assert contact.account_id == "362000000079"
    assert contact.loyalty_tier == "Gold"
    assert contact.email == "lena.norman@example.com"


@pytest.mark.parametrize(
    ("body", "read"),
    [
        (b'{"error":"RecordNotFound","description":"Not found"}', "RecordNotFound: Not found"),
        (
            b'{"error":"RecordInvalid","description":"Record validation errors","details":'
            b'{"requester":[{"description":"Requester: is invalid","error":"InvalidValue"}]}}',
            "RecordInvalid: Record validation errors (requester)",
        ),
        (b'{"error":"Couldn\'t authenticate you"}', "Couldn't authenticate you"),
        (b'{"error":{"title":"Forbidden","message":"No access"}}', "Forbidden: No access"),
        (b"<html>", None),
        (b"[]", None),
    ],
)
def test_read_zendesk_error(body: bytes, read: str | None) -> None:
    assert wire.read_zendesk_error(body) == read


def test_api_token_auth_is_basic_email_slash_token() -> None:
    request = httpx.Request("GET", BASE)
    auth = api_token_auth("agent@example.com", Secret("tok"))
    sent = next(auth.auth_flow(request))
    expected = base64.b64encode(b"agent@example.com/token:tok").decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"


# Reads -----------------------------------------------------------------------------------


async def test_show_many_splits_at_100_ids(desk: Desk, fixture_json: FixtureJson) -> None:
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v2/tickets/show_many.json"
        assert request.headers["X-Request-ID"] == "req-1"
        ids = request.url.params["ids"].split(",")
        calls.append(ids)
        return httpx.Response(200, json={"tickets": [ticket(fixture_json, id=int(i)) for i in ids]})

    ids = [str(2000 + n) for n in range(230)]
    found = await desk(handler).cases_by_id([*ids, "not-a-ticket"], CALL)
    assert sorted(len(c) for c in calls) == [30, 100, 100]
    assert set(found) == set(ids)


async def test_cases_by_number_accepts_leading_zeros(desk: Desk, fixture_json: FixtureJson) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["ids"] == "1027"
        return httpx.Response(200, json={"tickets": [ticket(fixture_json)]})

    found = await desk(handler).cases_by_number(["00001027", "1027"], CALL)
    assert {key: case.id for key, case in found.items()} == {"00001027": "1027", "1027": "1027"}


async def test_cases_by_order_number_batches_keys_into_one_search(
    desk: Desk, fixture_json: FixtureJson
) -> None:
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v2/search.json"
        queries.append(request.url.params["query"])
        results = [
            ticket(
                fixture_json,
                id=7,
                created_at="2026-05-20T00:00:00Z",
                custom_fields=order_field("#1001"),
            ),
            ticket(
                fixture_json,
                id=5,
                created_at="2026-05-02T00:00:00Z",
                custom_fields=order_field("#1001"),
            ),
            ticket(fixture_json, id=6, custom_fields=order_field("#1002")),
            # Search matches word prefixes: #10010 is not what was asked for.
            ticket(fixture_json, id=8, custom_fields=order_field("#10010")),
        ]
        body = {"results": [{**r, "result_type": "ticket"} for r in results], "next_page": None}
        return httpx.Response(200, json=body)

    grouped = await desk(handler).cases_by_order_number(["#1001", "#1002", "#1003"], CALL)
    assert queries == [
        f'type:ticket custom_field_{ORDER_FIELD}:"#1001" custom_field_{ORDER_FIELD}:"#1002" '
        f'custom_field_{ORDER_FIELD}:"#1003"'
    ]
    assert {k: [c.id for c in v] for k, v in grouped.items()} == {
        "#1001": ["5", "7"],
        "#1002": ["6"],
    }


async def test_search_chunks_keys_and_follows_next_page_on_the_account_only(
    desk: Desk, fixture_json: FixtureJson
) -> None:
    calls: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        if request.url.params.get("page") == "2":
            return httpx.Response(
                200,
                json={"results": [ticket(fixture_json, id=2, requester_id=2)], "next_page": None},
            )
        next_page = str(request.url.copy_merge_params({"page": "2"}))
        body = {"results": [ticket(fixture_json, requester_id=1)], "next_page": next_page}
        return httpx.Response(200, json=body)

    cases = await desk(handler).cases_by_contact([str(n) for n in range(1, 41)], CALL)
    first_pages = [u for u in calls if "page" not in u.params]
    assert len(first_pages) == 2  # 40 requesters, 30 a query
    assert first_pages[0].params["query"].startswith('type:ticket requester:"1" requester:"2"')
    assert set(cases) == {"1", "2"}

    def elsewhere(request: httpx.Request) -> httpx.Response:
        body = {"results": [], "next_page": "https://evil.test/api/v2/search.json?page=2"}
        return httpx.Response(200, json=body)

    with pytest.raises(SourceBadResponse, match="next_page"):
        await desk(elsewhere).cases_by_contact(["1"], CALL)


async def test_contacts_by_customer_id_and_email(desk: Desk, fixture_json: FixtureJson) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        user = fixture_json("zendesk/user_230.json")
        if request.url.path == "/api/v2/users/show_many.json":
            assert request.url.params["external_ids"] == "6100000230,6100000231"
            return httpx.Response(200, json={"users": [user]})
        assert request.url.path == "/api/v2/users/search.json"
        assert request.url.params["query"] == 'email:"lena.norman@example.com"'
        other = {**user, "id": 9, "email": "lena.norman@example.com.au"}
        return httpx.Response(200, json={"users": [user, other], "next_page": None})

    zd = desk(handler)
    by_customer = await zd.contacts_by_oms_customer(["6100000230", "6100000231"], CALL)
    assert list(by_customer) == ["6100000230"]
    by_email = await zd.contacts_by_email(["Lena.Norman@example.com"], CALL)
    assert {k: c.id for k, c in by_email.items()} == {"lena.norman@example.com": "361000000230"}


async def test_throttled_search_waits_retry_after_then_succeeds(
    desk: Desk, fixture_json: FixtureJson
) -> None:
    waits: list[float] = []
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}, json={"error": "TooManyRequests"}),
            httpx.Response(200, json={"tickets": [ticket(fixture_json)]}),
        ]
    )

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    found = await desk(lambda request: next(answers), sleep=sleep).cases_by_id(["1027"], CALL)
    assert waits == [2.0]
    assert list(found) == ["1027"]


async def test_throttled_past_the_retries_is_source_throttled(desk: Desk) -> None:
    async def sleep(seconds: float) -> None:
        return None

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "TooManyRequests"})

    zd = desk(handler, sleep=sleep, retry=RetryPolicy(throttled_attempts=1))
    with pytest.raises(SourceThrottled) as caught:
        await zd.cases_by_id(["1027"], CALL)
    assert caught.value.retry_after == 7.0


# Writes ----------------------------------------------------------------------------------


class FakeZendesk:
    """Tickets, comments and idempotency keys as Zendesk keeps them, for the write tests."""

    def __init__(self) -> None:
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.keys: dict[str, tuple[str, int]] = {}
        self.requests: list[httpx.Request] = []
        self.lose_next_answer = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/v2/tickets.json" and request.method == "GET":
            wanted = request.url.params["external_id"]
            found = [t for t in self.tickets.values() if t["external_id"] == wanted]
            return httpx.Response(
                200, json={"tickets": found, "next_page": None, "count": len(found)}
            )
        if path == "/api/v2/tickets.json":
            return self._create(request)
        ticket_id = int(path.split("/")[4].removesuffix(".json"))
        if ticket_id not in self.tickets:
            return httpx.Response(404, json={"error": "RecordNotFound", "description": "Not found"})
        if path.endswith("/comments.json"):
            return httpx.Response(
                200, json={"comments": self.comments[ticket_id], "next_page": None}
            )
        comment = json.loads(request.content)["ticket"]["comment"]
        event = {"id": 900 + len(self.comments[ticket_id]), "type": "Comment", **comment}
        self.comments[ticket_id].append(event)
        return httpx.Response(
            200, json={"ticket": self.tickets[ticket_id], "audit": {"events": [event]}}
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["Idempotency-Key"]
        body = request.content.decode()
        if key in self.keys:
            first_body, ticket_id = self.keys[key]
            if first_body != body:
                return httpx.Response(400, json={"error": "IdempotentRequestError"})
            answer = {"ticket": self.tickets[ticket_id]}
            return httpx.Response(201, json=answer, headers={"x-idempotency-lookup": "hit"})
        ticket = json.loads(body)["ticket"]
        if ticket.get("requester_id") == 404:
            details = {
                "requester": [{"description": "Requester: is invalid", "error": "InvalidValue"}]
            }
            body_ = {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": details,
            }
            return httpx.Response(422, json=body_)
        ticket_id = 5000 + len(self.tickets)
        self.tickets[ticket_id] = {**ticket, "id": ticket_id, "status": "new"}
        self.comments[ticket_id] = [{"id": 800, "body": ticket["comment"]["body"], "public": False}]
        self.keys[key] = (body, ticket_id)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadError("connection reset after the ticket was made")
        answer = {"ticket": self.tickets[ticket_id]}
        return httpx.Response(201, json=answer, headers={"x-idempotency-lookup": "miss"})


DRAFT = CaseDraft(
    subject="Refund failed",
    description="The refund of #1036 could not be posted.",
    priority="High",
    order_number="#1036",
    oms_order_id="5800284444",
    contact_id="361000000230",
)


async def test_open_case_creates_once_with_idempotency_key_and_external_id(desk: Desk) -> None:
    fake = FakeZendesk()
    zd = desk(fake)
    ticket_id, created = await zd.open_case("wf-1", DRAFT, CALL)
    assert created
    post = next(r for r in fake.requests if r.method == "POST")
    assert post.headers["Idempotency-Key"] == "wf-1"
    sent = json.loads(post.content)["ticket"]
    assert sent["external_id"] == "wf-1"
    assert sent["priority"] == "high"
    assert sent["requester_id"] == 361000000230
    assert sent["comment"] == {"body": DRAFT.description, "public": False}
    assert sent["custom_fields"] == [
        {"id": ORDER_FIELD, "value": "#1036"},
        {"id": OMS_FIELD, "value": "5800284444"},
    ]
    # Asked again (a lost answer, a replayed workflow): found by external id, not made again.
    assert await zd.open_case("wf-1", DRAFT, CALL) == (ticket_id, False)
    assert len(fake.tickets) == 1


async def test_a_create_whose_answer_was_lost_is_retried_under_the_same_key(desk: Desk) -> None:
    fake = FakeZendesk()
    fake.lose_next_answer = True

    async def sleep(seconds: float) -> None:
        return None

    ticket_id, created = await desk(fake, sleep=sleep).open_case("wf-2", DRAFT, CALL)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 2
    assert {p.headers["Idempotency-Key"] for p in posts} == {"wf-2"}
    assert len(fake.tickets) == 1
    assert (ticket_id, created) == (str(next(iter(fake.tickets))), False)  # the replay says "hit"


async def test_record_invalid_on_create_is_a_definite_refusal(desk: Desk) -> None:
    fake = FakeZendesk()
    draft = replace(DRAFT, contact_id="404")
    with pytest.raises(SourceBadResponse) as caught:
        await desk(fake).open_case("wf-3", draft, CALL)
    assert not caught.value.transient
    assert not caught.value.upstream_fault
    assert len([r for r in fake.requests if r.method == "POST"]) == 1


async def test_comment_once_finds_the_first_comment_the_second_time(desk: Desk) -> None:
    fake = FakeZendesk()
    zd = desk(fake)
    ticket_id, _ = await zd.open_case("wf-4", DRAFT, CALL)
    first = await zd.comment_once(ticket_id, "[o360:wf-4:refund]", "Refund posted.", CALL)
    second = await zd.comment_once(ticket_id, "[o360:wf-4:refund]", "Refund posted.", CALL)
    assert first == second
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert len(puts) == 1
    assert json.loads(puts[0].content) == {
        "ticket": {"comment": {"body": "Refund posted. [o360:wf-4:refund]", "public": False}}
    }


async def test_comment_on_a_missing_ticket_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        await desk(FakeZendesk()).comment_once("77", "[tag]", "x", CALL)
    with pytest.raises(NotFound):
        await desk(FakeZendesk()).comment_once("not-an-id", "[tag]", "x", CALL)


# Against the sandbox, through the registry -----------------------------------------------

SANDBOX = "http://sandbox.test/sandbox"


def sandbox_config(crm: Plugin) -> SourcesConfig:
    """Every role's default vendor against the sandbox, with ``crm`` as the service desk."""

    def settings(plugin: Plugin) -> VendorSettings:
        return VendorSettings(
            base_url=f"{SANDBOX}/{plugin.sandbox_path}",
            values={s.name: s.sandbox for s in plugin.settings if not s.secret},
            secrets={s.name: Secret(s.sandbox) for s in plugin.settings if s.secret},
        )

    vendors = {role: plugin_for(role, name) for role, name in DEFAULT_VENDORS.items()}
    vendors["crm"] = crm
    return SourcesConfig({role: (p, settings(p)) for role, p in vendors.items()})


def test_zendesk_is_a_crm_plugin_with_the_sandbox_fields() -> None:
    assert plugin_for("crm", "zendesk") is ZENDESK
    values = {s.name: s.sandbox for s in ZENDESK.settings}
    assert values["ZENDESK_ORDER_FIELD_ID"] == str(ORDER_FIELD_ID_IN_SANDBOX)
    assert values["ZENDESK_OMS_ORDER_ID_FIELD_ID"] == str(OMS_FIELD_ID_IN_SANDBOX)
    secret = next(s for s in ZENDESK.settings if s.name == "ZENDESK_API_TOKEN")
    assert secret.secret


async def test_zendesk_and_salesforce_show_the_same_cases_of_an_order(
    sandbox_app: Starlette, world: World
) -> None:
    orders = [o for o in world.orders if o.cases][:25]
    numbers = [o.name for o in orders]
    customers = sorted({str(o.customer.shopify_id) for o in orders})
    transport = httpx.ASGITransport(app=sandbox_app)
    answers: dict[str, tuple[dict[str, list[CrmCase]], dict[str, CrmContact]]] = {}
    for plugin in (SALESFORCE, ZENDESK):
        async with open_sources(sandbox_config(plugin), transport=transport) as sources:
            cases = await sources.crm.cases_by_order_number(numbers, CallContext("req-zd"))
            contacts = await sources.crm.contacts_by_oms_customer(customers, CallContext("req-zd"))
        answers[plugin.name] = (cases, contacts)

    def substance(cases: dict[str, list[CrmCase]]) -> dict[str, list[tuple[str, str, bool, str]]]:
        return {
            number: [(c.subject, c.status, c.closed, c.priority) for c in found]
            for number, found in cases.items()
        }

    sf_cases, sf_contacts = answers["salesforce"]
    zd_cases, zd_contacts = answers["zendesk"]
    assert set(zd_cases) == set(numbers)
    assert substance(zd_cases) == substance(sf_cases)
    for number in numbers:
        assert [int(c.number) for c in zd_cases[number]] == [
            int(c.number) for c in sf_cases[number]
        ]
    assert {k: (c.email, c.name) for k, c in zd_contacts.items()} == {
        k: (c.email, c.name) for k, c in sf_contacts.items()
    }


async def test_one_search_call_for_a_page_of_orders(sandbox_app: Starlette, world: World) -> None:
    numbers = [o.name for o in world.orders if o.cases][:25]
    stats = sandbox_app.state.stats
    stats.reset()
    transport = httpx.ASGITransport(app=sandbox_app)
    async with open_sources(sandbox_config(ZENDESK), transport=transport) as sources:
        await sources.crm.cases_by_order_number(numbers, CallContext("req-zd"))
    by_route = stats.snapshot()["crm"]["by_route"]
    assert by_route == {"GET /zendesk/api/v2/search.json": 1}
