"""ERP client: SAP S/4HANA OData v2 over MockTransport (vendor-wire-formats.md §1)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sources.call import CallContext
from sources.config import ErpConfig, Secret, SourcePolicy
from sources.errors import NotFound, SourceBadResponse
from sources.models import Money
from sources.odata import odata_literal
from sources.sap import ErpClient, wire

BASE = "https://erp.test/s4"
SALES_PATH = "/s4/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder"
BILLING_PATH = "/s4/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument"
STOCK_PATH = "/s4/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod"


def erp_config(**overrides: Any) -> ErpConfig:
    return ErpConfig(base_url=BASE, user="COMM_USER", password=Secret("pw"), **overrides)


@pytest.fixture
def erp(make_upstream):
    """``erp(handler, batch_limit=40, max_url_bytes=7000)`` → an ``ErpClient``."""

    def build(handler, *, batch_limit: int = 40, **config: Any) -> ErpClient:
        policy = SourcePolicy(batch_limit=batch_limit)
        upstream = make_upstream(
            "erp", handler, base_url=BASE, policy=policy, read_vendor_error=wire.read_sap_error
        )
        return ErpClient(upstream, erp_config(policy=policy, **config))

    return build


def or_chain(filter_text: str, prop: str) -> list[str]:
    """The literals of ``prop eq 'a' or prop eq 'b'``; fails unless that is the exact shape."""
    literals = re.findall(rf"{prop} eq '((?:[^']|'')*)'", filter_text)
    rebuilt = " or ".join(f"{prop} eq '{lit}'" for lit in literals)
    assert filter_text == rebuilt, filter_text
    return [lit.replace("''", "'") for lit in literals]


def assert_odata_get(request: httpx.Request, path: str) -> None:
    assert request.method == "GET"
    assert request.url.path == path
    assert request.headers["X-Request-ID"] == "req-1"
    assert request.headers["Accept"] == "application/json"
    assert request.url.params["$format"] == "json"


# --- sales orders ---------------------------------------------------------------------


async def test_sales_orders_request_shape_and_mapping(erp, fixture_text):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_odata_get(request, SALES_PATH)
        assert request.url.params["$expand"] == "to_Item"
        select = request.url.params["$select"].split(",")
        assert {"PurchaseOrderByCustomer", "TotalNetAmount", "to_Item/Material"} <= set(select)
        return httpx.Response(200, text=fixture_text("erp/sales_orders.json"))

    numbers = ["#1001", "#1002", "#1003", "#1004", "#1005"]
    orders = await erp(handler).sales_orders(numbers, CallContext("req-1"))

    assert len(seen) == 1
    assert or_chain(seen[0].url.params["$filter"], "PurchaseOrderByCustomer") == numbers
    assert set(orders) == set(numbers)

    first = orders["#1001"]
    assert first.document_number == "5000123"
    assert first.sold_to_party == "17100001"
    assert first.net_amount == Money(Decimal("249.90"), "USD")
    assert str(first.net_amount.amount) == "249.90"
    assert first.created_at == datetime(2024, 6, 1, tzinfo=UTC)
    assert first.created_at.utcoffset().total_seconds() == 0
    assert first.status == "IN_PROGRESS"
    assert first.delivery_status == "B"
    assert [(i.item, i.material, i.quantity, i.net_amount, i.rejected) for i in first.items] == [
        ("10", "TG11", Decimal("2"), Money(Decimal("199.90"), "USD"), False),
        ("20", "TG12", Decimal("1"), Money(Decimal("50.00"), "USD"), False),
    ]

    second = orders["#1002"]
    assert second.created_at == datetime(2024, 6, 2, tzinfo=UTC)  # /Date(ms+0000)/
    assert second.net_amount == Money(Decimal("1234.567"), "EUR")
    assert second.items[0].quantity == Decimal("3.500")
    assert second.items[0].net_amount.currency == "EUR"
    assert second.status == "COMPLETED"

    assert orders["#1003"].status == "CANCELLED"
    assert orders["#1003"].items[0].rejected is True
    assert orders["#1004"].status == "ON_HOLD"
    assert orders["#1004"].items == ()
    assert orders["#1005"].status == "OPEN"
    assert orders["#1005"].items == ()  # to_Item left deferred
    assert orders["#1005"].delivery_status == "A"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"OverallSDDocumentRejectionSts": "C", "OverallSDProcessStatus": "C"}, "CANCELLED"),
        # Rejection wins over a block: §5.1 is evaluated top-down.
        ({"OverallSDDocumentRejectionSts": "C", "TotalBlockStatus": "C"}, "CANCELLED"),
        ({"OverallSDDocumentRejectionSts": "B", "OverallSDProcessStatus": "B"}, "IN_PROGRESS"),
        ({"TotalBlockStatus": "C", "OverallSDProcessStatus": "C"}, "ON_HOLD"),
        ({"DeliveryBlockReason": "01", "OverallSDProcessStatus": "A"}, "ON_HOLD"),
        ({"HeaderBillingBlockReason": "02", "OverallSDProcessStatus": "B"}, "ON_HOLD"),
        (
            {"TotalBlockStatus": "", "DeliveryBlockReason": "", "OverallSDProcessStatus": "C"},
            "COMPLETED",
        ),
        ({"OverallSDProcessStatus": "B"}, "IN_PROGRESS"),
        ({"OverallSDProcessStatus": "A", "DeliveryBlockReason": None}, "OPEN"),
        ({"OverallSDProcessStatus": ""}, "PENDING"),
        ({}, "PENDING"),
    ],
)
def test_sales_order_status_follows_section_5_1(fields, expected):
    assert wire.sales_order_status(fields) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/Date(1717200000000)/", datetime(2024, 6, 1, tzinfo=UTC)),
        ("/Date(1717230063682+0000)/", datetime(2024, 6, 1, 8, 21, 3, 682000, tzinfo=UTC)),
        ("/Date(0)/", datetime(1970, 1, 1, tzinfo=UTC)),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_odata_date_is_aware_utc(raw, expected):
    parsed = wire.odata_date(raw)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw", ["2024-06-01", "/Date(abc)/", "Date(1717200000000)", None, 1717200000000]
)
def test_odata_date_rejects_other_shapes(raw):
    with pytest.raises(SourceBadResponse) as info:
        wire.odata_date(raw)
    assert info.value.source == "erp"


async def test_next_link_is_followed_until_the_last_page(erp, fixture_text):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.headers["X-Request-ID"] == "req-1"
        if "$skiptoken" in request.url.params:
            assert str(request.url) == (
                "https://erp.test/s4/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder?$skiptoken=1"
            )
            return httpx.Response(200, text=fixture_text("erp/sales_orders_page2.json"))
        assert_odata_get(request, SALES_PATH)
        return httpx.Response(200, text=fixture_text("erp/sales_orders_page1.json"))

    orders = await erp(handler).sales_orders(["#1001", "#1002"], CallContext("req-1"))

    assert len(seen) == 2
    assert sorted(orders) == ["#1001", "#1002"]
    assert orders["#1002"].document_number == "5000124"


async def test_120_order_numbers_make_3_requests_of_40_under_the_url_limit(erp):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_odata_get(request, SALES_PATH)
        return httpx.Response(200, json={"d": {"results": []}})

    numbers = [f"#{2000 + i}" for i in range(120)]
    client = erp(handler, batch_limit=40)
    found = await client.sales_orders([*numbers, *numbers[:10]], CallContext("req-1"))

    assert found == {}
    assert len(seen) == 3
    chunks = [or_chain(r.url.params["$filter"], "PurchaseOrderByCustomer") for r in seen]
    assert [len(chunk) for chunk in chunks] == [40, 40, 40]
    assert sorted(key for chunk in chunks for key in chunk) == sorted(numbers)
    for request in seen:
        assert len(request.url.raw_path) <= 7000
        assert "%23" in request.url.query.decode()  # '#' never travels raw


async def test_request_urls_stay_under_max_url_bytes_when_bytes_bind(erp):
    """With a tight ``max_url_bytes`` the whole request line must fit, not just the filter."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"d": {"results": []}})

    numbers = [f"#{2000 + i}" for i in range(120)]
    await erp(handler, batch_limit=40, max_url_bytes=1500).sales_orders(
        numbers, CallContext("req-1")
    )

    assert len(seen) > 3  # the byte budget, not batch_limit, decided the split
    sent = [
        key for r in seen for key in or_chain(r.url.params["$filter"], "PurchaseOrderByCustomer")
    ]
    assert sorted(sent) == sorted(numbers)
    assert max(len(r.url.raw_path) for r in seen) <= 1500


async def test_quote_in_a_literal_is_doubled(erp, fixture_json):
    payload = fixture_json("erp/sales_orders.json")
    row = payload["d"]["results"][0]
    row["PurchaseOrderByCustomer"] = "O'Brien"
    payload["d"]["results"] = [row]
    filters: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        filters.append(request.url.params["$filter"])
        return httpx.Response(200, json=payload)

    orders = await erp(handler).sales_orders(["O'Brien"], CallContext("req-1"))

    assert filters == ["PurchaseOrderByCustomer eq 'O''Brien'"]
    assert list(orders) == ["O'Brien"]


@pytest.mark.parametrize(
    ("value", "literal"),
    [("5000123", "'5000123'"), ("O'Brien", "'O''Brien'"), ("''", "''''''"), ("", "''")],
)
def test_odata_literal(value, literal):
    assert odata_literal(value) == literal


async def test_no_keys_no_request(erp):
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    client = erp(handler)
    assert await client.sales_orders([], CallContext("req-1")) == {}
    assert await client.billing_documents([], CallContext("req-1")) == {}
    assert await client.stock([], CallContext("req-1")) == {}


# --- errors and drift -------------------------------------------------------------------


async def test_odata_404_is_not_found_and_logs_the_sap_code(erp, fixture_text, caplog):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text=fixture_text("erp/error_not_found.json"))

    with (
        caplog.at_level(logging.WARNING, logger="order360.sources"),
        pytest.raises(NotFound) as info,
    ):
        await erp(handler).sales_orders(["#5009999"], CallContext("req-1"))

    assert info.value.source == "erp"
    assert info.value.code == "NOT_FOUND"
    record = next(r for r in caplog.records if r.getMessage() == "upstream refused call")
    assert record.vendor_error == "SD_SLS_API/012: Sales order 5009999 does not exist"
    assert record.status == 404
    assert record.request_id == "req-1"
    # The vendor's message stays in the log: it is not part of the error we raise.
    assert "5009999 does not exist" not in str(info.value)


async def test_odata_400_is_bad_response(erp, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=fixture_text("erp/error_bad_filter.json"))

    with pytest.raises(SourceBadResponse) as info:
        await erp(handler).billing_documents(["#1001"], CallContext("req-1"))
    assert info.value.source == "erp"
    assert info.value.code == "SOURCE_BAD_RESPONSE"


def test_read_sap_error(fixture_text):
    body = fixture_text("erp/error_bad_filter.json").encode()
    assert wire.read_sap_error(body) == (
        "/IWBEP/CM_MGW_RT/022: Invalid filter expression: 'PurchaseOrderByCustomer eq'."
    )
    assert wire.read_sap_error(b"<html>502</html>") is None
    assert wire.read_sap_error(b'{"error": "flat"}') is None


def _drifted_sales_payloads() -> list[Any]:
    good_row = {
        "SalesOrder": "5000123",
        "PurchaseOrderByCustomer": "#1001",
        "SoldToParty": "17100001",
        "SalesOrderDate": "/Date(1717200000000)/",
        "TotalNetAmount": "249.90",
        "TransactionCurrency": "USD",
        "OverallSDProcessStatus": "A",
    }
    return [
        pytest.param({"d": good_row}, id="single-entity-without-results"),
        pytest.param({"value": [good_row]}, id="odata-v4-envelope"),
        pytest.param({"d": {"results": {"0": good_row}}}, id="results-not-a-list"),
        pytest.param({"d": {"results": [{**good_row, "TotalNetAmount": "249,90"}]}}, id="comma"),
        pytest.param({"d": {"results": [{**good_row, "TotalNetAmount": None}]}}, id="null-amount"),
        pytest.param({"d": {"results": [{**good_row, "SalesOrderDate": "2024-06-01"}]}}, id="date"),
        pytest.param(
            {"d": {"results": [{k: v for k, v in good_row.items() if k != "TransactionCurrency"}]}},
            id="no-currency",
        ),
        pytest.param(
            {
                "d": {
                    "results": [
                        {
                            **good_row,
                            "to_Item": {
                                "results": [
                                    {
                                        "SalesOrderItem": "10",
                                        "Material": "TG11",
                                        "RequestedQuantity": "two",
                                        "NetAmount": "1.00",
                                    }
                                ]
                            },
                        }
                    ]
                }
            },
            id="item-quantity",
        ),
        pytest.param([good_row], id="top-level-array"),
        pytest.param({"d": {"results": [None]}}, id="null-row"),
    ]


@pytest.mark.parametrize("payload", _drifted_sales_payloads())
async def test_schema_drift_is_bad_response_from_erp(erp, payload):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    with pytest.raises(SourceBadResponse) as info:
        await erp(handler).sales_orders(["#1001"], CallContext("req-1"))
    assert info.value.source == "erp"


# --- billing documents ----------------------------------------------------------------


async def test_billing_documents_kinds_and_refund_reference(erp, fixture_text):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_odata_get(request, BILLING_PATH)
        assert request.url.params["$orderby"] == "BillingDocument"
        assert "YY1_OMSRefundID_BDH" in request.url.params["$select"].split(",")
        assert "$expand" not in request.url.params
        return httpx.Response(200, text=fixture_text("erp/billing_documents.json"))

    docs = await erp(handler).billing_documents(["#1001", "#1002"], CallContext("req-1"))

    assert or_chain(seen[0].url.params["$filter"], "PurchaseOrderByCustomer") == ["#1001", "#1002"]
    assert sorted(docs) == ["#1001", "#1002"]

    invoice, credit_memo = docs["#1001"]
    assert (invoice.document_number, invoice.kind) == ("90001234", "INVOICE")
    assert invoice.issued_at == datetime(2024, 6, 3, tzinfo=UTC)
    assert invoice.net_amount == Money(Decimal("199.90"), "USD")
    assert invoice.tax_amount == Money(Decimal("15.99"), "USD")
    assert invoice.gross_amount == Money(Decimal("215.89"), "USD")
    assert invoice.cancelled is False
    assert invoice.oms_refund_id is None  # blank custom field

    assert (credit_memo.document_number, credit_memo.kind) == ("90001301", "CREDIT_MEMO")
    assert credit_memo.oms_refund_id == "509562969"
    assert credit_memo.gross_amount == Money(Decimal("199.64"), "USD")
    assert credit_memo.net_amount + credit_memo.tax_amount == credit_memo.gross_amount

    cancelled, cancellation = docs["#1002"]
    assert (cancelled.kind, cancelled.cancelled, cancelled.oms_refund_id) == ("INVOICE", True, None)
    assert cancelled.tax_amount == Money(Decimal("0.000"), "EUR")
    assert cancellation.kind == "INVOICE_CANCELLATION"
    assert cancellation.issued_at == datetime(2024, 6, 5, tzinfo=UTC)


def test_unknown_billing_category_is_kept_visible():
    doc = wire.billing_document(
        {
            "BillingDocument": "90009999",
            "SDDocumentCategory": "U",
            "BillingDocumentDate": "/Date(1717372800000)/",
            "PurchaseOrderByCustomer": "#1001",
            "TotalNetAmount": "1.00",
            "TaxAmount": "0.00",
            "TotalGrossAmount": "1.00",
            "TransactionCurrency": "USD",
        }
    )
    assert doc.kind == "OTHER_U"
    assert doc.cancelled is False


# --- stock ------------------------------------------------------------------------------


async def test_stock_sums_rows_per_material(erp, fixture_text):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_odata_get(request, STOCK_PATH)
        assert request.url.params["$select"] == (
            "Material,MatlWrhsStkQtyInMatlBaseUnit,MaterialBaseUnit"
        )
        return httpx.Response(200, text=fixture_text("erp/stock.json"))

    levels = await erp(handler).stock(["TG11", "TG12", "TG99"], CallContext("req-1"))

    assert seen[0].url.params["$filter"] == (
        "(Material eq 'TG11' or Material eq 'TG12' or Material eq 'TG99') "
        "and InventoryStockType eq '01' and InventorySpecialStockType eq ''"
    )
    assert sorted(levels) == ["TG11", "TG12"]
    assert levels["TG11"].quantity == Decimal("15.500")
    assert levels["TG11"].unit == "PC"
    assert levels["TG12"].quantity == Decimal("3")


def test_stock_levels_reject_non_decimal_quantity():
    with pytest.raises(SourceBadResponse) as info:
        wire.stock_levels([{"Material": "TG11", "MatlWrhsStkQtyInMatlBaseUnit": "n/a"}])
    assert info.value.source == "erp"
