"""OMS client: Shopify Admin REST over MockTransport (vendor-wire-formats.md §2)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sources.call import CallContext
from sources.config import OmsConfig, Secret, SourcePolicy
from sources.errors import SourceBadResponse, SourceThrottled
from sources.models import (
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OrderStatus,
    ShipmentStatus,
)
from sources.shopify import InvalidCursor, OrderCursor, OrderListQuery, wire
from sources.shopify.client import OmsClient

BASE = "https://shop.test"
ORDERS_PATH = "/admin/api/2024-01/orders.json"
CHANNEL_APPS = {"web": 580111, "store": 129785, "partner:acme": 4555605}
CHANNELS_BY_APP = {app: name for name, app in CHANNEL_APPS.items()}
TOKEN = "shpat_test_token"


@pytest.fixture
def oms(make_upstream):
    """``oms(handler, batch_limit=250)`` → an ``OmsClient``."""

    def build(handler, *, batch_limit: int = 250) -> OmsClient:
        policy = SourcePolicy(batch_limit=batch_limit)
        upstream = make_upstream(
            "oms", handler, base_url=BASE, policy=policy, read_vendor_error=wire.read_shopify_error
        )
        config = OmsConfig(
            base_url=BASE, access_token=Secret(TOKEN), channel_apps=CHANNEL_APPS, policy=policy
        )
        return OmsClient(upstream, config)

    return build


@pytest.fixture
def raw_order(fixture_json) -> dict[str, Any]:
    """The §2.2 order object (unwrapped from ``{"order": ...}``)."""
    return fixture_json("oms/order_1001.json")["order"]


def assert_shopify_get(request: httpx.Request, path: str = ORDERS_PATH) -> None:
    assert request.method == "GET"
    assert request.url.path == path
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["X-Request-ID"] == "req-1"


def variant(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(raw)
    copied.update(changes)
    return copied


def listed(raw: dict[str, Any], order_id: int, created_at: str, **changes: Any) -> dict[str, Any]:
    return variant(raw, id=order_id, name=f"#{order_id}", created_at=created_at, **changes)


# --- mapping ----------------------------------------------------------------------------


async def test_order_fixture_maps_to_oms_order(oms, fixture_text):
    # Serve the recorded bytes (JSON numbers untouched), re-wrapped as an orders.json list.
    recorded = fixture_text("oms/order_1001.json").strip()
    assert recorded.startswith('{ "order":')
    body = '{"orders": [' + recorded.removeprefix('{ "order":').removesuffix("}") + "]}"

    def handler(request: httpx.Request) -> httpx.Response:
        assert_shopify_get(request)
        return httpx.Response(200, text=body)

    found = await oms(handler).orders_by_id(["450789469"], CallContext("req-1"))
    order = found["450789469"]

    assert order.number == "#1001"
    assert order.channel == "web"
    assert order.placed_at == datetime(2024, 6, 1, 13, 4, 18, tzinfo=UTC)
    assert order.placed_at.utcoffset() == timedelta(0)
    assert order.updated_at == datetime(2024, 6, 3, 15, 20, 5, tzinfo=UTC)
    assert order.cancelled_at is None
    assert order.closed_at is None
    assert order.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert order.fulfillment_status is FulfillmentStatus.PARTIAL
    assert order.subtotal == Money(Decimal("398.00"), "USD")
    assert order.total_tax == Money(Decimal("11.94"), "USD")
    assert order.total == Money(Decimal("399.94"), "USD")
    assert order.currency == "USD"

    assert order.customer is not None
    assert (order.customer.id, order.customer.email, order.customer.last_name) == (
        "207119551",
        "bob.norman@example.com",
        "Norman",
    )

    green, red = order.lines
    assert (green.id, green.sku, green.title, green.quantity) == (
        "466157049",
        "IPOD2008GREEN",
        "IPod Nano - 8gb - green",
        1,
    )
    assert green.unit_price == Money(Decimal("199.00"), "USD")
    assert green.refunded_quantity == 0
    assert (red.title, red.refunded_quantity) == ("IPod Nano - 8gb", 1)

    (parcel,) = order.fulfillments
    assert parcel.id == "255858046"
    assert parcel.name == "#1001.1"
    assert parcel.created_at == datetime(2024, 6, 1, 19, 10, tzinfo=UTC)
    assert (parcel.tracking_company, parcel.tracking_number) == ("UPS", "1Z2345E20312345678")
    assert parcel.shipment_status is ShipmentStatus.IN_TRANSIT
    assert parcel.cancelled is False

    (refund,) = order.refunds
    assert refund.id == "509562969"
    assert refund.created_at == datetime(2024, 6, 3, 15, 20, 5, tzinfo=UTC)
    assert refund.note == "wrong size"
    # Only the successful refund transaction counts, not the failed attempt before it.
    assert refund.amount == Money(Decimal("199.64"), "USD")
    assert [(rl.line_id, rl.quantity, rl.restock_type) for rl in refund.lines] == [
        ("518995019", 1, "return")
    ]

    assert order.refunded == Money(Decimal("199.64"), "USD")
    assert order.paid == Money(Decimal("399.94"), "USD")
    assert order.refundable == Money(Decimal("200.30"), "USD")  # = current_total_price
    # The fixture's refund restocks its line as a return: goods came back.
    assert order.status is OrderStatus.RETURNED


def test_json_numbers_in_refund_lines_read_back_exactly(make_upstream, fixture_text):
    upstream = make_upstream("oms", lambda request: httpx.Response(500))
    payload = upstream.decode(fixture_text("oms/order_1001.json").encode())
    line = payload["order"]["refunds"][0]["refund_line_items"][0]
    assert Decimal(str(line["subtotal"])) == Decimal("195.66")
    assert Decimal(str(line["total_tax"])) == Decimal("3.98")
    assert line["quantity"] == 1
    assert type(line["quantity"]) is int


async def test_money_sent_as_json_number_keeps_every_digit(oms, raw_order):
    text = json.dumps({"orders": [variant(raw_order, total_tax="__TAX__")]}).replace(
        '"__TAX__"', "1234567890.123456789"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=text)

    order = (await oms(handler).orders_by_id(["450789469"], CallContext("req-1")))["450789469"]
    assert order.total_tax.amount == Decimal("1234567890.123456789")


@pytest.mark.parametrize(
    ("app_id", "source_name", "channel"),
    [
        (580111, "web", "web"),
        (129785, "pos", "store"),
        (4555605, "4555605", "partner:acme"),
        (999999, "shopify_draft_order", "shopify_draft_order"),
        (None, None, "unknown"),
    ],
)
def test_channel_comes_from_app_id(raw_order, app_id, source_name, channel):
    order = wire.order(variant(raw_order, app_id=app_id, source_name=source_name), CHANNELS_BY_APP)
    assert order.channel == channel


def _delivered(raw: dict[str, Any]) -> dict[str, Any]:
    parcel = raw["fulfillments"][0]
    cancelled = {**parcel, "id": 255858047, "status": "cancelled", "shipment_status": "in_transit"}
    return variant(
        raw,
        financial_status="paid",
        fulfillment_status="fulfilled",
        refunds=[],
        fulfillments=[{**parcel, "shipment_status": "delivered"}, cancelled],
    )


def _with_restock(
    raw: dict[str, Any], restock_type: str, financial_status: str = "refunded"
) -> dict[str, Any]:
    changed = variant(raw, financial_status=financial_status)
    changed["refunds"][0]["refund_line_items"][0]["restock_type"] = restock_type
    return changed


STATUS_VARIANTS = [
    pytest.param(
        lambda raw: variant(
            raw, cancelled_at="2024-06-02T10:00:00-04:00", financial_status="refunded"
        ),
        OrderStatus.CANCELLED,
        id="cancelled-beats-refunded",
    ),
    pytest.param(lambda raw: _with_restock(raw, "return"), OrderStatus.RETURNED, id="returned"),
    pytest.param(lambda raw: _with_restock(raw, "no_restock"), OrderStatus.REFUNDED, id="refunded"),
    pytest.param(
        lambda raw: _with_restock(raw, "no_restock", "partially_refunded"),
        OrderStatus.PARTIALLY_REFUNDED,
        id="partially-refunded",
    ),
    pytest.param(
        lambda raw: _with_restock(raw, "return", "partially_refunded"),
        OrderStatus.RETURNED,
        id="partial-return",
    ),
    pytest.param(_delivered, OrderStatus.DELIVERED, id="delivered-ignoring-cancelled-parcel"),
    pytest.param(
        lambda raw: variant(
            raw, financial_status="paid", fulfillment_status="fulfilled", refunds=[]
        ),
        OrderStatus.FULFILLED,
        id="fulfilled-in-transit",
    ),
    pytest.param(
        lambda raw: variant(
            raw,
            financial_status="paid",
            fulfillment_status="fulfilled",
            refunds=[],
            fulfillments=[],
        ),
        OrderStatus.FULFILLED,
        id="fulfilled-without-parcels",
    ),
    pytest.param(
        lambda raw: variant(raw, financial_status="paid", refunds=[]),
        OrderStatus.PARTIALLY_FULFILLED,
        id="partially-fulfilled",
    ),
    pytest.param(
        lambda raw: variant(
            raw, financial_status="paid", fulfillment_status=None, refunds=[], fulfillments=[]
        ),
        OrderStatus.OPEN,
        id="open",
    ),
    pytest.param(
        lambda raw: variant(
            raw, financial_status="pending", fulfillment_status=None, refunds=[], fulfillments=[]
        ),
        OrderStatus.OPEN,
        id="open-unpaid",
    ),
]


@pytest.mark.parametrize(("build", "expected"), STATUS_VARIANTS)
def test_status_for_each_canonical_value(raw_order, build, expected):
    assert wire.order(build(raw_order), CHANNELS_BY_APP).status is expected


def test_every_order_status_has_a_variant():
    covered = {param.values[1] for param in STATUS_VARIANTS}
    assert covered == set(OrderStatus)


@pytest.mark.parametrize(
    ("financial_status", "paid", "refundable"),
    [
        ("paid", "399.94", "200.30"),
        ("partially_refunded", "399.94", "200.30"),
        ("refunded", "399.94", "200.30"),
        ("partially_paid", "0.00", "0.00"),
        ("authorized", "0.00", "0.00"),
        ("pending", "0.00", "0.00"),
        ("voided", "0.00", "0.00"),
    ],
)
def test_paid_and_refundable(raw_order, financial_status, paid, refundable):
    order = wire.order(variant(raw_order, financial_status=financial_status), CHANNELS_BY_APP)
    assert order.paid == Money(Decimal(paid), "USD")
    assert order.refundable == Money(Decimal(refundable), "USD")


def test_refundable_never_goes_below_zero(raw_order):
    over = variant(raw_order, financial_status="refunded", total_price="100.00")
    order = wire.order(over, CHANNELS_BY_APP)
    assert order.refunded == Money(Decimal("199.64"), "USD")
    assert order.refundable == Money.zero("USD")


@pytest.mark.parametrize(
    ("shopify", "canonical"),
    [
        ("label_printed", ShipmentStatus.PRE_TRANSIT),
        ("label_purchased", ShipmentStatus.PRE_TRANSIT),
        ("confirmed", ShipmentStatus.PRE_TRANSIT),
        ("in_transit", ShipmentStatus.IN_TRANSIT),
        ("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
        ("ready_for_pickup", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("attempted_delivery", ShipmentStatus.EXCEPTION),
        ("delivered", ShipmentStatus.DELIVERED),
        ("failure", ShipmentStatus.EXCEPTION),
        (None, None),
    ],
)
def test_fulfillment_shipment_status(raw_order, shopify, canonical):
    raw_order["fulfillments"][0]["shipment_status"] = shopify
    order = wire.order(raw_order, CHANNELS_BY_APP)
    assert order.fulfillments[0].shipment_status is canonical


@pytest.mark.parametrize("dead", ["cancelled", "error", "failure"])
def test_dead_fulfillments_are_cancelled(raw_order, dead):
    raw_order["fulfillments"][0]["status"] = dead
    assert wire.order(raw_order, CHANNELS_BY_APP).fulfillments[0].cancelled is True


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"created_at": "2024-06-01T09:04:18"}, id="naive-timestamp"),
        pytest.param({"created_at": None}, id="missing-timestamp"),
        pytest.param({"total_price": "399,94"}, id="comma-amount"),
        pytest.param({"financial_status": "on_fire"}, id="unknown-financial-status"),
        pytest.param({"fulfillment_status": "shipped"}, id="unknown-fulfillment-status"),
        pytest.param({"line_items": [{"sku": "X", "price": "1.00"}]}, id="line-without-id"),
        pytest.param({"fulfillments": [None]}, id="null-fulfillment"),
        pytest.param({"refunds": ["509562969"]}, id="refund-not-an-object"),
    ],
)
async def test_schema_drift_is_bad_response_from_oms(oms, raw_order, change):
    payload = {"orders": [variant(raw_order, **change)]}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    with pytest.raises(SourceBadResponse) as info:
        await oms(handler).orders_by_id(["450789469"], CallContext("req-1"))
    assert info.value.source == "oms"


async def test_orders_response_without_list_is_bad_response(oms):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"order": {}})

    with pytest.raises(SourceBadResponse):
        await oms(handler).orders_by_id(["450789469"], CallContext("req-1"))


# --- orders by id -----------------------------------------------------------------------


async def test_orders_by_id_chunks_at_250_and_always_asks_status_any(oms, raw_order):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_shopify_get(request)
        params = request.url.params
        assert params["status"] == "any"
        assert params["limit"] == "250"
        assert {"id", "refunds", "fulfillments", "app_id"} <= set(params["fields"].split(","))
        ids = params["ids"].split(",")
        orders = [raw_order] if "450789469" in ids else []
        return httpx.Response(200, json={"orders": orders})

    ids = [str(450789469 + i) for i in range(251)]
    found = await oms(handler).orders_by_id(
        [*ids, ids[0], "gid://shopify/Order/1", ""], CallContext("req-1")
    )

    assert [len(r.url.params["ids"].split(",")) for r in seen] == [250, 1]
    sent = [key for r in seen for key in r.url.params["ids"].split(",")]
    assert sent == ids
    assert list(found) == ["450789469"]  # missing ids are simply absent


async def test_orders_by_id_without_numeric_ids_makes_no_call(oms):
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert await oms(handler).orders_by_id(["#1001", "abc"], CallContext("req-1")) == {}


async def test_order_by_number(oms, raw_order):
    names: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert_shopify_get(request)
        assert request.url.params["status"] == "any"
        assert request.url.params["limit"] == "1"
        assert "name=%23" in request.url.query.decode()
        names.append(request.url.params["name"])
        return httpx.Response(200, json={"orders": [raw_order]})

    client = oms(handler)
    order = await client.order_by_number("#1001", CallContext("req-1"))
    assert order is not None
    assert order.id == "450789469"
    # An upstream answer for another name is not taken for the one asked.
    assert await client.order_by_number("#100", CallContext("req-1")) is None
    assert names == ["#1001", "#100"]


async def test_throttled_with_fractional_retry_after(oms, fixture_text):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            text=fixture_text("oms/throttled.json"),
            headers={"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": "40/40"},
        )

    with pytest.raises(SourceThrottled) as info:
        await oms(handler).orders_by_id(["450789469"], CallContext("req-1"))
    assert info.value.retry_after == 2.0
    assert info.value.source == "oms"
    assert info.value.code == "SOURCE_THROTTLED"


def test_read_shopify_error():
    assert wire.read_shopify_error(b'{"errors":"Not Found"}') == "Not Found"
    assert wire.read_shopify_error(b'{"errors":{"base":["x"]}}') == "{'base': ['x']}"
    assert wire.read_shopify_error(b"[1]") is None
    assert wire.read_shopify_error(b"<html>") is None


# --- listing ----------------------------------------------------------------------------


def link_next(page_info: str) -> dict[str, str]:
    url = f"{BASE}{ORDERS_PATH}?limit=3&page_info={page_info}"
    return {"Link": f'<{url}>; rel="next"'}


async def test_list_orders_request_shape_and_has_next(oms, raw_order):
    seen: list[httpx.Request] = []
    rows = [
        listed(raw_order, 3, "2024-06-03T10:00:00-04:00"),
        listed(raw_order, 2, "2024-06-02T10:00:00-04:00"),
        listed(raw_order, 1, "2024-06-01T10:00:00-04:00"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_shopify_get(request)
        return httpx.Response(200, json={"orders": rows})

    page = await oms(handler).list_orders(
        OrderListQuery(first=2, channel="web"), CallContext("req-1")
    )

    (request,) = seen
    params = request.url.params
    assert params["status"] == "any"
    assert params["order"] == "created_at desc"
    assert params["attribution_app_id"] == "580111"
    assert params["limit"] == "4"
    assert [o.id for o in page.orders] == ["3", "2"]
    assert page.has_next_page is True


async def test_list_orders_last_page_has_no_next(oms, raw_order):
    rows = [
        listed(raw_order, 2, "2024-06-02T10:00:00-04:00"),
        listed(raw_order, 1, "2024-06-01T10:00:00-04:00"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        assert "attribution_app_id" not in request.url.params
        return httpx.Response(200, json={"orders": rows})

    page = await oms(handler).list_orders(OrderListQuery(first=2), CallContext("req-1"))
    assert [o.id for o in page.orders] == ["2", "1"]
    assert page.has_next_page is False


async def test_list_orders_follows_link_when_the_post_filter_needs_more(oms, raw_order):
    in_transit = variant(
        raw_order, financial_status="paid", fulfillment_status="fulfilled", refunds=[]
    )
    delivered = _delivered(raw_order)
    page_1 = [
        listed(in_transit, 9, "2024-06-09T10:00:00-04:00"),
        listed(in_transit, 8, "2024-06-08T10:00:00-04:00"),
        listed(in_transit, 7, "2024-06-07T10:00:00-04:00"),
    ]
    page_2 = [
        listed(delivered, 6, "2024-06-06T10:00:00-04:00"),
        listed(delivered, 5, "2024-06-05T10:00:00-04:00"),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert_shopify_get(request)
        if "page_info" in request.url.params:
            assert str(request.url) == f"{BASE}{ORDERS_PATH}?limit=3&page_info=p2"
            return httpx.Response(200, json={"orders": page_2})
        assert request.url.params["fulfillment_status"] == "shipped"
        assert request.url.params["status"] == "any"
        return httpx.Response(200, json={"orders": page_1}, headers=link_next("p2"))

    page = await oms(handler).list_orders(
        OrderListQuery(first=1, status=OrderStatus.DELIVERED), CallContext("req-1")
    )

    assert len(seen) == 2
    assert [o.id for o in page.orders] == ["6"]
    assert page.orders[0].status is OrderStatus.DELIVERED
    assert page.has_next_page is True


async def test_list_orders_post_filter_on_last_page_has_no_next(oms, raw_order):
    rows = [
        listed(raw_order, 2, "2024-06-02T10:00:00-04:00", cancelled_at="2024-06-02T11:00:00-04:00"),
        listed(raw_order, 1, "2024-06-01T10:00:00-04:00"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["status"] == "cancelled"
        return httpx.Response(200, json={"orders": rows})

    page = await oms(handler).list_orders(
        OrderListQuery(first=5, status=OrderStatus.CANCELLED), CallContext("req-1")
    )
    assert [o.id for o in page.orders] == ["2"]
    assert page.has_next_page is False


async def test_list_orders_scan_is_bounded_and_reports_more(oms, raw_order):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        row = listed(raw_order, 1000 - calls, "2024-06-01T10:00:00-04:00")
        return httpx.Response(200, json={"orders": [row]}, headers=link_next(f"p{calls + 1}"))

    page = await oms(handler).list_orders(
        OrderListQuery(first=1, status=OrderStatus.CANCELLED), CallContext("req-1")
    )
    assert calls == 8
    assert page.orders == ()
    assert page.has_next_page is True


async def test_list_orders_after_cursor_drops_what_was_seen(oms, raw_order):
    same_second = "2024-06-02T10:00:00-04:00"
    rows = [
        listed(raw_order, 31, same_second),  # same time, higher id: already seen
        listed(raw_order, 30, same_second),  # the cursor's own order
        listed(raw_order, 29, same_second),
        listed(raw_order, 28, "2024-06-01T10:00:00-04:00"),
    ]
    cursor = OrderCursor.after(wire.order(rows[1], CHANNELS_BY_APP))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"orders": rows})

    query = OrderListQuery(first=5, after=OrderCursor.decode(cursor.encode()))
    page = await oms(handler).list_orders(query, CallContext("req-1"))

    assert seen[0].url.params["created_at_max"] == "2024-06-02T14:00:00+00:00"
    assert "created_at_max=2024-06-02T14%3A00%3A00%2B00%3A00" in seen[0].url.query.decode()
    assert [o.id for o in page.orders] == ["29", "28"]
    assert page.has_next_page is False


async def test_list_orders_unknown_channel_is_empty_without_a_call(oms):
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    page = await oms(handler).list_orders(
        OrderListQuery(first=5, channel="partner:unknown"), CallContext("req-1")
    )
    assert page.orders == ()
    assert page.has_next_page is False


async def test_list_orders_by_customer_email(oms, raw_order, fixture_text):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.headers["X-Shopify-Access-Token"] == TOKEN
        if request.url.path.endswith("/customers/search.json"):
            assert request.url.params["query"] == "email:Bob.Norman@example.com"
            return httpx.Response(200, text=fixture_text("oms/customers_search.json"))
        assert request.url.params["status"] == "any"
        return httpx.Response(200, json={"orders": [raw_order]})

    page = await oms(handler).list_orders(
        OrderListQuery(first=5, customer_email="Bob.Norman@example.com"), CallContext("req-1")
    )
    assert seen == [
        "/admin/api/2024-01/customers/search.json",
        "/admin/api/2024-01/customers/207119551/orders.json",
    ]
    assert [o.id for o in page.orders] == ["450789469"]


def test_cursor_round_trips():
    cursor = OrderCursor(datetime(2024, 6, 1, 13, 4, 18, tzinfo=UTC), 450789469)
    encoded = cursor.encode()
    assert "=" not in encoded
    assert OrderCursor.decode(encoded) == cursor


def test_cursor_normalises_offsets_to_utc():
    raw = json.dumps({"t": "2024-06-01T09:04:18-04:00", "id": 1}).encode()
    decoded = OrderCursor.decode(base64.urlsafe_b64encode(raw).decode())
    assert decoded.placed_at == datetime(2024, 6, 1, 13, 4, 18, tzinfo=UTC)
    assert decoded.placed_at.tzinfo is UTC


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("not-a-cursor", id="garbage"),
        pytest.param("é", id="non-ascii"),
        pytest.param(_b64(b"\xff\xfe\x00"), id="binary"),
        pytest.param(_b64(b"[1, 2]"), id="json-array"),
        pytest.param(_b64(b'{"t": "2024-06-01T00:00:00+00:00"}'), id="no-id"),
        pytest.param(_b64(b'{"t": "2024-06-01T00:00:00", "id": 1}'), id="naive-time"),
        pytest.param(_b64(b'{"t": "yesterday", "id": 1}'), id="bad-time"),
        pytest.param(_b64(b'{"t": 1717200000, "id": 1}'), id="numeric-time"),
        pytest.param(_b64(b'{"t": "2024-06-01T00:00:00+00:00", "id": "x"}'), id="bad-id"),
        pytest.param(_b64(b'{"t": "9999-12-31T23:59:59-01:00", "id": 1}'), id="time-overflow"),
        pytest.param(_b64(b'{"t": "2024-06-01T00:00:00+00:00", "id": 1e400}'), id="id-overflow"),
    ],
)
def test_cursor_rejects_garbage(value):
    with pytest.raises(InvalidCursor):
        OrderCursor.decode(value)
