"""CRM client: Salesforce REST + SOQL over MockTransport (vendor-wire-formats.md §3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sources.call import CallContext
from sources.config import CrmConfig, Secret, SourcePolicy
from sources.salesforce import CrmClient, wire
from sources.salesforce.client import CASE_FIELDS, CONTACT_FIELDS
from sources.salesforce.soql import soql_literal
from sources.errors import SourceBadResponse, SourceThrottled, SourceUnavailable

BASE = "https://crm.test"
QUERY_PATH = "/services/data/v60.0/query"


@pytest.fixture
def crm(make_upstream):
    """``crm(handler, batch_limit=100, max_url_bytes=7000)`` → a ``CrmClient``."""

    def build(handler, *, batch_limit: int = 100, **config: Any) -> CrmClient:
        policy = SourcePolicy(batch_limit=batch_limit)
        upstream = make_upstream(
            "crm",
            handler,
            base_url=BASE,
            policy=policy,
            read_vendor_error=wire.read_salesforce_error,
        )
        crm_config = CrmConfig(
            base_url=BASE, client_id="cid", client_secret=Secret("cs"), policy=policy, **config
        )
        return CrmClient(upstream, crm_config)

    return build


def in_list(soql: str, prefix: str) -> list[str]:
    """The literals of ``<prefix> IN ('a','b')...``; fails unless the SOQL has that shape."""
    assert soql.startswith(prefix + " IN ("), soql
    body = soql[len(prefix) + 5 : soql.index(")", len(prefix) + 5)]
    literals = re.findall(r"'((?:[^'\\]|\\.)*)'", body)
    assert body == ",".join(f"'{lit}'" for lit in literals), body
    return [re.sub(r"\\(.)", r"\1", lit) for lit in literals]


def assert_query(request: httpx.Request) -> str:
    assert request.method == "GET"
    assert request.url.path == QUERY_PATH
    assert request.headers["X-Request-ID"] == "req-1"
    return request.url.params["q"]


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("#1001", "'#1001'"),
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("\\'", r"'\\\''"),
        ("", "''"),
    ],
)
def test_soql_literal_escapes_quote_and_backslash(value, literal):
    assert soql_literal(value) == literal


async def test_cases_by_order_number_builds_in_query_and_follows_next_records_url(
    crm, fixture_text
):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.headers["X-Request-ID"] == "req-1"
        if request.url.path.endswith("-2000"):
            assert request.url.path == "/services/data/v60.0/query/01gRO0000016PIAYA2-2000"
            assert "q" not in request.url.params
            return httpx.Response(200, text=fixture_text("crm/cases_page2.json"))
        assert_query(request)
        return httpx.Response(200, text=fixture_text("crm/cases_page1.json"))

    keys = ["#1001", "O'Brien\\1", "#1001"]
    cases = await crm(handler).cases_by_order_number(keys, CallContext("req-1"))

    assert len(seen) == 2
    soql = seen[0].url.params["q"]
    assert soql == (
        f"SELECT {CASE_FIELDS} FROM Case WHERE Order_Number__c IN "
        "('#1001','O\\'Brien\\\\1') ORDER BY CreatedDate ASC"
    )
    assert in_list(soql, "SELECT " + CASE_FIELDS + " FROM Case WHERE Order_Number__c") == [
        "#1001",
        "O'Brien\\1",
    ]
    raw_query = seen[0].url.query.decode()
    assert "%23" in raw_query
    assert "#" not in raw_query

    assert sorted(cases) == ["#1001", "O'Brien\\1"]
    first, later = cases["#1001"]
    assert first.id == "500Hs00001XyZabIAF"
    assert first.number == "00001027"
    assert first.subject == "Parcel arrived damaged"
    assert (first.status, first.closed, first.priority, first.origin) == (
        "Working",
        False,
        "High",
        "Email",
    )
    assert first.opened_at == datetime(2024, 6, 3, 13, 12, 44, tzinfo=UTC)
    assert first.closed_at is None
    assert first.contact_id == "003Hs00002AbCdeIAF"
    assert first.order_number == "#1001"
    assert first.oms_order_id == "450789469"

    assert later.number == "00001040"
    assert later.opened_at == datetime(2024, 6, 7, 0, 30, tzinfo=UTC)  # -0200 normalised
    assert (later.priority, later.origin, later.contact_id) == ("Medium", None, None)

    (closed,) = cases["O'Brien\\1"]
    assert closed.closed is True
    assert closed.status == "Closed"
    assert closed.closed_at == datetime(2024, 6, 5, 17, 45, 10, tzinfo=UTC)
    assert closed.closed_at.tzinfo is UTC
    assert closed.oms_order_id is None


async def test_in_lists_are_chunked_by_batch_limit(crm):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(assert_query(request))
        return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})

    keys = [f"#{3000 + i}" for i in range(150)]
    assert await crm(handler).cases_by_order_number(keys, CallContext("req-1")) == {}

    prefix = f"SELECT {CASE_FIELDS} FROM Case WHERE Order_Number__c"
    chunks = [in_list(q, prefix) for q in seen]
    assert [len(c) for c in chunks] == [100, 50]
    assert [key for c in chunks for key in c] == keys


async def test_request_urls_stay_under_max_url_bytes(crm):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})

    keys = [f"#{3000 + i}" for i in range(150)]
    await crm(handler, max_url_bytes=1000).cases_by_order_number(keys, CallContext("req-1"))

    prefix = f"SELECT {CASE_FIELDS} FROM Case WHERE Order_Number__c"
    assert sorted(k for r in seen for k in in_list(r.url.params["q"], prefix)) == sorted(keys)
    assert max(len(r.url.raw_path) for r in seen) <= 1000


async def test_no_keys_no_query(crm):
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert await crm(handler).contacts_by_id([], CallContext("req-1")) == {}


async def test_contacts_by_oms_customer(crm, fixture_text):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(assert_query(request))
        return httpx.Response(200, text=fixture_text("crm/contacts.json"))

    contacts = await crm(handler).contacts_by_oms_customer(
        ["207119551", "207119552"], CallContext("req-1")
    )

    assert seen == [
        f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Shopify_Customer_Id__c IN "
        "('207119551','207119552')"
    ]
    assert list(contacts) == ["207119551"]  # the unlinked contact has no key
    bob = contacts["207119551"]
    assert bob.id == "003Hs00002AbCdeIAF"
    assert bob.account_id == "001Hs00003QrStuIAF"
    assert bob.name == "Bob Norman"
    assert bob.loyalty_tier == "Gold"
    assert bob.phone == "+16136120707"


async def test_contacts_by_email_and_id(crm, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=fixture_text("crm/contacts.json"))

    by_email = await crm(handler).contacts_by_email(["bob.norman@example.com"], CallContext("r"))
    assert list(by_email) == ["bob.norman@example.com"]

    by_id = await crm(handler).contacts_by_id(["003Hs00002ZzYyxIAF"], CallContext("r"))
    obrien = by_id["003Hs00002ZzYyxIAF"]
    assert obrien.name == "O'Brien"
    assert (obrien.first_name, obrien.email, obrien.phone, obrien.account_id) == (
        None,
        None,
        None,
        None,
    )


async def test_cases_by_number(crm, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        assert assert_query(request).endswith("WHERE CaseNumber IN ('00001027','00001031')")
        body = fixture_text("crm/cases_page1.json").replace('"done": false', '"done": true')
        return httpx.Response(200, text=body)

    cases = await crm(handler).cases_by_number(["00001027", "00001031"], CallContext("req-1"))
    assert sorted(cases) == ["00001027", "00001031"]


async def test_error_array_with_400_is_bad_response(crm, fixture_text, caplog):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=fixture_text("crm/error_malformed_query.json"))

    with pytest.raises(SourceBadResponse) as info:
        await crm(handler).cases_by_contact(["003Hs00002AbCdeIAF"], CallContext("req-1"))
    assert info.value.source == "crm"
    record = next(r for r in caplog.records if r.getMessage() == "upstream refused call")
    assert record.vendor_error.startswith("MALFORMED_QUERY: ")


async def test_401_is_unavailable(crm, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=fixture_text("crm/error_invalid_session.json"))

    with pytest.raises(SourceUnavailable) as info:
        await crm(handler).contacts_by_id(["003Hs00002AbCdeIAF"], CallContext("req-1"))
    assert info.value.source == "crm"
    assert info.value.code == "SOURCE_UNAVAILABLE"


async def test_request_limit_exceeded_is_throttled(crm):
    """Salesforce's quota signal is 403 REQUEST_LIMIT_EXCEEDED, not 429 (§3.5)."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        return httpx.Response(403, json=body)

    with pytest.raises(SourceThrottled) as info:
        await crm(handler).contacts_by_id(["003Hs00002AbCdeIAF"], CallContext("req-1"))
    assert info.value.retry_after is None


def test_read_salesforce_error(fixture_text):
    body = fixture_text("crm/error_invalid_session.json").encode()
    assert wire.read_salesforce_error(body) == "INVALID_SESSION_ID: Session expired or invalid"
    assert wire.read_salesforce_error(b"[]") is None
    assert wire.read_salesforce_error(b'{"error": "x"}') is None
    assert wire.read_salesforce_error(b"oops") is None


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"totalSize": 0, "done": True}, id="no-records"),
        pytest.param([{"Id": "500"}], id="array"),
        pytest.param({"done": True, "records": [{"Id": "500Hs"}]}, id="case-without-fields"),
        pytest.param(
            {
                "done": True,
                "records": [
                    {"Id": "500", "CaseNumber": "1", "Status": "New", "CreatedDate": "yesterday"}
                ],
            },
            id="bad-datetime",
        ),
        pytest.param({"done": True, "records": [None]}, id="null-record"),
    ],
)
async def test_schema_drift_is_bad_response_from_crm(crm, payload):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    with pytest.raises(SourceBadResponse) as info:
        await crm(handler).cases_by_number(["00001027"], CallContext("req-1"))
    assert info.value.source == "crm"


def test_sf_datetime_forms():
    assert wire.sf_datetime("2024-06-03T13:12:44.000+0000") == datetime(
        2024, 6, 3, 13, 12, 44, tzinfo=UTC
    )
    assert wire.sf_datetime("2024-06-03T13:12:44Z").tzinfo is UTC
    with pytest.raises(SourceBadResponse):
        wire.sf_datetime(None)
