"""Dynamics 365 F&O client over MockTransport: payloads in the shape Microsoft documents
for the data entities (tests/fixtures/dynamics), docs/vendors/dynamics.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sources.call import CallContext
from sources.commands import CreditLine, CreditNote
from sources.config import Secret, SourcePolicy
from sources.dynamics import DynamicsErp
from sources.dynamics.batch import BatchRequest, encode_changeset, parse_batch_response
from sources.dynamics.config import DynamicsConfig
from sources.dynamics.wire import read_dynamics_error
from sources.errors import SourceBadResponse, SourceError, SourceThrottled
from sources.http import Upstream
from sources.models import Money

BASE = "https://usmf.operations.dynamics.com"
Build = Callable[..., DynamicsErp]
Text = Callable[[str], str]


def config(**overrides: Any) -> DynamicsConfig:
    fields: dict[str, Any] = {
        "base_url": BASE,
        "tenant_id": "tenant-1",
        "client_id": "app-1",
        "client_secret": Secret("s3cret"),
        "company": "usmf",
        **overrides,
    }
    return DynamicsConfig(**fields)


@pytest.fixture
def erp(make_upstream: Callable[..., Upstream]) -> Build:
    """``erp(handler, batch_limit=50, **config)`` → a ``DynamicsErp`` over MockTransport."""

    def build(
        handler: Any, *, batch_limit: int = 50, sleep: Any = None, **overrides: Any
    ) -> DynamicsErp:
        policy = SourcePolicy(batch_limit=batch_limit)
        upstream = make_upstream(
            "erp",
            handler,
            base_url=BASE,
            policy=policy,
            read_vendor_error=read_dynamics_error,
            **({"sleep": sleep} if sleep else {}),
        )
        return DynamicsErp(upstream, config(policy=policy, **overrides))

    return build


def keys_of(request: httpx.Request, prop: str) -> list[str]:
    """The literals of ``dataAreaId eq 'usmf' and (P eq 'a' or P eq 'b')``, exact shape only."""
    text = request.url.params["$filter"]
    literals = re.findall(rf"{prop} eq '((?:[^']|'')*)'", text)
    ors = " or ".join(f"{prop} eq '{lit}'" for lit in literals)
    assert text == f"dataAreaId eq 'usmf' and ({ors})", text
    assert request.url.params["cross-company"] == "true"
    return [lit.replace("''", "'") for lit in literals]


async def test_sales_orders_join_headers_and_lines(erp: Build, fixture_text: Text) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/data/SalesOrderHeadersV2":
            assert keys_of(request, "CustomersOrderReference") == ["#1001", "#1002"]
            return httpx.Response(200, text=fixture_text("dynamics/sales_orders.json"))
        assert request.url.path == "/data/SalesOrderLines"
        assert keys_of(request, "SalesOrderNumber") == ["5000001", "5000002"]
        return httpx.Response(200, text=fixture_text("dynamics/sales_order_lines.json"))

    orders = await erp(handler).sales_orders(["#1001", "#1002"], CallContext("req-1"))

    assert [r.headers["X-Request-ID"] for r in seen] == ["req-1", "req-1"]
    first = orders["#1001"]
    assert first.document_number == "5000001"
    assert first.sold_to_party == "US-0042"
    assert first.status == "COMPLETED"
    assert first.net_amount == Money(Decimal("100.00"), "USD")
    assert first.created_at == datetime(2026, 5, 4, 9, 30, 12, tzinfo=UTC)
    assert [(i.item, i.material, i.quantity) for i in first.items] == [
        ("1", "TS01", Decimal(2)),
        ("2", "MS12", Decimal(1)),
    ]
    assert first.items[0].net_amount == Money(Decimal("60.00"), "USD")
    # Backorder in the header, but a line is out: the order is under way.
    assert orders["#1002"].status == "IN_PROGRESS"
    assert orders["#1002"].net_amount == Money(Decimal("50.00"), "EUR")


async def test_billing_documents_credit_notes_are_positive_credit_memos(
    erp: Build, fixture_text: Text
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/data/SalesInvoiceHeadersV2"
        assert keys_of(request, "CustomersOrderReference") == ["#1001"]
        return httpx.Response(200, text=fixture_text("dynamics/invoices.json"))

    found = await erp(handler).billing_documents(["#1001"], CallContext("req-1"))

    invoice, credit = found["#1001"]  # oldest first
    assert (invoice.kind, invoice.document_number, invoice.oms_refund_id) == (
        "INVOICE",
        "90000007",
        None,
    )
    assert invoice.gross_amount == Money(Decimal("108.25"), "USD")
    assert invoice.issued_at == datetime(2026, 5, 6, tzinfo=UTC)
    assert credit.kind == "CREDIT_MEMO"
    assert credit.oms_refund_id == "9100000069"
    assert (credit.net_amount.amount, credit.tax_amount.amount, credit.gross_amount.amount) == (
        Decimal("20.00"),
        Decimal("1.65"),
        Decimal("21.65"),
    )


async def test_next_link_is_followed(erp: Build) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        row = {"dataAreaId": "usmf", "ItemNumber": "MS12", "AvailablePhysicalQuantity": 5}
        if "$skiptoken" not in request.url.params:
            link = f"{BASE}/data/WarehousesOnHandV2?cross-company=true&$skiptoken=1"
            return httpx.Response(200, json={"value": [row], "@odata.nextLink": link})
        return httpx.Response(200, json={"value": [{**row, "AvailablePhysicalQuantity": 7}]})

    levels = await erp(handler).stock(["MS12"], CallContext("req-1"))

    assert len(calls) == 2
    assert calls[1].endswith("$skiptoken=1")
    assert levels["MS12"].quantity == Decimal(12)


async def test_keys_are_split_by_query_length_and_count(erp: Build) -> None:
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(request.url.query.decode())
        return httpx.Response(200, json={"value": []})

    numbers = [f"#{1000 + n}" for n in range(120)]
    await erp(handler, batch_limit=200, max_query_bytes=1024).billing_documents(
        numbers, CallContext("req-1")
    )

    assert len(queries) > 1
    assert all(len(query) <= 1024 for query in queries)
    sent = [k for q in queries for k in re.findall(r"'(#\d+)'", parse_qs(q)["$filter"][0])]
    assert sorted(sent) == sorted(numbers)

    queries.clear()
    await erp(handler, batch_limit=10).billing_documents(numbers[:25], CallContext("req-1"))
    assert len(queries) == 3


async def test_error_body_is_read_for_the_log(
    erp: Build, fixture_text: Text, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=fixture_text("dynamics/error_bad_filter.json"))

    with caplog.at_level("WARNING", logger="order360.sources"), pytest.raises(SourceError):
        await erp(handler).sales_orders(["#1001"], CallContext("req-1"))

    vendor = [r.vendor_error for r in caplog.records if hasattr(r, "vendor_error")]
    assert vendor
    assert "Could not find a property named 'CustomerRef'" in vendor[0]
    assert read_dynamics_error(b"<html>") is None


async def test_throttling_waits_retry_after_then_succeeds(erp: Build, fixture_text: Text) -> None:
    waits: list[float] = []
    answers = [
        httpx.Response(
            429, headers={"Retry-After": "2"}, text=fixture_text("dynamics/throttled.json")
        ),
        httpx.Response(200, json={"value": []}),
    ]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    assert await erp(handler, sleep=sleep).stock(["MS12"], CallContext("req-1")) == {}
    assert waits == [2.0]


async def test_throttling_past_the_retries_is_source_throttled(
    erp: Build, fixture_text: Text
) -> None:
    async def sleep(seconds: float) -> None:
        return None

    def handler(request: httpx.Request) -> httpx.Response:
        body = fixture_text("dynamics/throttled.json")
        return httpx.Response(429, headers={"Retry-After": "1"}, text=body)

    with pytest.raises(SourceThrottled) as raised:
        await erp(handler, sleep=sleep).stock(["MS12"], CallContext("req-1"))
    assert raised.value.retry_after == 1.0
    assert read_dynamics_error(fixture_text("dynamics/throttled.json").encode()) == (
        "429: This request could not be processed at this time due to system experiencing "
        "high resource utilization. (This request could not be processed at this time due "
        "to system experiencing high resource utilization.)"
    )


def test_batch_encoding_is_one_changeset_referencing_the_header() -> None:
    body, content_type = encode_changeset(
        [
            BatchRequest("POST", "FreeTextInvoiceHeaders", {"CustomerAccount": "US-1"}),
            BatchRequest("POST", "$1/FreeTextInvoiceLines", {"LineAmount": Decimal("-20.50")}),
        ],
        base="/data",
        boundary="batch_x",
    )
    text = body.decode()
    assert content_type == "multipart/mixed; boundary=batch_x"
    assert text.startswith("--batch_x\r\nContent-Type: multipart/mixed; boundary=changeset_")
    assert "POST /data/FreeTextInvoiceHeaders HTTP/1.1" in text
    assert "POST $1/FreeTextInvoiceLines HTTP/1.1" in text
    assert '{"LineAmount":-20.5}' in text
    assert "Content-ID: 2" in text
    assert text.endswith("--batch_x--\r\n")


def test_batch_response_parsing(fixture_text: Text) -> None:
    raw = fixture_text("dynamics/batch_created.txt").encode()
    responses = parse_batch_response(raw, "multipart/mixed; boundary=batchresponse_1a2b")
    assert [(r.status, r.content_id) for r in responses] == [(201, "1"), (201, "2")]
    assert responses[0].json()["FreeTextNumber"] == "60000031"
    with pytest.raises(SourceBadResponse):
        parse_batch_response(b"{}", "application/json")


def credit(reference: str = "wf-77") -> CreditNote:
    line = CreditLine("MS12", Decimal(1), Money(Decimal("20.00"), "USD"))
    return CreditNote(reference, "9100000069", "#1001", "5000001", "DAMAGED", (line,))


class FakeDynamics:
    """Just enough F&O for post_credit: look-ups by reference, the order, and $batch."""

    def __init__(self, batch_answer: str, boundary: str) -> None:
        self.created: list[str] = []
        self.batches: list[bytes] = []
        self._answer = batch_answer
        self._boundary = boundary

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = urlsplit(str(request.url)).path
        if path == "/data/FreeTextInvoiceHeaders":
            assert keys_of(request, "O360WorkflowReference") == ["wf-77"]
            rows = [{"dataAreaId": "usmf", "FreeTextNumber": n} for n in self.created]
            return httpx.Response(200, json={"value": rows})
        if path == "/data/SalesOrderHeadersV2":
            assert keys_of(request, "SalesOrderNumber") == ["5000001"]
            row = {"SalesOrderNumber": "5000001", "OrderingCustomerAccountNumber": "US-0042"}
            return httpx.Response(200, json={"value": [{**row, "CurrencyCode": "USD"}]})
        assert (request.method, path) == ("POST", "/data/$batch")
        assert request.headers["Content-Type"].startswith("multipart/mixed; boundary=batch_")
        self.batches.append(request.content)
        self.created.append("60000031")
        content_type = f"multipart/mixed; boundary={self._boundary}"
        return httpx.Response(200, text=self._answer, headers={"Content-Type": content_type})


async def test_post_credit_is_idempotent_by_reference(erp: Build, fixture_text: Text) -> None:
    fake = FakeDynamics(fixture_text("dynamics/batch_created.txt"), "batchresponse_1a2b")
    client = erp(fake)

    first = await client.post_credit(credit(), CallContext("req-1"))
    again = await client.post_credit(credit(), CallContext("req-2"))

    assert first == again == "60000031"
    assert len(fake.batches) == 1  # the second call found the first credit note
    sent = fake.batches[0].decode()
    assert '"O360WorkflowReference":"wf-77"' in sent
    assert '"O360OmsRefundId":"9100000069"' in sent
    assert '"CustomerReference":"#1001"' in sent
    assert '"Quantity":-1' in sent
    assert '"LineAmount":-20' in sent


async def test_failed_changeset_raises_a_permanent_error(erp: Build, fixture_text: Text) -> None:
    fake = FakeDynamics(fixture_text("dynamics/batch_failed.txt"), "batchresponse_9z")
    with pytest.raises(SourceError) as raised:
        await erp(fake).post_credit(credit(), CallContext("req-1"))
    assert raised.value.source == "erp"
    assert not raised.value.transient  # a refused write is not retried
